"""The GX Data Docs site as `govhub dev` serves it: with no network.

Great Expectations writes its pages with their scripts, styles and fonts on public CDNs
(Bootstrap, jQuery, Popper, Bootstrap Table, Bootstrap Datepicker, Font Awesome, Vega). The
same releases are installed from the npm registry into `quality/site_assets/node_modules`
(`make env`: `npm ci`, pinned by its package-lock.json), and the server rewrites each CDN
address of a page to its file there, under `/_assets/`. GX's logo, which lives on its own
web host, becomes an empty image.
"""

from __future__ import annotations

import re
from pathlib import Path

ASSETS = Path(__file__).resolve().parent / "site_assets" / "node_modules"
PREFIX = "/_assets/"

# CDN address -> the file of the same release under ASSETS. The filter-control styles the
# pages ask of bootstrap-table 1.19.0 come from 1.19.1, the release of its scripts.
CDN_FILES = {
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": "bootstrap/dist/css/bootstrap.min.css",
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": "bootstrap/dist/js/bootstrap.min.js",
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery/dist/jquery.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": "popper.js/dist/umd/popper.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css": "bootstrap-table/dist/bootstrap-table.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js": "bootstrap-table/dist/bootstrap-table.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.min.js": (
        "bootstrap-table/dist/extensions/filter-control/bootstrap-table-filter-control.min.js"
    ),
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.min.css": (
        "bootstrap-table/dist/extensions/filter-control/bootstrap-table-filter-control.min.css"
    ),
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.css": (
        "bootstrap-table/dist/extensions/filter-control/bootstrap-table-filter-control.css"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css": (
        "bootstrap-datepicker/dist/css/bootstrap-datepicker.min.css"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js": (
        "bootstrap-datepicker/dist/js/bootstrap-datepicker.min.js"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css": (
        "@fortawesome/fontawesome-free/css/all.min.css"
    ),
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css": (
        "@forevolve/bootstrap-dark/dist/css/bootstrap-prefers-dark.css"
    ),
    "https://cdn.jsdelivr.net/npm/vega@5": "vega/build/vega.min.js",
    "https://cdn.jsdelivr.net/npm/vega-lite@5": "vega-lite/build/vega-lite.min.js",
    "https://cdn.jsdelivr.net/npm/vega-embed@6": "vega-embed/build/vega-embed.min.js",
}
# GX's logo (an <img> and a CSS background) on its own host
_LOGO = re.compile(
    r"https://great-expectations-web-assets\.s3\.[a-z0-9-]+\.amazonaws\.com/[A-Za-z0-9_.-]+(\?[^\"')\s]*)?"
)
EMPTY_IMAGE = "data:image/gif;base64,R0lGODlhAQABAAAAACH5BAEKAAEALAAAAAABAAEAAAICTAEAOw=="
_CDN = re.compile("|".join(re.escape(url) for url in sorted(CDN_FILES, key=len, reverse=True)))


def installed() -> bool:
    """Whether the assets are installed (`make env` installs them where npm is)."""
    return all((ASSETS / f).is_file() for f in CDN_FILES.values())


def offline_page(html: str) -> str:
    """A Data Docs page with its CDN addresses pointing at the installed files."""
    html = _CDN.sub(lambda m: PREFIX + CDN_FILES[m.group(0)], html)
    return _LOGO.sub(EMPTY_IMAGE, html)


def asset_file(path: str) -> Path | None:
    """The installed file a `/_assets/...` request names (None: not one, or outside)."""
    if not path.startswith(PREFIX):
        return None
    target = (ASSETS / path[len(PREFIX) :].split("?", 1)[0]).resolve()
    return target if target.is_file() and target.is_relative_to(ASSETS) else None
