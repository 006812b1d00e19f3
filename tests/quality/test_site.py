"""The GX Data Docs site as `govhub dev` serves it renders with no network: every script,
style and font its pages ask of a CDN is served from the installed assets."""

from __future__ import annotations

import re
import urllib.request
from pathlib import Path

import pytest

from orchestration.quality import quality_dir
from quality.site import ASSETS, CDN_FILES, asset_file, installed, offline_page
from quality.site import serve as serve_data_docs

# what a page loads: scripts, styles, images (an <a href> to a web page is only a link)
LOADED = re.compile(
    r"""<(?:script|img)[^>]*\bsrc=["'](https?://[^"']+)|<link[^>]*\bhref=["'](https?://[^"']+)|url\(['"]?(https?://[^'")]+)"""
)


@pytest.fixture(scope="module")
def site(tiny_warehouse) -> Path:
    settings, _ = tiny_warehouse
    return quality_dir(settings.lake_dir) / "data_docs"


def test_the_assets_are_installed_and_each_cdn_address_has_its_file():
    assert installed(), f"run make env: the npm assets are missing under {ASSETS}"
    for path in CDN_FILES.values():
        assert asset_file(f"/_assets/{path}") is not None, path
    assert asset_file("/_assets/../../package.json") is None  # nothing outside the assets


def test_no_served_page_loads_anything_from_another_host(site):
    pages = list(site.rglob("*.html"))
    assert len(pages) > 5
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert LOADED.search(html), f"{page}: the test would see nothing to rewrite"
        left = [m for m in LOADED.findall(offline_page(html)) if any(m)]
        assert left == [], f"{page}: {left}"


@pytest.mark.browser
def test_the_site_renders_in_chromium_with_every_outside_request_refused(site):
    from playwright.sync_api import sync_playwright

    from tests.reports.test_report_in_browser import CHROMIUM_ARGS, _chromium

    base = serve_data_docs(site, 0)
    page_path = next(site.rglob("validations/**/*.html")).relative_to(site)
    outside, failed, errors = [], [], []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=_chromium(), args=CHROMIUM_ARGS)
        page = browser.new_page()

        def route(r):
            if r.request.url.startswith((base, "data:")):
                return r.continue_()
            outside.append(r.request.url)
            return r.abort()

        page.route("**/*", route)
        page.on("response", lambda r: failed.append((r.status, r.url)) if r.status >= 400 else None)
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        for path in ("index.html", str(page_path)):
            # "load": every script, style and image the page names has arrived (or was refused);
            # a busy machine gets a minute. The font is waited for by the page's own promise.
            page.goto(f"{base}/{path}", wait_until="load", timeout=60_000)
            page.wait_for_selector("table tbody tr", timeout=60_000)
            page.evaluate("document.fonts.ready.then(() => true)")
            # Bootstrap's styles and Font Awesome's font arrived
            assert page.evaluate("getComputedStyle(document.querySelector('.fa, .fas')).fontFamily").startswith(
                '"Font Awesome'
            )
            loaded = page.evaluate(
                "[...document.styleSheets].filter(s => s.href && s.cssRules.length > 50).map(s => s.href)"
            )
            assert any(h.endswith("/bootstrap/dist/css/bootstrap.min.css") for h in loaded), loaded
        browser.close()
    assert outside == [] and failed == [] and errors == []
    with urllib.request.urlopen(f"{base}/index.html", timeout=10) as r:
        assert b"/_assets/bootstrap/dist/css/bootstrap.min.css" in r.read()
