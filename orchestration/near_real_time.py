"""The near-real-time path (哨响人到: an alarm and the worker's arrival are minutes apart) and
the warehouse's own cadence.

- ``near_real_time``: one run lands today's Smart City events and Sharp Eyes alarms and
  handling records, then builds, incrementally, only what they feed right away: the
  dbt models tagged ``near_real_time`` (their base, staging and intermediate models,
  ``fct_governance_events``, ``fct_event_lifecycle``, ``fct_alarm_responses``,
  ``fct_dispatch_tasks`` and the live board ``mart_live_open_items``), without their data
  tests (the full build runs them). The landing and the build are steps of one run, so the
  build starts the moment the landing succeeds. The ``near_real_time_sensor`` asks for a
  run every ``GOVHUB_NEAR_REAL_TIME_SECONDS`` (default 5: as soon as the last one ends, since
  it never asks while one is still going; raise it to spare the machine).
- ``warehouse_build`` (every model and data test) runs when a daily landing succeeds
  (``warehouse_after_landing``, a run-status sensor) and at a quarter past every hour, so
  what the near-real-time path leaves out (the other sources, the points, the scorecards,
  the quarantine) follows within the hour. Each publishes what BI reads (orchestration/bi):
  the whole build the published copy, the near-real-time run the live board.

Both write the DuckDB file and carry the writer tag: one writer at a time, the rest queue
(orchestration/deploy/dagster.yaml).
"""

from __future__ import annotations

import os
from datetime import datetime

from dagster import (
    AssetSelection,
    DagsterRunStatus,
    DefaultSensorStatus,
    RunRequest,
    RunsFilter,
    ScheduleDefinition,
    SensorEvaluationContext,
    SkipReason,
    define_asset_job,
    in_process_executor,
    run_status_sensor,
    sensor,
)
from dagster_dbt import build_dbt_asset_selection

from connectors.common.errors import ConfigError
from connectors.common.timezone import SHANGHAI, TZ_NAME
from orchestration.bi.assets import live_board, published_copy
from orchestration.dbt.assets import warehouse_models
from orchestration.dbt.checks import checks as warehouse_checks
from orchestration.partitions import daily_partitions
from orchestration.sources import near_real_time_landings

# The runs that write the DuckDB file carry this tag: DuckDB takes one writer at a time, so
# the production instance (orchestration/deploy/dagster.yaml) queues them one after another.
WAREHOUSE_WRITER_TAGS = {"govhub/writes": "warehouse"}
NEAR_REAL_TIME_JOB = "near_real_time"
WAREHOUSE_JOB = "warehouse_build"
NEAR_REAL_TIME_TAG = "near_real_time"  # the dbt tag of the models the path builds
DEFAULT_INTERVAL_SECONDS = 5


def near_real_time_interval() -> int:
    """GOVHUB_NEAR_REAL_TIME_SECONDS: how often the sensor asks for a run (5..3600)."""
    text = os.environ.get("GOVHUB_NEAR_REAL_TIME_SECONDS", "").strip() or str(DEFAULT_INTERVAL_SECONDS)
    if not text.isdigit() or not 5 <= int(text) <= 3600:
        raise ConfigError(f"GOVHUB_NEAR_REAL_TIME_SECONDS must be a number of seconds from 5 to 3600, not {text!r}")
    return int(text)


hot_landings = AssetSelection.assets(*near_real_time_landings())
hot_models = build_dbt_asset_selection([warehouse_models], dbt_select=f"tag:{NEAR_REAL_TIME_TAG}").without_checks()

near_real_time_job = define_asset_job(
    NEAR_REAL_TIME_JOB,
    selection=hot_landings | hot_models | AssetSelection.assets(live_board),
    partitions_def=daily_partitions,
    description="Land today's records of the near-real-time sources, then build what they feed right away "
    "(the event facts and the live board), incrementally.",
    tags={**WAREHOUSE_WRITER_TAGS, "govhub/path": NEAR_REAL_TIME_JOB},
    # one process for the run: a step process each would load the code location and Great
    # Expectations again, seconds each, on a path measured in seconds
    executor_def=in_process_executor,
)

warehouse_job = define_asset_job(
    WAREHOUSE_JOB,
    selection=AssetSelection.assets(warehouse_models, published_copy) | AssetSelection.checks(*warehouse_checks),
    description="Build every dbt model, incrementally, and run its tests (staging -> intermediate -> marts); "
    "then publish the marts for BI.",
    tags=WAREHOUSE_WRITER_TAGS,
)

_ACTIVE = [DagsterRunStatus.QUEUED, DagsterRunStatus.NOT_STARTED, DagsterRunStatus.STARTING, DagsterRunStatus.STARTED]


@sensor(
    job=near_real_time_job,
    minimum_interval_seconds=near_real_time_interval(),
    default_status=DefaultSensorStatus.STOPPED,
    description="Asks for a near_real_time run every GOVHUB_NEAR_REAL_TIME_SECONDS, never while one is going.",
)
def near_real_time_sensor(context: SensorEvaluationContext):
    going = context.instance.get_run_records(RunsFilter(job_name=NEAR_REAL_TIME_JOB, statuses=_ACTIVE), limit=1)
    if going:
        return SkipReason(f"run {going[0].dagster_run.run_id[:8]} is still going")
    today = datetime.now(SHANGHAI).date().isoformat()
    return RunRequest(partition_key=today)


def warehouse_after_landing(landing_jobs: list):
    """warehouse_build when a daily landing job succeeds (what it landed reaches the marts)."""

    @run_status_sensor(
        run_status=DagsterRunStatus.SUCCESS,
        monitored_jobs=landing_jobs,
        request_job=warehouse_job,
        name="warehouse_after_landing",
        default_status=DefaultSensorStatus.STOPPED,
        description="Builds the warehouse when a daily landing succeeds.",
    )
    def _sensor(context):
        return RunRequest(run_key=f"after:{context.dagster_run.run_id}")

    return _sensor


warehouse_hourly = ScheduleDefinition(
    name="warehouse_hourly",
    job=warehouse_job,
    cron_schedule="15 * * * *",
    execution_timezone=TZ_NAME,
    description="Build the whole warehouse at a quarter past every hour.",
)
