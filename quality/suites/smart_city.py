"""Smart City raw landings: what a landed Open311 request must look like.

The DataFrame is one row per landed record with the fields flattened from the payload
(see ``flatten_service_requests``). Coordinates are GCJ-02 as the platform sends them;
the bounds are the box of Kaifeng's city outline (GCJ-02: 113.871–115.267 E,
34.194–35.025 N) widened by 0.1 degree (about 10 km).
"""

from __future__ import annotations

import great_expectations.expectations as gxe

from quality.gx import BLOCKING, WARNING, Check

KAIFENG_GCJ02_LON = (113.77, 115.37)
KAIFENG_GCJ02_LAT = (34.09, 35.13)
ISO_WITH_ZONE = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[+-]\d{2}:\d{2}|Z)$"


def service_requests_checks() -> list[Check]:
    return [
        Check(
            gxe.ExpectColumnValuesToNotBeNull(column="service_request_id"),
            BLOCKING,
            "a record without an id cannot be versioned or joined",
        ),
        Check(
            gxe.ExpectColumnValuesToNotBeNull(column="updated_datetime"),
            BLOCKING,
            "incremental reads and versioning go by updated_datetime",
        ),
        Check(
            gxe.ExpectColumnValuesToMatchRegex(column="updated_datetime", regex=ISO_WITH_ZONE),
            BLOCKING,
            "updated_datetime must be an ISO-8601 instant with a zone",
        ),
        Check(
            gxe.ExpectColumnValuesToMatchRegex(column="requested_datetime", regex=ISO_WITH_ZONE),
            WARNING,
            "requested_datetime is an ISO-8601 instant with a zone; a record without one is quarantined",
        ),
        Check(
            gxe.ExpectCompoundColumnsToBeUnique(column_list=["load_id", "service_request_id", "updated_datetime"]),
            BLOCKING,
            "one load holds each record version once",
        ),
        Check(
            gxe.ExpectColumnValuesToBeInSet(column="status", value_set=["open", "closed"]),
            BLOCKING,
            "Open311 status is open or closed",
        ),
        Check(
            gxe.ExpectColumnValuesToNotBeNull(column="service_code"),
            WARNING,
            "a record without a service code cannot be typed: it is quarantined",
        ),
        Check(
            gxe.ExpectColumnValuesToMatchRegex(column="service_code", regex=r"^\d{4}$"),
            WARNING,
            "service codes are four digits (category + sub-item); others go unmapped",
        ),
        Check(
            gxe.ExpectColumnValuesToBeBetween(
                column="long", min_value=KAIFENG_GCJ02_LON[0], max_value=KAIFENG_GCJ02_LON[1]
            ),
            WARNING,
            "longitude outside Kaifeng's box: the event cannot be placed in a grid",
        ),
        Check(
            gxe.ExpectColumnValuesToBeBetween(
                column="lat", min_value=KAIFENG_GCJ02_LAT[0], max_value=KAIFENG_GCJ02_LAT[1]
            ),
            WARNING,
            "latitude outside Kaifeng's box: the event cannot be placed in a grid",
        ),
        Check(
            gxe.ExpectColumnValuesToBeInSet(column="coordinate_system", value_set=["GCJ-02", "WGS-84"]),
            WARNING,
            "the warehouse converts GCJ-02 and WGS-84 points; others stay unconverted",
        ),
    ]


FLATTEN_SERVICE_REQUESTS = """
select
    load_id,
    record_key,
    json_extract_string(payload, '$.service_request_id') as service_request_id,
    json_extract_string(payload, '$.updated_datetime') as updated_datetime,
    json_extract_string(payload, '$.requested_datetime') as requested_datetime,
    json_extract_string(payload, '$.status') as status,
    json_extract_string(payload, '$.service_code') as service_code,
    try_cast(json_extract_string(payload, '$.lat') as double) as lat,
    try_cast(json_extract_string(payload, '$.long') as double) as long,
    json_extract_string(payload, '$.extended_attributes.coordinate_system') as coordinate_system
from read_parquet(?)
"""


def flatten_service_requests(files: list[str]):
    """The landed records in `files`, one row each, as a pandas DataFrame."""
    import duckdb

    con = duckdb.connect()
    try:
        return con.execute(FLATTEN_SERVICE_REQUESTS, [files]).df()
    finally:
        con.close()
