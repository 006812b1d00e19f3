"""Client for the Sharp Eyes platform's Artemis API: signed POSTs, the code envelope, paging.

Every call is signed afresh (timestamp and nonce), also on a retry. An envelope whose
``code`` is not "0" is an error even under HTTP 200: it is retried like a 5xx (the platform
answers "busy" that way) and fails the call, naming the code, when it persists. A 401 to a
signed call is tried again with a new signature (a gateway's clock or nonce cache can
refuse a good one); refused three times, the credentials are wrong.

Time windows longer than the API's 7 days are split; pages are read until ``total`` is
reached. Paging is by offset, so records committed into the window while it is paged shift
the pages (one is missed, another seen twice): when ``total`` changed between the first
page and the last, the window is read once more (repeats are harmless: staging keeps one
row per version), up to ``MAX_PASSES`` times; a window still moving then (today's, filling
up) is left to the next run, which reads the lookback again.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import datetime, timedelta

from connectors.common.errors import HttpStatusError, SourceError
from connectors.common.http import RetryingSession
from connectors.common.ingest import Page, split_window
from connectors.sharp_eyes.signing import signed_headers

CAMERAS = "/artemis/api/resource/v1/cameras"
EVENTS = "/artemis/api/els/v1/events/search"
HANDLING = "/artemis/api/els/v1/events/handle/search"
MAX_WINDOW = timedelta(days=7)
MAX_PASSES = 3  # reads of one window while its total keeps changing
SIGNED_TRIES = 3  # a signed call refused with 401 this often: the credentials are wrong
log = logging.getLogger(__name__)


def succeeded(code) -> bool:
    """Whether an envelope `code` says success: "0" as most gateways write it, or the number
    0 as some answer (0.0 and "0x0" too); anything else is a failure."""
    if isinstance(code, bool):
        return False
    if isinstance(code, (int, float)):
        return code == 0
    if isinstance(code, str):
        try:
            return int(code.strip(), 0) == 0
        except ValueError:
            return False
    return False


def _busy(answer) -> str | None:
    """Why an Artemis answer is worth another try: an envelope code other than success."""
    if isinstance(answer, dict) and "code" in answer and not succeeded(answer["code"]):
        return f"envelope code {answer['code']} ({answer.get('msg')})"
    return None


def artemis_time(t: datetime) -> str:
    return t.isoformat(timespec="milliseconds")


class ArtemisClient:
    def __init__(
        self,
        base_url: str,
        app_key: str,
        app_secret: str,
        session: RetryingSession | None = None,
        page_size: int = 1000,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.app_key = app_key
        self._app_secret = app_secret
        self.http = session or RetryingSession("sharp_eyes")
        self.page_size = page_size
        self.passes_repeated = 0  # windows read again because their total moved

    def post(self, path: str, body: dict, what: str):
        """The `data` of a successful call."""
        payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
        for attempt in range(SIGNED_TRIES):
            try:
                answer = self.http.request_json(
                    "POST",
                    f"{self.base_url}{path}",
                    what,
                    data=payload,
                    prepare=lambda: signed_headers("POST", path, self.app_key, self._app_secret),
                    retry_if=_busy,
                )
                break
            except HttpStatusError as exc:
                if exc.status != 401:
                    raise
                if attempt + 1 == SIGNED_TRIES:
                    raise SourceError(
                        f"sharp_eyes: {what} was refused {SIGNED_TRIES} times with 401: check "
                        "GOVHUB_SHARP_EYES_APP_KEY and GOVHUB_SHARP_EYES_APP_SECRET"
                    ) from None
                self.http.retries += 1
                log.warning("sharp_eyes: %s refused with 401; signing it afresh", what)
        if not isinstance(answer, dict) or "code" not in answer:
            raise SourceError(f"sharp_eyes: {what} answered without the Artemis envelope")
        if not succeeded(answer["code"]):
            raise SourceError(f"sharp_eyes: {what} failed with code {answer['code']}: {answer.get('msg')}")
        return answer.get("data")

    def check_connection(self) -> None:
        self.post(CAMERAS, {"pageNo": 1, "pageSize": 1}, "cameras (connection check)")

    def pages(self, path: str, body: dict, what: str) -> Iterator[Page]:
        for n in range(1, MAX_PASSES + 1):
            totals = []
            page_no = 1
            while True:
                request = {**body, "pageNo": page_no, "pageSize": self.page_size}
                data = self.post(path, request, f"{what} page {page_no}")
                items = data.get("list") or []
                yield Page(items, {"endpoint": path, **request})
                totals.append(int(data.get("total") or 0))
                if not items or page_no * self.page_size >= totals[-1]:
                    break
                page_no += 1
            if totals[0] == totals[-1]:
                return
            if n < MAX_PASSES:
                self.passes_repeated += 1
                log.warning(
                    "sharp_eyes: %s: total went from %d to %d while paging; reading it again",
                    what,
                    *totals[:: len(totals) - 1],
                )
        log.warning(
            "sharp_eyes: %s still moving after %d passes; the next run's lookback reads it again", what, MAX_PASSES
        )

    def cameras(self) -> Iterator[Page]:
        return self.pages(CAMERAS, {}, "cameras")

    def _windowed(self, path: str, what: str, start: datetime, end: datetime) -> Iterator[Page]:
        for lo, hi in split_window(start, end, MAX_WINDOW):
            yield from self.pages(
                path,
                {"startTime": artemis_time(lo), "endTime": artemis_time(hi)},
                f"{what} {lo:%Y-%m-%d}..{hi:%Y-%m-%d}",
            )

    def events(self, start: datetime, end: datetime) -> Iterator[Page]:
        """Linkage events (alarms) with startTime in [start, end)."""
        return self._windowed(EVENTS, "events", start, end)

    def handling(self, start: datetime, end: datetime) -> Iterator[Page]:
        """Handling records of alarms pushed to grid workers in [start, end)."""
        return self._windowed(HANDLING, "handling records", start, end)
