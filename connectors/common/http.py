"""An HTTP session with bounded retries, exponential backoff with jitter, and Retry-After.

Retried: connection errors, timeouts, bodies cut short or not JSON, HTTP 429 and 5xx, and
answers the caller's `retry_if` calls transient (an Artemis "system busy" envelope). Not
retried: other 4xx (the request itself is wrong; retrying cannot help). Every retry is
counted, so a run can report how hard its source made it work.

A source is a peer that may misbehave, and the session holds it to bounds:
- only http and https are spoken, and a redirect is followed only within the origin the
  request was sent to (scheme, host and port): the credentials a request carries (an API
  key header, a signature) never reach another server; a redirect elsewhere, to another
  scheme or in a loop ends in one clear error;
- an answer's body is read to at most ``GOVHUB_HTTP_MAX_MIB`` (1–4096, default 256) and
  within a deadline of 4 × the timeout per try, counted from the request, however slowly
  the bytes come: a body trickled or endless is cut off, and retried like a timeout;
- a body is decoded by `decode_json`: an object that names one key twice with different
  values keeps its last value, as JSON readers do, and says so in ``_conflicting_keys``
  (the names, never the values): staging quarantines the record (`conflicting_keys`)
  instead of landing one of the two as if it had been sent alone.

Settings (all sources): ``GOVHUB_HTTP_TIMEOUT_SECONDS`` (per read, 1–300, default 30),
``GOVHUB_HTTP_ATTEMPTS`` (tries per request, 1–20, default 6) and ``GOVHUB_HTTP_MAX_MIB``.
"""

from __future__ import annotations

import json
import logging
import math
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import orjson
import requests
import urllib3

from connectors.common.errors import HttpStatusError, SourceError
from connectors.common.settings import optional_int

log = logging.getLogger(__name__)
# the last failures that say the source did not answer at all (rather than answered badly)
UNREACHABLE = ("ConnectionError", "ConnectTimeout", "ReadTimeout", "Timeout")
SCHEMES = ("http", "https")
MAX_REDIRECTS = 5
CHUNK = 64 * 1024


CONFLICTING_KEYS = "_conflicting_keys"  # the keys an object named twice with different values
INT64 = (-(2**63), 2**64)  # the integers kept exact; larger ones become floats (as orjson reads them)


def _members(pairs: list[tuple[str, object]]) -> dict:
    """An object from its members in order; keys named twice with different values listed."""
    obj = dict(pairs)
    if len(obj) != len(pairs):
        first: dict[str, object] = {}
        twice = []
        for key, value in pairs:
            if key in first and (type(first[key]) is not type(value) or first[key] != value) and key not in twice:
                twice.append(key)
            first.setdefault(key, value)
        if twice:
            obj[CONFLICTING_KEYS] = twice
    return obj


def _float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"number {text} is infinity when read as a double")
    return value


def _int(text: str) -> int | float:
    value = int(text)
    return value if INT64[0] <= value < INT64[1] else float(value)


def _constant(text: str):
    raise ValueError(f"{text} is not JSON")


def _fast_answer(raw: bytes, value) -> bool:
    """Whether orjson's reading of `raw` dropped no member (see `decode_json`)."""
    if b"\\u003" in raw and (b"\\u003a" in raw or b"\\u003A" in raw):  # a colon written as an escape
        return False
    return raw.count(b":") == orjson.dumps(value).count(b":")


def decode_json(content: bytes | str):
    """A JSON body decoded strictly (no NaN or Infinity, no number beyond a double), with
    every object that names a key twice with different values marked (`CONFLICTING_KEYS`).
    Raises ValueError when the body is not JSON.

    orjson decodes it first (the same strict rules, about 20 times faster) but keeps a
    repeated key's last value without a word. It is the answer when no member was dropped,
    which counting colons tells: each key is followed by one, and every other colon is inside
    a string, kept as it is by orjson's re-encoding of what it read. A dropped member (a
    repeated key, and its value's keys and strings) only lowers the second count, so equal
    counts mean nothing was dropped. Where they differ, or a colon was written as an escape
    (which the re-encoding writes out), or orjson refuses the body, the exact decoder reads
    it (and marks or refuses what it finds)."""
    raw = content.encode("utf-8", "surrogatepass") if isinstance(content, str) else content
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        value = None
    else:
        if _fast_answer(raw, value):
            return value
    return decode_json_exactly(content)


