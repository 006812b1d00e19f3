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


def serve(site: Path, port: int) -> str:
    """Serve the GX Data Docs site on localhost from a thread, so the `data_docs` links of
    the asset checks open from the UI; its URL. Pages are served with their scripts, styles
    and fonts from the installed assets instead of CDNs (offline_page, asset_file): no network
    needed."""
    import functools
    import mimetypes
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
    from urllib.parse import unquote, urlsplit

    site.mkdir(parents=True, exist_ok=True)

    class Site(SimpleHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

        def do_GET(self) -> None:
            path = unquote(urlsplit(self.path).path)
            asset = asset_file(path)
            if asset is not None:
                return self._send(asset.read_bytes(), mimetypes.guess_type(asset.name)[0] or "application/octet-stream")
            page = Path(self.translate_path(self.path))
            if page.is_dir():
                page = page / "index.html"
            if page.suffix == ".html" and page.is_file():
                return self._send(offline_page(page.read_text(encoding="utf-8")).encode(), "text/html; charset=utf-8")
            return super().do_GET()

        def _send(self, body: bytes, content_type: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", port), functools.partial(Site, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}"
