"""The HTTP session against a hostile peer on loopback: redirects to another origin, to
another scheme or in a loop; bodies endless, oversized or trickled. Each ends in one clear
error, and a request's credentials never reach a server other than the one addressed. And
the decoding of a body: strict JSON, with keys named twice marked, not silently resolved."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from connectors.common import http
from connectors.common.errors import SourceError
from connectors.common.http import (
    CONFLICTING_KEYS,
    RetryingSession,
    RetryPolicy,
    decode_json,
    decode_json_exactly,
)

KEY = "sk-test-0123456789"


class Peer:
    """A server on a free loopback port answering each path with `routes[path](handler)`;
    every request it got is recorded with its headers."""

    def __init__(self, routes: dict) -> None:
        self.routes = routes
        self.seen: list[tuple[str, dict]] = []
        peer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):  # noqa: N802 (http.server's name)
                peer.seen.append((self.path, dict(self.headers)))
                route = peer.routes.get(self.path.split("?")[0])
                if route is None:
                    self.send_error(404)
                    return
                try:
                    route(self)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client stopped reading: what a bounded client does

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _json(body) -> callable:
    def route(h):
        data = json.dumps(body).encode()
        h.send_response(200)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        h.wfile.write(data)

    return route


def _redirect(location: str, status: int = 302) -> callable:
    def route(h):
        h.send_response(status)
        h.send_header("Location", location)
        h.send_header("Content-Length", "0")
        h.end_headers()

    return route


def _endless(h):
    h.send_response(200)
    h.send_header("Content-Type", "application/json")
    h.send_header("Transfer-Encoding", "chunked")
    h.end_headers()
    chunk = b"[" + b"0," * 32767
    while True:
        h.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")


def _trickle(h):
    h.send_response(200)
    h.send_header("Content-Type", "application/json")
    h.send_header("Content-Length", "1000")
    h.end_headers()
    for _ in range(1000):
        h.wfile.write(b" ")
        h.wfile.flush()
        time.sleep(0.25)


@pytest.fixture
def peers():
    made = []

    def make(routes):
        made.append(Peer(routes))
        return made[-1]

    yield make
    for p in made:
        p.close()


def _get(url: str, **policy):
    session = RetryingSession("smart_city", RetryPolicy(attempts=1, **policy))
    try:
        return session.request_json("GET", url, "requests page 1", headers={"X-API-Key": KEY})
    finally:
        session.close()


def test_a_redirect_within_the_origin_is_followed(peers):
    source = peers({"/old": _redirect("/new?page=1"), "/new": _json({"ok": 1})})
    assert _get(f"{source.url}/old") == {"ok": 1}
    assert [p for p, _ in source.seen] == ["/old", "/new?page=1"]


def test_a_redirect_to_another_origin_is_not_followed_and_the_key_stays(peers):
    other = peers({"/steal": _json([])})
    source = peers({"/requests.json": _redirect(f"{other.url}/steal")})
    with pytest.raises(SourceError, match="redirected from .* to another origin") as err:
        _get(f"{source.url}/requests.json?api_key={KEY}")
    assert other.seen == []  # not even asked
    assert KEY not in str(err.value)


@pytest.mark.parametrize("location", ["file:///etc/passwd", "ftp://127.0.0.1/x", "gopher://127.0.0.1:70/"])
def test_a_redirect_to_another_scheme_is_refused(peers, location):
    source = peers({"/requests.json": _redirect(location, 301)})
    with pytest.raises(SourceError, match="only http and https are followed"):
        _get(f"{source.url}/requests.json")


def test_an_address_that_is_not_http_is_refused():
    with pytest.raises(SourceError, match="not an http or https address"):
        _get("file:///etc/passwd")


def test_a_redirect_loop_ends(peers):
    source = peers({"/a": _redirect("/b"), "/b": _redirect("/a")})
    with pytest.raises(SourceError, match="redirected in a loop"):
        _get(f"{source.url}/a")
    assert len(source.seen) == 2


def test_an_endless_body_is_cut_off_at_the_size_cap(peers):
    source = peers({"/requests.json": _endless})
    with pytest.raises(SourceError, match=r"went on past it, more than the 1 MiB .*GOVHUB_HTTP_MAX_MIB"):
        _get(f"{source.url}/requests.json", max_bytes=1024 * 1024)


def test_a_body_declared_too_large_is_not_read(peers):
    def huge(h):
        h.send_response(200)
        h.send_header("Content-Length", str(10 * 1024 * 1024))
        h.end_headers()
        h.wfile.write(b"[")

    source = peers({"/requests.json": huge})
    with pytest.raises(SourceError, match="declares 10,485,760 bytes"):
        _get(f"{source.url}/requests.json", max_bytes=1024 * 1024)


def test_a_trickled_body_ends_at_the_deadline_not_at_the_read_timeout(peers):
    source = peers({"/requests.json": _trickle})  # a byte every 0.25 s: no single read times out
    with pytest.raises(SourceError, match=r"last: a body not read whole within 4 s"):
        _get(f"{source.url}/requests.json", timeout=1.0)


def test_a_key_named_twice_with_two_values_is_marked_at_its_depth():
    body = b'{"items":[{"id":"A","lat":34.0,"lat":34.8,"ext":{"grid":"1","grid":"2"}},{"id":"B","lat":1,"lat":1}]}'
    first, second = decode_json(body)["items"]
    assert first == {
        "id": "A",
        "lat": 34.8,
        "ext": {"grid": "2", CONFLICTING_KEYS: ["grid"]},
        CONFLICTING_KEYS: ["lat"],
    }
    assert second == {"id": "B", "lat": 1}  # the same value twice loses nothing
    assert decode_json(b'{"flag":1,"flag":true}') == {"flag": True, CONFLICTING_KEYS: ["flag"]}  # 1 == True in Python


@pytest.mark.parametrize("body", [b"[NaN]", b'{"lat":Infinity}', b"[1e400]", b'{"a":1,'])
def test_a_body_that_is_not_strict_json_is_refused(body):
    with pytest.raises(ValueError):
        decode_json(body)


def test_integers_beyond_64_bits_are_read_as_doubles_as_before():
    assert decode_json(b"[123456789012345678901234567890, 9007199254740993]") == [
        1.2345678901234568e29,
        9007199254740993,
    ]


# Bodies where a repeated key hides behind what orjson's re-encoding changes: spacing, a quote
# or a colon escaped in a string, a key spelled with an escape, a repeated key whose value
# holds keys and strings of its own; and bodies without repeats written the same ways.
TRICKY_BODIES = [
    b'{"a":1,"a":2}',
    b'{"a" :1,"b":2}',
    b'{"a" :1,"a":2,"b":{"c":1}}',
    b'{"x":"\\"\\u003a","y":1,"y":2}',
    b'{"x":"\\u0022:","y":1,"y":2}',
    b'{"x":"\\":\\":","y":1}',
    b'{"x":"\\":","y":{"k":"v","k":"w"}}',
    b'{"\\u0061":1,"a":2}',
    b'{"a":{"b":1,"c":"d\\":"},"a":{"b":1,"c":"d\\":"}}',
    b'{"a":{"b":1},"a":{"b":2,"e":"\\":"}}',
    b'[{"k\\\\":1,"k\\\\":2}]',
    b'{"text":"a \\"quoted\\": word","n":1.5e3,"big":123456789012345678901234567890}',
    '{"名":"张\\u003a三","名":"李四"}'.encode(),
    b'\n{\n  "a": 1,\n  "a": 1\n}\n',
    b'{ "x" : "\\" :" , "y" : 1 , "y" : 2 }',
    b'[ {"a" :\t1, "b":\r\n{"c" : [1, 2]}} ]',
    b'{"a":1,"b":{"a":1,"a":2}}',
]


@pytest.mark.parametrize("body", TRICKY_BODIES)
def test_the_fast_decoder_reads_what_the_exact_one_reads(body):
    assert decode_json(body) == decode_json_exactly(body)
    assert decode_json(body.decode("utf-8")) == decode_json_exactly(body)


def test_a_plain_body_is_read_by_orjson_alone(monkeypatch):
    def exact(content):
        raise AssertionError("the exact decoder read a body without repeats")

    monkeypatch.setattr(http, "decode_json_exactly", exact)
    body = '[{"id":"1","desc":"电话 \\"138\\": 见","ext":{"lifecycle":[{"note":"到场"}]}}]'
    assert decode_json(body.encode()) == [
        {"id": "1", "desc": '电话 "138": 见', "ext": {"lifecycle": [{"note": "到场"}]}}
    ]
