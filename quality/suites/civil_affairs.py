"""Civil-affairs raw landings: rows of the source's own tables, naive local times, ID
numbers only as their GB 11643 check result, pseudonym and mask."""

from __future__ import annotations

from quality.landing import (
    LOCAL_TIME,
    LandingSuite,
    between,
    id_number_checked,
    in_set,
    matches,
    number,
    required,
    text,
    unique_in_load,
)
from quality.volume import Volume

UPDATED = "try_strptime(record_updated_at, '%Y-%m-%d %H:%M:%S')::timestamptz"

# The register changes by tens of rows a day: a day's count varies more around its median
# than the thousands a day of the event feeds do (a wider band, judged from 30 a day).
REGISTER_VOLUME = Volume(low=0.4, high=2.5, min_median=30)
# Payments are made once a month, on one day: each run against the three before it.
MONTHLY_BATCH_VOLUME = Volume(trailing=3, min_history=1, every_day=False, lookback_days=100)


def _suite(entity: str, fields: tuple, checks, volume: Volume | None = None) -> LandingSuite:
    def all_checks() -> list:
        return [
            unique_in_load("record_key", "record_updated_at"),
            matches("update_time", LOCAL_TIME, "update_time is local 'yyyy-MM-dd HH:mm:ss'"),
            in_set("is_deleted", [0, 1], "soft deletes are 0 or 1"),
            *checks(),
        ]

    return LandingSuite(
        "civil_affairs",
        entity,
        (text("update_time"), number("is_deleted"), *fields),
        all_checks,
        UPDATED,
        volume=volume or Volume(),
    )


HOUSEHOLDS = _suite(
    "households",
    (text("hz_sfzh_check"), text("wg_bm")),
    lambda: [id_number_checked("hz_sfzh_check"), *required("wg_bm", "a household lies in a grid")],
    REGISTER_VOLUME,
)
RECIPIENTS = _suite(
    "recipients",
    (text("sfzh_check"), text("jzlb"), text("jt_id")),
    lambda: [
        id_number_checked("sfzh_check"),
        in_set("jzlb", ["DB", "TK", "LS", "CJ", "GL"], "assistance categories (低保, 特困, 临时救助, 残疾, 高龄)"),
        *required("jt_id", "a recipient belongs to a household"),
    ],
    REGISTER_VOLUME,
)
PAYMENTS = _suite(
    "payments",
    (number("ffje_fen"), text("dx_id")),
    lambda: [
        between("ffje_fen", 0, None, "a negative payment is quarantined"),
        *required("dx_id", "a payment names its recipient"),
    ],
    MONTHLY_BATCH_VOLUME,
)
APPLICATIONS = _suite(
    "applications",
    (text("blzt"), text("sqsj")),
    lambda: [
        in_set("blzt", ["办结", "驳回", "审核"], "application statuses"),
        *required("sqsj", "an application without its time cannot be placed in time"),
    ],
)
VISITS = _suite(
    "visits",
    (text("wgy_id"), text("zfsj")),
    lambda: [
        *required("wgy_id", "a home visit names the grid worker who made it"),
        matches("zfsj", LOCAL_TIME, "visit times are local 'yyyy-MM-dd HH:mm:ss'"),
    ],
)

SUITES = [HOUSEHOLDS, RECIPIENTS, PAYMENTS, APPLICATIONS, VISITS]
