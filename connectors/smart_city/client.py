"""Open311 GeoReport v2 client for the Smart City platform (works against any Open311 API).

Paging: Open311 only has ``page`` / ``page_size``, and paging by offset over a result set
that changes while it is read (events are updated all the time) skips or repeats records.
So the client pages *by time*: it asks for ``updated_after = <last updated_datetime seen>``
and drops the records at that boundary instant it already has; ``page`` is only used to
step through more than a page of records sharing one instant. This needs the results in
``updated_datetime`` order, which the client checks on every page.

Reference lists have only offset paging. A record committed before the offset while a list
is paged pushes another across the page boundary: that one comes twice and the new one not
at all. So a pass that meets a key twice is followed by another pass over the whole list
(up to ``MAX_PASSES``); the snapshot keeps every pass, and staging one row per version.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime

from connectors.common.errors import SourceError
from connectors.common.http import RetryingSession
from connectors.common.ingest import Page

MAX_PASSES = 3
log = logging.getLogger(__name__)


def parse_instant(value: str, field: str) -> datetime:
    try:
        t = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (TypeError, ValueError):
        raise SourceError(f"smart_city: {field} is not an ISO datetime: {value!r}") from None
    if t.tzinfo is None:
        raise SourceError(f"smart_city: {field} has no time zone: {value!r}")
    return t


class Open311Client:
    def __init__(
        self, base_url: str, api_key: str, session: RetryingSession | None = None, page_size: int = 1000
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._headers = {"X-API-Key": api_key, "Accept": "application/json"}
        self.http = session or RetryingSession("smart_city")
        self.page_size = page_size

    def _get(self, path: str, what: str, params: dict | None = None):
        return self.http.request_json("GET", f"{self.base_url}{path}", what, params=params, headers=self._headers)

    def discovery(self) -> dict:
        return self._get("/open311/discovery.json", "discovery")

    def coordinate_system(self) -> str:
        """The CRS the platform's coordinates are in, as its discovery document states.

        Open311 prescribes WGS-84; this platform's terminals report GCJ-02 and say so.
        """
        return str(self.discovery().get("coordinate_system") or "WGS-84")

    def check_connection(self) -> None:
        """Fails with SourceError when the endpoint or the key is wrong."""
        self._get("/open311/v2/services.json", "services (connection check)")

    def services(self) -> Page:
        return Page(self._get("/open311/v2/services.json", "services"), {"endpoint": "services.json"})

    def reference_pages(self, name: str, key_field: str) -> Iterator[Page]:
        """A reference list (grids, staff, departments) page by page, passed over again when
        a pass met a key twice (the list shifted under the offset)."""
        for n in range(1, MAX_PASSES + 1):
            seen: set = set()
            repeated = 0
            page = 1
            while True:
                params = {"page": page, "page_size": self.page_size}
                items = self._get(f"/open311/v2/ext/{name}.json", f"{name} page {page}", params)
                if not isinstance(items, list):
                    raise SourceError(f"smart_city: {name}.json did not return a list")
                keys = [i.get(key_field) if isinstance(i, dict) else None for i in items]
                repeated += sum(1 for k in keys if k in seen)
                seen.update(keys)
                yield Page(items, {"endpoint": f"ext/{name}.json", "pass": n, **params})
                if len(items) < self.page_size:
                    break
                page += 1
            if not repeated:
                return
            log.warning("smart_city: %s: %d key(s) came twice in pass %d; reading the list again", name, repeated, n)
        log.warning(
            "smart_city: %s repeated keys in all %d passes; keeping them (staging keeps one each)", name, MAX_PASSES
        )

    def request_pages(self, updated_after: datetime, updated_before: datetime) -> Iterator[Page]:
        """Every request whose updated_datetime is in [updated_after, updated_before)."""
        lo = updated_after
        page = 1
        seen_at_lo: set[str] = set()
        while True:
            params = {
                "updated_after": lo.isoformat(),
                "updated_before": updated_before.isoformat(),
                "page": page,
                "page_size": self.page_size,
            }
            items = self._get("/open311/v2/requests.json", f"requests from {lo.isoformat()} page {page}", params)
            if not isinstance(items, list):
                raise SourceError("smart_city: requests.json did not return a list")
            times = [parse_instant(i.get("updated_datetime"), "updated_datetime") for i in items]
            if any(b < a for a, b in zip(times, times[1:])) or (times and times[0] < lo):
                raise SourceError(
                    "smart_city: requests are not ordered by updated_datetime; time-keyed paging needs that order"
                )
            fresh = [i for i, t in zip(items, times) if not (t == lo and i.get("service_request_id") in seen_at_lo)]
            yield Page(fresh, params)
            if len(items) < self.page_size:
                return
            last = times[-1]
            if last == lo:
                page += 1  # a full page at one instant: step through that instant by offset
            else:
                lo, page = last, 1
                seen_at_lo = set()
            seen_at_lo.update(i.get("service_request_id") for i, t in zip(items, times) if t == lo)