def decode_json_exactly(content: bytes | str):
    """`decode_json` by Python's own decoder, every object's members seen one by one."""
    return json.loads(content, object_pairs_hook=_members, parse_float=_float, parse_int=_int, parse_constant=_constant)


class _TooSlow(Exception):
    """The body did not arrive within the deadline of its try."""


@dataclass
class RetryPolicy:
    attempts: int = 6  # tries per request, the first included
    base_delay: float = 0.2  # seconds; doubles each retry
    max_delay: float = 10.0
    timeout: float = 30.0  # seconds per connect and per read
    max_bytes: int = 256 * 1024 * 1024  # the largest body read

    @property
    def deadline(self) -> float:
        """Seconds a try may take in all, its body read included."""
        return 4 * self.timeout

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> RetryPolicy:
        return cls(
            attempts=optional_int("GOVHUB_HTTP_ATTEMPTS", 6, 1, 20, env),
            timeout=float(optional_int("GOVHUB_HTTP_TIMEOUT_SECONDS", 30, 1, 300, env)),
            max_bytes=optional_int("GOVHUB_HTTP_MAX_MIB", 256, 1, 4096, env) * 1024 * 1024,
        )


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, (parts.hostname or "").lower(), port


def _endpoint(url: str) -> str:
    """The URL without its query (which may carry a key) and without credentials."""
    where = urlsplit(url)
    host = where.hostname or ""
    return f"{where.scheme}://{host}{f':{where.port}' if where.port else ''}{where.path}"


