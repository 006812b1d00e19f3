"""Client for the Sharp Eyes platform's Artemis API: signed POSTs, the code envelope, paging.

Every call is signed afresh (timestamp and nonce), also on a retry. An envelope whose
``code`` is not "0" is an error even under HTTP 200. Time windows longer than the API's
7 days are split; pages are read until ``total`` is reached.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta

from connectors.common.errors import SourceError
from connectors.common.http import RetryingSession
from connectors.common.ingest import Page, split_window
from connectors.sharp_eyes.signing import signed_headers

CAMERAS = "/artemis/api/resource/v1/cameras"
EVENTS = "/artemis/api/els/v1/events/search"
HANDLING = "/artemis/api/els/v1/events/handle/search"
MAX_WINDOW = timedelta(days=7)


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

    def post(self, path: str, body: dict, what: str):
        """The `data` of a successful call."""
        payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
        answer = self.http.request_json(
            "POST",
            f"{self.base_url}{path}",
            what,
            data=payload,
            prepare=lambda: signed_headers("POST", path, self.app_key, self._app_secret),
        )
        if not isinstance(answer, dict) or "code" not in answer:
            raise SourceError(f"sharp_eyes: {what} answered without the Artemis envelope")
        if str(answer["code"]) != "0":
            raise SourceError(f"sharp_eyes: {what} failed with code {answer['code']}: {answer.get('msg')}")
        return answer.get("data")

    def check_connection(self) -> None:
        self.post(CAMERAS, {"pageNo": 1, "pageSize": 1}, "cameras (connection check)")

    def pages(self, path: str, body: dict, what: str) -> Iterator[Page]:
        page_no = 1
        while True:
            request = {**body, "pageNo": page_no, "pageSize": self.page_size}
            data = self.post(path, request, f"{what} page {page_no}")
            items = data.get("list") or []
            yield Page(items, {"endpoint": path, **request})
            total = int(data.get("total") or 0)
            if not items or page_no * self.page_size >= total:
                return
            page_no += 1

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
