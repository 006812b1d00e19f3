"""A small threaded JSON HTTP server that every HTTP stand-in is built on."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes = b""

    def json(self):
        return json.loads(self.body or b"null")


@dataclass
class Response:
    status: int = 200
    body: object = None  # JSON-serializable, or bytes sent as they are
    headers: dict[str, str] = field(default_factory=dict)

    def encode(self) -> bytes:
        if isinstance(self.body, (bytes, bytearray)):
            return bytes(self.body)
        return json.dumps(self.body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


Handler = Callable[[Request], Response]


class App:
    """Routes (method, path) to handlers; unknown paths answer 404 in JSON."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.routes: dict[tuple[str, str], Handler] = {}

    def route(self, method: str, path: str):
        def register(fn: Handler) -> Handler:
            self.routes[(method, path)] = fn
            return fn

        return register

    def handle(self, req: Request) -> Response:
        fn = self.routes.get((req.method, req.path))
        if fn is None:
            return Response(404, {"error": f"no route {req.method} {req.path}"})
        return fn(req)


def _make_handler(app: App):
    class _Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            req = Request(
                method=self.command,
                path=parts.path,
                query={k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()},
                headers={k.lower(): v for k, v in self.headers.items()},
                body=body,
            )
            try:
                resp = app.handle(req)
            except Exception as exc:  # a stand-in bug must show as a 500, not a hang
                resp = Response(500, {"error": f"{type(exc).__name__}: {exc}"})
            data = resp.encode()
            self.send_response(resp.status)
            self.send_header("Content-Type", resp.headers.pop("Content-Type", "application/json; charset=utf-8"))
            self.send_header("Content-Length", str(len(data)))
            for k, v in resp.headers.items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _serve

        def log_message(self, format, *args) -> None:  # noqa: A002 - quiet: no request logs
            return

    return _Handler


class Server:
    """An App served on a local port in a background thread."""

    def __init__(self, app: App, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        self.httpd = ThreadingHTTPServer((host, port), _make_handler(app))
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, name=app.name, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> Server:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
