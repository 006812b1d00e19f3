"""Sharp Eyes raw landings: Artemis alarms and handling records (ISO times with +08:00),
cameras (WGS-84 as strings)."""

from __future__ import annotations

import csv

from quality.landing import (
    ISO_WITH_ZONE,
    SNAPSHOT_VOLUME,
    LandingSuite,
    in_set,
    inside_kaifeng,
    matches,
    number,
    required,
    text,
)
from warehouse.settings import PROJECT_ROOT

MAPPING_SEED = PROJECT_ROOT / "dbt_project" / "seeds" / "mappings" / "map_sharp_eyes__event_types.csv"


def mapped_event_types() -> list[str]:
    """The Artemis event types the warehouse maps to a sub-item (its mapping seed)."""
    with MAPPING_SEED.open(encoding="utf-8") as f:
        return sorted({row["source_event_type"] for row in csv.DictReader(f)})


def _iso(column: str) -> str:
    return f"try_cast(json_extract_string(payload, '$.{column}') as timestamptz)"


EVENTS = LandingSuite(
    "sharp_eyes",
    "events",
    (
        text("startTime"),
        text("eventType"),
        number("eventLevel"),
        number("handleStatus"),
        text("camera", "$.eventLogSrcList[0].resIndexCode"),
    ),
    lambda: [
        *required("startTime", "an alarm without its start time cannot be placed in time"),
        matches("startTime", ISO_WITH_ZONE, "startTime is an ISO-8601 instant with a zone"),
        *required("eventType", "an alarm without its event type cannot be typed"),
        in_set(
            "eventType",
            mapped_event_types(),
            "an event type the warehouse has not mapped: kept as an event, counted in unmapped_source_codes",
        ),
        in_set("eventLevel", [1, 2, 3], "alarm levels are 1 to 3"),
        in_set("handleStatus", [0, 1], "handleStatus is 0 (open) or 1 (handled)"),
        *required("camera", "an alarm names the camera that raised it"),
    ],
    updated_at_sql=_iso("startTime"),
)

HANDLING_RECORDS = LandingSuite(
    "sharp_eyes",
    "handling_records",
    (text("pushTime"), text("handlerId"), text("handleResult")),
    lambda: [
        *required("pushTime", "the push time is when the grid worker's response is measured from"),
        matches("pushTime", ISO_WITH_ZONE, "pushTime is an ISO-8601 instant with a zone"),
        *required("handlerId", "a pushed alarm names the grid worker it went to"),
        in_set("handleResult", ["confirmed", "false_alarm", "timeout"], "handling results"),
    ],
    updated_at_sql=_iso("pushTime"),
)

CAMERAS = LandingSuite(
    "sharp_eyes",
    "cameras",
    (number("longitude"), number("latitude"), number("status"), text("updateTime")),
    lambda: [
        *required("longitude", "a camera without a position cannot locate its alarms"),
        *inside_kaifeng("longitude", "latitude", "WGS-84"),
        in_set("status", [0, 1], "camera status is 0 (offline) or 1 (online)"),
        matches("updateTime", ISO_WITH_ZONE, "updateTime is an ISO-8601 instant with a zone"),
    ],
    updated_at_sql=_iso("updateTime"),
    volume=SNAPSHOT_VOLUME,
)

SUITES = [EVENTS, HANDLING_RECORDS, CAMERAS]
