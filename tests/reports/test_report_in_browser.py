"""The HTML report in a real headless Chromium (Debian's, driven by Playwright): it renders
with no console error, the map is painted, the indicator and layer can be switched; the
screenshot is kept in test-artifacts/ for people to look at.

Chromium must be installed (`.ci/run` installs Debian's package): without it the test fails."""

from __future__ import annotations

import shutil

import pytest
from playwright.sync_api import sync_playwright

from reports import write_scorecard
from tests.reports.conftest import MONTH
from warehouse.settings import PROJECT_ROOT

pytestmark = pytest.mark.browser

ARTIFACTS = PROJECT_ROOT / "test-artifacts"
# as the machine's own checks start it: no sandbox as root, and nothing that reaches out
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.fail("Chromium is not installed (apt-get install chromium; .ci/run installs it)")
    return found


def test_the_report_renders_in_chromium_and_its_map_answers(con, tmp_path):
    card, _, html = write_scorecard(con, MONTH, tmp_path)
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=_chromium(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
            page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
            page.goto(html.as_uri())
            page.wait_for_selector("#map[data-painted]")
            # the headline, every chart with a size, the townships painted
            assert page.locator(".figure").count() == len(card.headline)
            charts = page.locator("svg.chart")
            assert charts.count() == 5
            for i in range(charts.count()):
                box = charts.nth(i).bounding_box()
                assert box and box["width"] > 200 and box["height"] > 100
            townships = page.locator('#map g[data-layer="township"] path')
            assert townships.count() >= 1
            assert page.locator("#map").get_attribute("data-painted") == str(townships.count())
            assert "上报事件" in townships.first.locator("title").text_content()
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"scorecard-{MONTH}.png"), full_page=True)
            # the grids, coloured by the on-time rate
            page.check('input[name="layer"][value="grid"]')
            page.select_option("#indicator", "on_time_rate")
            grids = page.locator('#map g[data-layer="grid"] path')
            assert page.locator('#map g[data-layer="grid"]').is_visible()
            assert not page.locator('#map g[data-layer="township"]').is_visible()
            assert grids.count() == len(card.grid_shapes)
            assert "按时办结率" in grids.first.locator("title").text_content()
            fills = {grids.nth(i).get_attribute("fill") for i in range(grids.count())}
            assert len(fills) > 1, "the grids differ in on-time rate, so in colour"
            assert page.locator("#legend span.swatch").count() >= 2
            page.locator("#map").screenshot(path=str(ARTIFACTS / f"scorecard-{MONTH}-grids.png"))
        finally:
            browser.close()
    assert problems == []
    assert (ARTIFACTS / f"scorecard-{MONTH}.png").stat().st_size > 10_000
