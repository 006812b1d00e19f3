"""The __source__ API: ``GET /api/v1/records`` with ``updated_after`` / ``updated_before``
(ISO-8601 with a zone) and ``page`` / ``page_size``; the key in an ``X-API-Key`` header.

Replace this with the system's own protocol. Paging by offset is safe only over a result set
that does not change while it is read (see connectors/smart_city/client.py for reading a
changing one by time).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from connectors.common.errors import SourceError
from connectors.common.http import RetryingSession
from connectors.common.ingest import Page

RECORDS = "/api/v1/records"


class __Source__Client:
    def __init__(self, base_url: str, api_key: str, page_size: int = 500) -> None:
        self.base_url = base_url.rstrip("/")
        self._headers = {"X-API-Key": api_key, "Accept": "application/json"}
        self.http = RetryingSession("__source__")
        self.page_size = page_size

    def _get(self, params: dict, what: str):
        return self.http.request_json("GET", f"{self.base_url}{RECORDS}", what, params=params, headers=self._headers)

    def check_connection(self) -> None:
        """Fails with SourceError when the endpoint or the key is wrong."""
        self._get({"page": 1, "page_size": 1}, "records (connection check)")

    def pages(self, updated_after: datetime, updated_before: datetime) -> Iterator[Page]:
        """Every record updated in [updated_after, updated_before), page by page."""
        page = 1
        while True:
            params = {
                "updated_after": updated_after.isoformat(),
                "updated_before": updated_before.isoformat(),
                "page": page,
                "page_size": self.page_size,
            }
            items = self._get(params, f"records page {page}")
            if not isinstance(items, list):
                raise SourceError("__source__: records did not come as a list")
            yield Page(items, params)
            if len(items) < self.page_size:
                return
            page += 1
