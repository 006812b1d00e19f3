"""An HTTP session with bounded retries, exponential backoff with jitter, and Retry-After.

Retried: connection errors, timeouts, bodies cut short or not JSON, HTTP 429 and 5xx, and
answers the caller's `retry_if` calls transient (an Artemis "system busy" envelope). Not
retried: other 4xx (the request itself is wrong; retrying cannot help). Every retry is
counted, so a run can report how hard its source made it work.

Settings (all sources): ``GOVHUB_HTTP_TIMEOUT_SECONDS`` (per try, 1–300, default 30) and
``GOVHUB_HTTP_ATTEMPTS`` (tries per request, 1–20, default 6).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

import orjson
import requests

from connectors.common.errors import HttpStatusError, SourceError
from connectors.common.settings import optional_int

log = logging.getLogger(__name__)
# the last failures that say the source did not answer at all (rather than answered badly)
UNREACHABLE = ("ConnectionError", "ConnectTimeout", "ReadTimeout", "Timeout")


@dataclass
class RetryPolicy:
    attempts: int = 6  # tries per request, the first included
    base_delay: float = 0.2  # seconds; doubles each retry
    max_delay: float = 10.0
    timeout: float = 30.0  # seconds per try (connect and read)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> RetryPolicy:
        return cls(
            attempts=optional_int("GOVHUB_HTTP_ATTEMPTS", 6, 1, 20, env),
            timeout=float(optional_int("GOVHUB_HTTP_TIMEOUT_SECONDS", 30, 1, 300, env)),
        )


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
        last = "no attempt made"
        for attempt in range(self.policy.attempts):
            self.requests += 1
            retry_after = None
            if prepare is not None:
                kwargs["headers"] = prepare()
            try:
                resp = self.session.request(method, url, **kwargs)
                if resp.status_code == 429 or resp.status_code >= 500:
                    retry_after = resp.headers.get("Retry-After")
                    last = f"HTTP {resp.status_code}"
                elif resp.status_code >= 400:
                    raise HttpStatusError(
                        f"{self.source}: {what} was refused with HTTP {resp.status_code}: {resp.text[:300]}",
                        resp.status_code,
                    )
                else:
                    try:
                        body = orjson.loads(resp.content)
                    except ValueError:
                        last = "a body that is not complete JSON"
                    else:
                        why = retry_if(body) if retry_if else None
                        if why is None:
                            return body
                        last = why
            except (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError) as exc:
                last = type(exc).__name__
            if attempt + 1 < self.policy.attempts:
                self.retries += 1
                delay = self._delay(attempt, retry_after)
                log.warning("%s: %s got %s; retry %d in %.1fs", self.source, what, last, attempt + 1, delay)
                time.sleep(delay)
        where = urlsplit(url)
        endpoint = f"{where.scheme}://{where.netloc}{where.path}"  # the query may carry a key: never shown
        hint = (
            f"; is the source up? check that {where.scheme}://{where.netloc} answers and that its GOVHUB_* URL is right"
            if last in UNREACHABLE
            else ""
        )
        raise SourceError(
            f"{self.source}: {what} ({method} {endpoint}) failed after {self.policy.attempts} tries (last: {last}){hint}"
        )
