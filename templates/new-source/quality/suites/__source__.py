"""__source__ raw landings: records keyed by id, updated_at an ISO-8601 instant, in a grid."""

from __future__ import annotations

from quality.landing import LandingSuite, in_set, required, text, unique_in_load
from quality.volume import Volume

RECORDS = LandingSuite(
    "__source__",
    "records",
    (text("grid_code"), text("category")),
    lambda: [
        unique_in_load("record_key", "record_updated_at"),
        *required("grid_code", "a record outside every grid cannot be assigned"),
        in_set("category", ["inspection", "complaint", "repair"], "the categories the source knows"),
    ],
    volume=Volume(unit="day"),
)

SUITES = [RECORDS]
