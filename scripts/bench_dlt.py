"""The peer of the connector benchmark: dlt loading the same stand-in endpoint into DuckDB.

    .venv/bin/python scripts/bench_dlt.py SOURCE FIRST_DAY DAYS DUCKDB_FILE

Configured fairly: no child tables (`max_table_nesting=0`: nested objects stay JSON), the
parquet loader, the page size the connectors use (1000), and the source's own protocol:
Open311 pages by page number over the same `updated_*` window; Artemis POSTs signed per
request with the page number in the JSON body; OAuth2 client credentials and the opaque
cursor for Smart Parking; the SQL source over the civil-affairs register. Settings come from
the same GOVHUB_* variables the connectors read. Prints one JSON line: records, seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import date, datetime, timedelta, timezone
from datetime import time as dtime

SHANGHAI = timezone(timedelta(hours=8))


def _window(first: date, days: int) -> tuple[datetime, datetime]:
    lo = datetime.combine(first, dtime(0), SHANGHAI)
    return lo, lo + timedelta(days=days)


def smart_city(first: date, days: int):
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


def sharp_eyes(first: date, days: int):
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


def smart_parking(first: date, days: int):
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


def civil_affairs(first: date, days: int):
    from dlt.sources.sql_database import sql_table

    return sql_table(
        credentials=os.environ["GOVHUB_CIVIL_AFFAIRS_DB_URL"], table="t_mz_jzdx", backend="pyarrow", chunk_size=5000
    )


SOURCES = {
    "smart_city": smart_city,
    "sharp_eyes": sharp_eyes,
    "smart_parking": smart_parking,
    "civil_affairs": civil_affairs,
}


def main() -> int:
    parser = argparse.ArgumentParser(
        description="dlt loading a stand-in endpoint into DuckDB (the connector benchmark's peer)"
    )
    parser.add_argument("source", choices=sorted(SOURCES))
    parser.add_argument("first", type=date.fromisoformat, help="first day, YYYY-MM-DD")
    parser.add_argument("days", type=int)
    parser.add_argument("duckdb_file")
    args = parser.parse_args()
    source, first, days, duckdb_file = args.source, args.first, args.days, args.duckdb_file
    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
    import dlt

    pipeline = dlt.pipeline(
        pipeline_name=f"bench_{source}",
        destination=dlt.destinations.duckdb(duckdb_file),
        dataset_name="raw",
        pipelines_dir=os.path.join(os.path.dirname(duckdb_file), "dlt_pipelines"),
    )
    started = time.monotonic()
    pipeline.run(SOURCES[source](first, days), loader_file_format="parquet")
    seconds = time.monotonic() - started
    counts = pipeline.last_trace.last_normalize_info.row_counts
    records = sum(n for table, n in counts.items() if not table.startswith("_dlt"))
    print(json.dumps({"records": records, "seconds": seconds}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
