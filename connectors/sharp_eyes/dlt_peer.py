"""The connector benchmark's peer for Sharp Eyes: dlt reading the same endpoint, configured
fairly (Artemis POSTs signed per request, the page number in the JSON body).
Run by scripts/bench_dlt.py; dlt comes with the ``bench`` extra."""

from __future__ import annotations

import os
from datetime import date, datetime, time, timedelta

from connectors.common.ingest import SHANGHAI


def _window(first: date, days: int) -> tuple[datetime, datetime]:
    lo = datetime.combine(first, time(0), SHANGHAI)
    return lo, lo + timedelta(days=days)


def source(first: date, days: int):
    from dlt.common.configuration import configspec
    from dlt.sources.helpers.rest_client.auth import AuthConfigBase
    from dlt.sources.rest_api import rest_api_source

    from connectors.sharp_eyes.signing import signed_headers

    key, secret = os.environ["GOVHUB_SHARP_EYES_APP_KEY"], os.environ["GOVHUB_SHARP_EYES_APP_SECRET"]

    @configspec
    class ArtemisSigning(AuthConfigBase):  # AK/SK: every request signed afresh
        def __call__(self, request):
            path = request.path_url.split("?")[0]
            request.headers.update(signed_headers("POST", path, key, secret))
            return request

    lo, hi = _window(first, days)
    return rest_api_source(
        {
            "client": {
                "base_url": os.environ["GOVHUB_SHARP_EYES_URL"],
                "auth": ArtemisSigning(),
                "paginator": {
                    "type": "page_number",
                    "base_page": 1,
                    "page_body_path": "pageNo",
                    "total_path": None,
                },
            },
            "resources": [
                {
                    "name": "events",
                    "endpoint": {
                        "path": "artemis/api/els/v1/events/search",
                        "method": "POST",
                        "json": {
                            "startTime": lo.isoformat(timespec="milliseconds"),
                            "endTime": hi.isoformat(timespec="milliseconds"),
                            "pageSize": 1000,
                            "pageNo": 1,
                        },
                        "data_selector": "data.list",
                    },
                }
            ],
        },
        max_table_nesting=0,
    )
