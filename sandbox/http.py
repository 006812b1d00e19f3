"""A small threaded JSON HTTP server that every HTTP stand-in is built on.

With a fault plan (`sandbox.faults`) it also plays an unreliable network and gateway:
429 with Retry-After, 5xx, stalls past the client's timeout, connections dropped mid-body,
bodies cut short or not JSON at all. Faults of the protocol itself (an Artemis envelope
error, a revoked token, paging that drifts) are the stand-ins' own.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from sandbox.faults import RETRY_AFTER_SECONDS, STALL_SECONDS, TRANSPORT, FaultPlan

# a gateway's error page, where JSON was expected
PROXY_ERROR_PAGE = b"<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>"


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


class Collector:
    """A server elsewhere, on another port: what a redirect sends it is kept (`seen`, each
    request's path and headers), to show that no credential was handed over."""

    def __init__(self) -> None:
        seen = self.seen = []

        class _Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                seen.append((self.path, dict(self.headers)))
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"[]")

            do_POST = do_GET

            def log_message(self, format, *args) -> None:  # noqa: A002
                return

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, name="collector", daemon=True).start()

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class _AppHandler(BaseHTTPRequestHandler):
    """Serves `app`, with the faults `faults` plans (a class per server: _make_handler)."""

    protocol_version = "HTTP/1.1"
    app: App
    faults: FaultPlan | None = None
    collector: Collector | None = None

    def _send(self, status: int, data: bytes, headers: dict[str, str], length: int | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", headers.pop("Content-Type", "application/json; charset=utf-8"))
        self.send_header("Content-Length", str(len(data) if length is None else length))
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

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
        fault = None
        if self.faults is not None and self.faults.active:
            if self._hostile(parts):
                return
            fault = self.faults.draw(TRANSPORT, FaultPlan.request_key(req.method, req.path, req.query, req.body))
        if self._refused(req, fault):
            return
        if fault == "timeout":  # the client stops waiting first; the answer comes too late
            time.sleep(STALL_SECONDS)
        try:
            resp = self.app.handle(req)
        except Exception as exc:  # a stand-in bug must show as a 500, not a hang
            resp = Response(500, {"error": f"{type(exc).__name__}: {exc}"})
        self._answer(resp, fault)

    def _refused(self, req: Request, fault: str | None) -> bool:
        """Whether the fault answers in the app's place: too many requests, a server error."""
        if fault == "http_429":
            self._send(429, b'{"error":"too many requests"}', {"Retry-After": RETRY_AFTER_SECONDS})
        elif fault == "http_5xx":
            status = (500, 502, 503)[len(req.body) % 3]
            self._send(status, json.dumps({"error": f"HTTP {status}"}).encode(), {})
        else:
            return False
        return True

    def _answer(self, resp: Response, fault: str | None) -> None:
        """The app's answer, as the fault leaves it: half of it, cut short, or a proxy's page."""
        data = resp.encode()
        if fault == "dropped_connection":  # headers promise the whole body; half comes
            self._send(resp.status, data[: len(data) // 2], dict(resp.headers), length=len(data))
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
            return
        if fault == "truncated_json" and resp.status == 200:
            data = data[: max(1, len(data) * 2 // 3)]
        elif fault == "invalid_json" and resp.status == 200:
            data = PROXY_ERROR_PAGE
            resp.headers["Content-Type"] = "text/html"
        try:
            self._send(resp.status, data, dict(resp.headers))
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (a stall)
            self.close_connection = True

    def _hostile(self, parts) -> bool:
        """Answer as a hostile peer would (sandbox.faults.HOSTILE), when the plan says so."""
        return self._redirected(parts) or self._hostile_body()

    def _redirected(self, parts) -> bool:
        faults = self.faults
        redirect = next((f for f in ("redirect_elsewhere", "redirect_scheme", "redirect_loop") if faults.on(f)), None)
        if redirect:
            faults.count(redirect)  # before the answer: the client may act on it at once
        if faults.on("redirect_elsewhere") and self.collector is not None:
            self._send(302, b"", {"Location": f"{self.collector.url}/collect{parts.path}"})
        elif faults.on("redirect_scheme"):
            self._send(302, b"", {"Location": "file:///etc/passwd"})
        elif faults.on("redirect_loop"):
            there = "/loop-b" if parts.path == "/loop-a" else "/loop-a"
            self._send(302, b"", {"Location": there})
        else:
            return False
        return True

    def _hostile_body(self) -> bool:
        """A body that never ends, or one that comes a byte every half second."""
        faults = self.faults
        if faults.on("endless_body"):
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            faults.count("endless_body")
            chunk = b"[" + b"0," * 32767
            try:
                while True:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True
        elif faults.on("trickled_body") and faults.first("trickled_body"):
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "100000")
            self.end_headers()
            try:
                for _ in range(100000):
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(0.5)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True
        else:
            return False
        return True

    do_GET = do_POST = _serve

    def log_message(self, format, *args) -> None:  # noqa: A002 - quiet: no request logs
        return


def _make_handler(app: App, faults: FaultPlan | None, collector: Collector | None = None) -> type[_AppHandler]:
    """The handler class of one server: `app` served with `faults`; hostile redirects to `collector`."""
    return type("Handler", (_AppHandler,), {"app": app, "faults": faults, "collector": collector})


class ResponseCache:
    """Answers kept encoded, by request (method, path, query and body), and served again
    from memory: a server that costs next to nothing, for measuring clients against it (the
    benchmark's "fetch limit"). Only with a frozen clock and no faults, when the same
    request always has the same answer; a stand-in asks it only after authentication."""

    def __init__(self, enabled: bool = False) -> None:
        self.enabled = enabled
        self._store: dict[str, Response] = {}
        self._lock = threading.Lock()

    def get(self, req: Request, produce: Callable[[], Response]) -> Response:
        if not self.enabled:
            return produce()
        key = FaultPlan.request_key(req.method, req.path, req.query, req.body)
        with self._lock:
            hit = self._store.get(key)
        if hit is None:
            resp = produce()
            if resp.status != 200:
                return resp
            hit = Response(200, resp.encode(), dict(resp.headers))
            with self._lock:
                self._store[key] = hit
        return Response(hit.status, hit.body, dict(hit.headers))


class Server:
    """An App served on a local port in a background thread."""

    def __init__(self, app: App, host: str = "127.0.0.1", port: int = 0, faults: FaultPlan | None = None) -> None:
        self.app = app
        self.faults = faults
        self.collector = Collector() if faults is not None and faults.on("redirect_elsewhere") else None
        self.httpd = ThreadingHTTPServer((host, port), _make_handler(app, faults, self.collector))
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
        if self.collector is not None:
            self.collector.stop()
