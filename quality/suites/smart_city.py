"""Smart City raw landings: Open311 requests (GCJ-02, ISO times with a zone) and the
reference lists (taxonomy, grids, staff, departments)."""

from __future__ import annotations

from quality.gx import BLOCKING
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
    unique_in_load,
)
from quality.volume import Volume

CRS = ["GCJ-02", "WGS-84", "BD-09"]


def _service_requests() -> list:
    return [
        *required("updated_datetime", "incremental reads and versioning go by updated_datetime"),
        matches(
            "updated_datetime", ISO_WITH_ZONE, "updated_datetime must be an ISO-8601 instant with a zone", BLOCKING
        ),
        unique_in_load("record_key", "updated_datetime"),
        *required("requested_datetime", "a record without its report time cannot be placed in time"),
        matches(
            "requested_datetime",
            ISO_WITH_ZONE,
            "requested_datetime is an ISO-8601 instant with a zone; a record without one is quarantined",
        ),
        *required("status", "Open311 status"),
        in_set("status", ["open", "closed"], "Open311 status is open or closed"),
        *required("service_code", "a record without a service code cannot be typed: it is quarantined"),
        matches("service_code", r"^\d{4}$", "service codes are four digits (category + sub-item); others go unmapped"),
        *inside_kaifeng("long", "lat", "GCJ-02"),
        in_set("coordinate_system", ["GCJ-02", "WGS-84"], "the platform states GCJ-02 (or WGS-84) on every record"),
    ]


SERVICE_REQUESTS = LandingSuite(
    "smart_city",
    "service_requests",
    (
        text("updated_datetime"),
        text("requested_datetime"),
        text("status"),
        text("service_code"),
        number("lat"),
        number("long"),
        text("coordinate_system", "$.extended_attributes.coordinate_system"),
    ),
    _service_requests,
    # a request is updated on the days after it is reported: counted by the day it was reported
    volume=Volume(by="requested_datetime"),
)

SERVICES = LandingSuite(
    "smart_city",
    "services",
    (text("service_code"), text("group"), number("time_limit_hours", "$.extended_attributes.time_limit_hours")),
    lambda: [
        unique_in_load("record_key"),
        matches("service_code", r"^\d{4}$", "sub-item codes are four digits (category + sub-item)"),
        *required("group", "every sub-item belongs to a category"),
        *required("time_limit_hours", "the sub-item's time limit sets the due time of its events"),
    ],
    updated_at_sql=None,
    volume=SNAPSHOT_VOLUME,
)

GRIDS = LandingSuite(
    "smart_city",
    "grids",
    (
        text("geometry_type", "$.geometry.type"),
        text("village_code", "$.properties.village_code"),
        text("valid_from", "$.properties.valid_from"),
        text("coordinate_system", "$.properties.coordinate_system"),
    ),
    lambda: [
        unique_in_load("record_key", "valid_from"),
        *required("geometry_type", "a grid without a polygon cannot locate events"),
        in_set("geometry_type", ["Polygon"], "grids are single polygons"),
        *required("village_code", "every grid lies in a village or community"),
        matches("village_code", r"^4102\d{8}$", "village codes are 12-digit NBS codes of Kaifeng"),
        in_set("coordinate_system", CRS, "the warehouse converts GCJ-02, BD-09 and WGS-84"),
    ],
    updated_at_sql=None,
    volume=SNAPSHOT_VOLUME,
)

STAFF = LandingSuite(
    "smart_city",
    "staff",
    (text("role"), text("township_code")),
    lambda: [
        unique_in_load("record_key"),
        *required("role", "a staff member's role decides how they are scored"),
        in_set(
            "role",
            ["grid_leader", "grid_instructor", "fulltime_worker", "parttime_worker"],
            "the 1+1+1+N roles",
        ),
    ],
    updated_at_sql=None,
    volume=SNAPSHOT_VOLUME,
)

DEPARTMENTS = LandingSuite(
    "smart_city",
    "departments",
    (text("platform_code"), text("level")),
    lambda: [
        unique_in_load("record_key"),
        in_set("platform_code", ["GOV", "ENF", "SVC", "SUP"], "the four platforms"),
        in_set(
            "level",
            ["city", "county", "township_station"],
            "departments sit at city or county level, or are township stations",
        ),
    ],
    updated_at_sql=None,
    volume=SNAPSHOT_VOLUME,
)

SUITES = [SERVICE_REQUESTS, SERVICES, GRIDS, STAFF, DEPARTMENTS]
