"""Smart Parking raw landings: naive local times (Asia/Shanghai), BD-09 coordinates,
fees in fen, plates only as pseudonyms and masks."""

from __future__ import annotations

from quality.landing import (
    LOCAL_TIME,
    MASKED_PLATE,
    SNAPSHOT_VOLUME,
    Field,
    LandingSuite,
    between,
    in_set,
    inside_kaifeng,
    matches,
    number,
    required,
    text,
    unique_in_load,
)
from quality.volume import Volume

LOCAL_INSTANT = "try_strptime(record_updated_at, '%Y-%m-%d %H:%M:%S')::timestamptz"


def readable_local(name: str) -> Field:
    """Whether a local time names a real moment (null when absent): 30 February does not."""
    path = f"$.{name}"
    value = f"json_extract_string(payload, '{path}')"
    return Field(
        f"{name}_is_real",
        f"case when {value} is null then null else try_strptime({value}, '%Y-%m-%d %H:%M:%S') is not null end",
    )


LOTS = LandingSuite(
    "smart_parking",
    "lots",
    (number("longitude"), number("latitude"), number("berth_count"), text("coordinate_system")),
    lambda: [
        unique_in_load("record_key"),
        *inside_kaifeng("longitude", "latitude", "BD-09"),
        between("berth_count", 0, None, "a lot has no negative number of berths"),
        in_set("coordinate_system", ["BD-09", "GCJ-02", "WGS-84"], "the warehouse converts BD-09, GCJ-02 and WGS-84"),
    ],
    updated_at_sql="try_strptime(json_extract_string(payload, '$.updated_at'), '%Y-%m-%d %H:%M:%S')::timestamptz",
    volume=SNAPSHOT_VOLUME,
)

SESSIONS = LandingSuite(
    "smart_parking",
    "sessions",
    (text("entry_time"), readable_local("entry_time"), number("fee_fen"), text("plate_masked"), text("lot_id")),
    lambda: [
        unique_in_load("record_key", "record_updated_at"),
        *required("entry_time", "a session without its entry time cannot be placed in time"),
        matches("entry_time", LOCAL_TIME, "times are local 'yyyy-MM-dd HH:mm:ss'"),
        in_set("entry_time_is_real", [True], "an entry time that names no real moment is quarantined"),
        between("fee_fen", 0, None, "a negative fee is quarantined"),
        matches("plate_masked", MASKED_PLATE, "plates are landed only masked (豫B·***45) beside their pseudonym"),
        *required("lot_id", "a session belongs to a lot"),
    ],
    updated_at_sql=LOCAL_INSTANT,
)

VIOLATIONS = LandingSuite(
    "smart_parking",
    "violations",
    (number("longitude"), number("latitude"), text("status"), text("violation_type"), text("found_time")),
    lambda: [
        unique_in_load("record_key", "record_updated_at"),
        *inside_kaifeng("longitude", "latitude", "BD-09"),
        in_set("status", ["registered", "dispatched", "handled", "closed"], "violation statuses"),
        *required("violation_type", "a violation without its type cannot be typed"),
        matches("found_time", LOCAL_TIME, "times are local 'yyyy-MM-dd HH:mm:ss'"),
    ],
    updated_at_sql=LOCAL_INSTANT,
    # a violation is handled and closed on later days: counted by the day it was found
    volume=Volume(by="found_time"),
)

SUITES = [LOTS, SESSIONS, VIOLATIONS]
