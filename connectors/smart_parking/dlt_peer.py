"""The connector benchmark's peer for Smart Parking: dlt reading the same endpoint, configured
fairly (OAuth2 client credentials and the opaque cursor).
Run by scripts/bench_dlt.py; dlt comes with the ``bench`` extra."""

from __future__ import annotations

import os
from datetime import date, datetime, time, timedelta

from connectors.common.ingest import SHANGHAI


def _window(first: date, days: int) -> tuple[datetime, datetime]:
    lo = datetime.combine(first, time(0), SHANGHAI)
    return lo, lo + timedelta(days=days)


def source(first: date, days: int):
    from dlt.sources.helpers.rest_client.auth import OAuth2ClientCredentials
    from dlt.sources.rest_api import rest_api_source

    base = os.environ["GOVHUB_SMART_PARKING_URL"]
    lo, _ = _window(first, days)
    return rest_api_source(
        {
            "client": {
                "base_url": base,
                "auth": OAuth2ClientCredentials(
                    access_token_url=f"{base}/oauth/token",
                    client_id=os.environ["GOVHUB_SMART_PARKING_CLIENT_ID"],
                    client_secret=os.environ["GOVHUB_SMART_PARKING_CLIENT_SECRET"],
                    access_token_request_data={"grant_type": "client_credentials"},
                ),
                "paginator": {"type": "cursor", "cursor_path": "next_cursor", "cursor_param": "cursor"},
            },
            "resources": [
                {
                    "name": "sessions",
                    "endpoint": {
                        "path": "api/v1/sessions",
                        "params": {"updated_since": lo.strftime("%Y-%m-%d %H:%M:%S"), "limit": 1000},
                        "data_selector": "items",
                    },
                }
            ],
        },
        max_table_nesting=0,
    )