class RetryingSession:
    def __init__(self, source: str, policy: RetryPolicy | None = None, seed: int | None = None) -> None:
        self.source = source
        self.policy = policy or RetryPolicy.from_env()
        self.session = requests.Session()
        self.retries = 0
        self.requests = 0
        self._jitter = random.Random(seed)

    def close(self) -> None:
        self.session.close()

    def _delay(self, attempt: int, retry_after: str | None) -> float:
        if retry_after:
            try:
                return min(float(retry_after), self.policy.max_delay * 6)
            except ValueError:
                pass
        backoff = min(self.policy.max_delay, self.policy.base_delay * 2**attempt)
        return backoff * (0.5 + self._jitter.random())

    def request_json(
        self,
        method: str,
        url: str,
        what: str,
        prepare=None,
        retry_if: Callable[[object], str | None] | None = None,
        **kwargs,
    ):
        """The decoded JSON body of a 2xx answer; `what` names the call in errors and logs.

        `prepare`, when given, returns the headers for each attempt (a signed request needs
        a fresh timestamp and nonce every time it is sent). `retry_if`, when given, looks at
        a decoded body and names why it is worth another try (None: it is the answer).
        """
        kwargs.setdefault("timeout", self.policy.timeout)
        kwargs["allow_redirects"] = False  # followed here, within the origin only
        kwargs["stream"] = True  # the body is read here, bounded
        if urlsplit(url).scheme not in SCHEMES:
            raise SourceError(f"{self.source}: {what}: {_endpoint(url)} is not an http or https address")
        last = "no attempt made"
        for attempt in range(self.policy.attempts):
            self.requests += 1
            retry_after = None
            if prepare is not None:
                kwargs["headers"] = prepare()
            try:
                resp, content = self._send(method, url, what, kwargs)
                if resp.status_code == 429 or resp.status_code >= 500:
                    retry_after = resp.headers.get("Retry-After")
                    last = f"HTTP {resp.status_code}"
                elif resp.status_code >= 400:
                    raise HttpStatusError(
                        f"{self.source}: {what} was refused with HTTP {resp.status_code}: "
                        f"{content[:300].decode('utf-8', 'replace')}",
                        resp.status_code,
                    )
                else:
                    try:
                        body = decode_json(content)
                    except ValueError:
                        last = "a body that is not complete JSON"
                    else:
                        why = retry_if(body) if retry_if else None
                        if why is None:
                            return body
                        last = why
            except (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError) as exc:
                last = type(exc).__name__
            except _TooSlow:
                last = f"a body not read whole within {self.policy.deadline:g} s"
            if attempt + 1 < self.policy.attempts:
                self.retries += 1
                delay = self._delay(attempt, retry_after)
                log.warning("%s: %s got %s; retry %d in %.1fs", self.source, what, last, attempt + 1, delay)
                time.sleep(delay)
        where = urlsplit(url)
        endpoint = _endpoint(url)  # the query may carry a key: never shown
        hint = (
            f"; is the source up? check that {where.scheme}://{where.netloc} answers and that its GOVHUB_* URL is right"
            if last in UNREACHABLE
            else ""
        )
        raise SourceError(
            f"{self.source}: {what} ({method} {endpoint}) failed after {self.policy.attempts} tries (last: {last}){hint}"
        )

    def _send(self, method: str, url: str, what: str, kwargs: dict) -> tuple[requests.Response, bytes]:
        """One try: the answer, after the redirects within the origin, and its body, read to
        the size cap within the deadline."""
        started = time.monotonic()
        origin = _origin(url)
        seen = {url}
        resp = self.session.request(method, url, **kwargs)
        try:
            while resp.is_redirect:
                target = urljoin(url, resp.headers.get("Location", ""))
                resp.close()
                if urlsplit(target).scheme not in SCHEMES:
                    raise SourceError(
                        f"{self.source}: {what} was redirected to a {urlsplit(target).scheme or 'schemeless'} "
                        "address; only http and https are followed"
                    )
                if _origin(target) != origin:
                    raise SourceError(
                        f"{self.source}: {what} was redirected from {_endpoint(url)} to another origin, "
                        f"{_endpoint(target)}: not followed, so the request's credentials stay with the source"
                    )
                if target in seen or len(seen) > MAX_REDIRECTS:
                    raise SourceError(
                        f"{self.source}: {what} was redirected in a loop or more than {MAX_REDIRECTS} times"
                    )
                seen.add(target)
                if resp.status_code == 303:
                    method = "GET"
                url = target
                resp = self.session.request(method, url, **kwargs)
            return resp, self._read(resp, what, started)
        finally:
            resp.close()

    def _read(self, resp: requests.Response, what: str, started: float) -> bytes:
        declared = resp.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self.policy.max_bytes:
            raise SourceError(self._too_large(what, f"declares {int(declared):,} bytes"))
        body = bytearray()
        deadline = started + self.policy.deadline
        while True:
            if time.monotonic() > deadline:
                raise _TooSlow
            try:
                chunk = resp.raw.read1(CHUNK, decode_content=True)
            except urllib3.exceptions.ReadTimeoutError as exc:
                raise requests.ReadTimeout(str(exc)) from exc
            except (urllib3.exceptions.ProtocolError, urllib3.exceptions.DecodeError) as exc:
                raise requests.exceptions.ChunkedEncodingError(str(exc)) from exc
            if not chunk:
                return bytes(body)
            body += chunk
            if len(body) > self.policy.max_bytes:
                raise SourceError(self._too_large(what, "went on past it"))

    def _too_large(self, what: str, how: str) -> str:
        cap = self.policy.max_bytes / 1024 / 1024
        return (
            f"{self.source}: {what}: the answer {how}, more than the {cap:g} MiB an answer may have "
            "(GOVHUB_HTTP_MAX_MIB); not read"
        )
