"""Freshness: how often each source is expected to land, as Dagster freshness checks.

Smart City events and Sharp Eyes alarms are pulled every 5 minutes, so their raw assets are
stale after 15 minutes without a landing (three missed pulls). Everything else lands daily
(parking and civil affairs at 01:30, reference lists at 01:00, petition files as the
provincial system exports them), so those are stale after 26 hours. The sensor evaluates
the checks every minute; a stale source shows as a failed `freshness_check` (WARN) on its
raw assets in the UI.
"""

from __future__ import annotations

from datetime import timedelta

from dagster import AssetKey, DefaultSensorStatus, build_last_update_freshness_checks, build_sensor_for_freshness_checks

from orchestration.schedules import TZ

NEAR_REAL_TIME = timedelta(minutes=15)
DAILY = timedelta(hours=26)
# raw assets pulled by the near-real-time schedules; every other raw asset is daily
NEAR_REAL_TIME_ASSETS = (
    AssetKey(["smart_city", "raw", "service_requests"]),
    AssetKey(["sharp_eyes", "raw", "events"]),
    AssetKey(["sharp_eyes", "raw", "handling_records"]),
)


def freshness_checks(raw_keys: list[AssetKey]) -> list:
    near = [k for k in raw_keys if k in NEAR_REAL_TIME_ASSETS]
    daily = [k for k in raw_keys if k not in NEAR_REAL_TIME_ASSETS]
    return [
        *build_last_update_freshness_checks(assets=near, lower_bound_delta=NEAR_REAL_TIME, timezone=TZ),
        *build_last_update_freshness_checks(assets=daily, lower_bound_delta=DAILY, timezone=TZ),
    ]


def freshness_sensor(checks: list):
    return build_sensor_for_freshness_checks(
        freshness_checks=checks,
        minimum_interval_seconds=60,
        name="freshness_checks_sensor",
        default_status=DefaultSensorStatus.RUNNING,
    )
