"""Open311 GeoReport v2 client for the Smart City platform (works against any Open311 API).

What a server offers beyond GeoReport v2 is read from its discovery document
(``extensions``): the update range (``updated_after`` / ``updated_before``), the order of its
answers, its paging and its extension lists. Nothing else is assumed.

Requests are read by ``updated_datetime`` windows, in one of two ways:

- **A server that declares its answers ordered by ``updated_datetime`` and paged** (the
  platform's own API) is paged *by time*: the client asks for ``updated_after = <last
  updated_datetime seen>`` and drops the records at that boundary instant it already has;
  ``page`` only steps through more than a page of records sharing one instant. Paging by
  offset over a result set that changes while it is read (events are updated all the time)
  would skip or repeat records. Should an answer break the declared order, the window is
  read again the other way.
- **Any other server** (a plain GeoReport v2 system: in its own order, perhaps ignoring
  ``page`` / ``page_size``, capping every answer): a window whose answer comes back full
  (``page_size`` records, set it to the server's cap) is cut in two and each half read again,
  down to one second; a second that is still full is stepped through by ``page`` where the
  server pages, and refused with a clear error where it does not. Nothing depends on order.

Either way a record is yielded once per (id, ``updated_datetime``) in a read.

Reference lists have only offset paging. A record committed before the offset while a list
is paged pushes another across the page boundary: that one comes twice and the new one not
at all. So a pass that meets a key twice is followed by another pass over the whole list
(up to ``MAX_PASSES``); the snapshot keeps every pass, and staging one row per version. A
server without a list (a plain GeoReport server has none) is reported once, in the log, and
its list is not landed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime, timedelta
from functools import cached_property

from connectors.common.errors import HttpStatusError, SourceError
from connectors.common.http import RetryingSession
from connectors.common.ingest import Page

MAX_PASSES = 3
SHORTEST_WINDOW = timedelta(seconds=1)  # the servers' time resolution: a window is not cut below it
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
        self._offered: dict[str, bool] = {}  # extension list -> whether the server has it

    def _get(self, path: str, what: str, params: dict | None = None):
        return self.http.request_json("GET", f"{self.base_url}{path}", what, params=params, headers=self._headers)

    def discovery(self) -> dict:
        return self._get("/open311/discovery.json", "discovery")

    @cached_property
    def extensions(self) -> dict:
        """What the discovery document declares beyond GeoReport v2 ({}: nothing, or a
        server without a discovery document)."""
        try:
            document = self.discovery()
        except HttpStatusError as exc:
            if exc.status == 404:
                return {}
            raise
        extensions = document.get("extensions") if isinstance(document, dict) else None
        return extensions if isinstance(extensions, dict) else {}

    @property
    def ordered_by_update(self) -> bool:
        """Whether the server declares its answers ordered by updated_datetime, and paged."""
        ext = self.extensions
        return ext.get("order") == "updated_datetime" and "page" in (ext.get("paging") or [])

    def offers(self, name: str) -> bool:
        """Whether the server has the extension list `name` (grids, staff, departments): as
        its discovery document declares, else as asking for it shows. A list it lacks is
        reported once."""
        if name not in self._offered:
            declared = self.extensions.get("lists")
            if isinstance(declared, list):
                offered = f"ext/{name}.json" in declared
            else:
                try:
                    self._get(f"/open311/v2/ext/{name}.json", f"{name} (is it offered?)", {"page": 1, "page_size": 1})
                    offered = True
                except HttpStatusError as exc:
                    if exc.status != 404:
                        raise
                    offered = False
            if not offered:
                log.warning("smart_city: the server has no %s list (ext/%s.json); it is not landed", name, name)
            self._offered[name] = offered
        return self._offered[name]

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
        """Every request whose updated_datetime is in [updated_after, updated_before), each
        (id, updated_datetime) once."""
        seen: set[tuple] = set()
        if self.ordered_by_update:
            try:
                yield from self._pages_by_time(updated_after, updated_before, seen)
                return
            except _OutOfOrder:
                log.warning("smart_city: requests came out of their declared order; reading the window by halves")
        yield from self._windows(updated_after, updated_before, seen)

    def _requests(self, params: dict, what: str) -> tuple[list, list[datetime]]:
        items = self._get("/open311/v2/requests.json", what, params)
        if not isinstance(items, list):
            raise SourceError("smart_city: requests.json did not return a list")
        return items, [parse_instant(i.get("updated_datetime"), "updated_datetime") for i in items]

    @staticmethod
    def _new(items: list, times: list[datetime], seen: set) -> list:
        out = []
        for item, t in zip(items, times, strict=True):
            key = (item.get("service_request_id"), t)
            if key not in seen:
                seen.add(key)
                out.append(item)
        return out

    def _pages_by_time(self, updated_after: datetime, updated_before: datetime, seen: set) -> Iterator[Page]:
        lo = updated_after
        page = 1
        while True:
            params = {
                "updated_after": lo.isoformat(),
                "updated_before": updated_before.isoformat(),
                "page": page,
                "page_size": self.page_size,
            }
            items, times = self._requests(params, f"requests from {lo.isoformat()} page {page}")
            if any(b < a for a, b in zip(times, times[1:])) or (times and times[0] < lo):
                raise _OutOfOrder
            yield Page(self._new(items, times, seen), params)
            if len(items) < self.page_size:
                return
            last = times[-1]
            if last == lo:
                page += 1  # a full page at one instant: step through that instant by offset
            else:
                lo, page = last, 1

    def _windows(self, updated_after: datetime, updated_before: datetime, seen: set) -> Iterator[Page]:
        """The window read whole, or cut in halves while an answer comes back full."""
        todo = [(updated_after, updated_before)]
        while todo:
            lo, hi = todo.pop()
            params = {"updated_after": lo.isoformat(), "updated_before": hi.isoformat(), "page_size": self.page_size}
            items, times = self._requests(params, f"requests {lo.isoformat()} .. {hi.isoformat()}")
            if any(not lo <= t < hi for t in times):
                raise SourceError(
                    "smart_city: requests.json answered with records updated outside the window asked for: "
                    "the server does not select by updated_after / updated_before"
                )
            yield Page(self._new(items, times, seen), params)  # what a re-read brings again is dropped
            if len(items) < self.page_size:
                continue
            mid = (lo + (hi - lo) / 2).replace(microsecond=0)
            if lo < mid < hi and hi - lo > SHORTEST_WINDOW:
                todo += [(mid, hi), (lo, mid)]  # the earlier half first
            else:
                yield from self._pages_of(params, items, seen)

    def _pages_of(self, params: dict, first: list, seen: set) -> Iterator[Page]:
        """The pages after the first of a window that cannot be cut any more."""
        keys = {i.get("service_request_id") for i in first}
        page = 2
        while True:
            asked = {**params, "page": page}
            items, times = self._requests(asked, f"requests {params['updated_after']} page {page}")
            got = {i.get("service_request_id") for i in items}
            if items and got <= keys:
                raise SourceError(
                    f"smart_city: more than {self.page_size} requests were updated within one second "
                    f"({params['updated_after']}) and the server does not page: set GOVHUB_SMART_CITY_PAGE_SIZE "
                    "to the most it answers with"
                )
            keys |= got
            yield Page(self._new(items, times, seen), asked)
            if len(items) < self.page_size:
                return
            page += 1


class _OutOfOrder(Exception):
    """An answer broke the order the server declared."""
