"""Freshness: how often each source is expected to land, as Dagster asset checks.

Smart City events and Sharp Eyes alarms are pulled every 5 minutes, so their raw assets are
stale after 15 minutes without a landing (three missed pulls). Everything else lands daily
(parking and civil affairs at 01:30, reference lists at 01:00, petition files as the
provincial system exports them), so those are stale after 26 hours. The sensor evaluates
the checks every minute; a stale source shows as a failed `freshness_check` (WARN) on its
raw assets in the UI.

The time a landing is judged against is the sources' clock: the wall clock, unless
GOVHUB_SOURCES_FROZEN_AT names the instant at which the sources' clock stands still (the
stand-ins of `govhub demo` and `govhub dev` serve a world frozen at the end of its window,
and say so in the settings they hand the connectors). A source whose clock stands still has
nothing newer than a landing made after that instant, so such a landing stays fresh; one
made before it is as late as the instant is after it.
"""

from datetime import UTC, datetime, timedelta

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetKey,
    DefaultSensorStatus,
    MetadataValue,
    build_sensor_for_freshness_checks,
    multi_asset_check,
)

from orchestration.schedules import TZ
from orchestration.sources import near_real_time_keys
from warehouse.settings import sources_frozen_at

NEAR_REAL_TIME = timedelta(minutes=15)
DAILY = timedelta(hours=26)
# raw assets pulled by the near-real-time run (the NEAR_REAL_TIME sources' entities read by
# time); every other raw asset is daily
NEAR_REAL_TIME_ASSETS = tuple(near_real_time_keys())
CHECK_NAME = "freshness_check"
# what the sensor reads of the last evaluation: when the check can next turn stale (wall clock)
FRESH_UNTIL = "dagster/fresh_until_timestamp"


def bound_for(key: AssetKey) -> timedelta:
    return NEAR_REAL_TIME if key in NEAR_REAL_TIME_ASSETS else DAILY


def judge(last_landed: datetime | None, bound: timedelta, now: datetime, frozen_at: datetime | None) -> dict:
    """Whether a landing at `last_landed` (wall clock) is fresh at `now` on the sources' clock:
    {passed, lag (how far the sources' clock is past the landing), fresh_until (wall clock)}."""
    if last_landed is None:
        return {"passed": False, "lag": None, "fresh_until": None}
    if frozen_at is None:
        lag = now - last_landed
        fresh_until = (last_landed + bound).timestamp()
    else:  # the sources' clock stands at frozen_at: it moves no further, whatever the wall clock does
        lag = max(frozen_at - last_landed, timedelta(0))
        fresh_until = (now + bound).timestamp()  # nothing can change before then: asked again after it
    return {"passed": lag <= bound, "lag": lag, "fresh_until": fresh_until}


def freshness_checks(raw_keys: list[AssetKey]) -> list:
    """One `freshness_check` per raw asset, evaluated together (the sensor asks for those that
    can have turned stale since their last evaluation)."""
    specs = [
        AssetCheckSpec(
            CHECK_NAME,
            asset=key,
            description=f"landed within {_words(bound_for(key))} of the sources' clock",
            metadata={"lower_bound_delta_seconds": bound_for(key).total_seconds()},
        )
        for key in raw_keys
    ]

    @multi_asset_check(specs=specs, name="source_freshness_checks", can_subset=True)
    def source_freshness_checks(context: AssetCheckExecutionContext):
        frozen_at = sources_frozen_at()
        now = datetime.now(UTC)
        for check_key in context.selected_asset_check_keys:
            record = context.instance.get_latest_materialization_event(check_key.asset_key)
            last = datetime.fromtimestamp(record.timestamp, UTC) if record is not None else None
            bound = bound_for(check_key.asset_key)
            verdict = judge(last, bound, now, frozen_at)
            metadata = {
                "lower_bound_delta_seconds": bound.total_seconds(),
                "sources_clock": f"frozen at {frozen_at.isoformat()}" if frozen_at else f"wall clock ({TZ})",
                "last_landed": MetadataValue.timestamp(last) if last else "never",
            }
            if verdict["lag"] is not None:
                metadata["lag_seconds"] = round(verdict["lag"].total_seconds(), 1)
            if verdict["fresh_until"] is not None:
                metadata[FRESH_UNTIL] = MetadataValue.float(verdict["fresh_until"])
            yield AssetCheckResult(
                asset_key=check_key.asset_key,
                check_name=CHECK_NAME,
                passed=verdict["passed"],
                severity=AssetCheckSeverity.WARN,
                metadata=metadata,
                description=_describe(last, verdict, bound),
            )

    return [source_freshness_checks]


def _words(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes >= 2 * 24 * 60:
        return f"{minutes // (24 * 60)} days"
    return f"{minutes // 60} hours" if minutes >= 120 else f"{minutes} minutes"


def _describe(last: datetime | None, verdict: dict, bound: timedelta) -> str:
    if last is None:
        return "never landed"
    lag = _words(verdict["lag"]) if verdict["lag"] >= timedelta(minutes=1) else "less than a minute"
    return (
        f"last landed {lag} before the sources' clock ({'within' if verdict['passed'] else 'beyond'} {_words(bound)})"
    )


def freshness_sensor(checks: list):
    return build_sensor_for_freshness_checks(
        freshness_checks=checks,
        minimum_interval_seconds=60,
        name="freshness_checks_sensor",
        default_status=DefaultSensorStatus.RUNNING,
    )
