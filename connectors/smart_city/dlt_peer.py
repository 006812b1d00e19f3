"""The connector benchmark's peer for Smart City: dlt reading the same endpoint, configured
fairly (Open311 pages by page number over the same updated_* window).
Run by scripts/bench_dlt.py; dlt comes with the ``bench`` extra."""

from __future__ import annotations

import os
from datetime import date, datetime, time, timedelta

from connectors.common.ingest import SHANGHAI


def _window(first: date, days: int) -> tuple[datetime, datetime]:
    lo = datetime.combine(first, time(0), SHANGHAI)
    return lo, lo + timedelta(days=days)


def source(first: date, days: int):
    from dlt.sources.rest_api import rest_api_source

    lo, hi = _window(first, days)
    return rest_api_source(
        {
            "client": {
                "base_url": os.environ["GOVHUB_SMART_CITY_URL"],
                "headers": {"X-API-Key": os.environ["GOVHUB_SMART_CITY_API_KEY"]},
                "paginator": {"type": "page_number", "base_page": 1, "page_param": "page", "total_path": None},
            },
            "resources": [
                {
                    "name": "service_requests",
                    "endpoint": {
                        "path": "open311/v2/requests.json",
                        "params": {
                            "updated_after": lo.isoformat(),
                            "updated_before": hi.isoformat(),
                            "page_size": 1000,
                        },
                        "data_selector": "$",
                    },
                }
            ],
        },
        max_table_nesting=0,
    )
