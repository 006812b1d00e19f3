"""`scores/closed_month`: a month of grid-worker points, closed.

Monthly partitions (Asia/Shanghai). Materializing a month copies its ledger and monthly
rows from the marts into the `scores` schema (warehouse.scores): what the centre publishes.
A month is scored once its data is complete: every source that sends data each day has
been read through the month's end (its cursor, not its data: a quiet last day counts). The schedule asks on the 3rd of each month for the
month before; a rescoring is a materialization of the same partition (from the UI, say),
and its metadata says whether it reproduced the figures (`reproduced`), with the rules and
figures fingerprints. `force: true` in the run config scores a month that is not complete.
"""

from datetime import datetime, time, timedelta

from dagster import (
    AssetExecutionContext,
    AssetKey,
    Config,
    Failure,
    MaterializeResult,
    MetadataValue,
    RunRequest,
    ScheduleEvaluationContext,
    asset,
    schedule,
)

from connectors.common.lake import Lake
from connectors.common.timezone import SHANGHAI, TZ_NAME
from orchestration.partitions import monthly_partitions
from orchestration.resources import WarehouseResource
from quality.suites import SUITES
from warehouse.scores import close_month, month_bounds

POINTS_JOB = "points_close_month"  # the job (orchestration/points/definitions.py) that closes a month
CLOSED_MONTH = AssetKey(["scores", "closed_month"])
LEDGER = AssetKey(["marts", "fct_worker_points_ledger"])
MONTHLY = AssetKey(["marts", "mart_worker_points_monthly"])


class ScoreMonthConfig(Config):
    force: bool = False  # score a month whose data is not complete yet


def incomplete_sources(lake_dir, month: str) -> list[str]:
    """The daily sources (source.entity) not yet read through the end of `month`: their
    cursor is before 00:00 Asia/Shanghai of the next month's first day."""
    _, after = month_bounds(month)
    month_end = datetime.combine(after, time(0), SHANGHAI)
    lake = Lake(lake_dir)
    out = []
    for (source, entity), suite in sorted(SUITES.items()):
        if suite.volume.unit == "day" and suite.volume.every_day:
            read = lake.read_through(source, entity)
            if read is None or read < month_end:
                out.append(f"{source}.{entity}")
    return out


@asset(
    key=CLOSED_MONTH,
    partitions_def=monthly_partitions,
    deps=[LEDGER, MONTHLY],
    group_name="points",
    kinds={"duckdb"},
    description="积分月结 A month of grid-worker points, closed: ledger and monthly rows in schema scores.",
)
def closed_month(
    context: AssetExecutionContext, warehouse: WarehouseResource, config: ScoreMonthConfig
) -> MaterializeResult:
    month = context.partition_key[:7]
    missing = incomplete_sources(warehouse.lake_dir, month)
    if missing and not config.force:
        raise Failure(
            f"{month} is not complete: not read through the end of the month yet: {', '.join(missing)} "
            "(score it later, or with force: true)"
        )
    con = warehouse.connect()
    try:
        scoring = close_month(con, month, context.run_id)
    except ValueError as exc:
        raise Failure(str(exc)) from exc
    finally:
        con.close()
    context.log.info(
        f"{month}: {scoring.workers} workers, {scoring.lines} lines, {scoring.total_points:.2f} points"
        + ("" if scoring.reproduced is None else f"; reproduced the previous scoring: {scoring.reproduced}")
    )
    return MaterializeResult(
        metadata={
            "workers": scoring.workers,
            "ledger_lines": scoring.lines,
            "total_points": scoring.total_points,
            "figures_fingerprint": scoring.figures_fingerprint,
            "rules_fingerprint": scoring.rules_fingerprint,
            "reproduced": MetadataValue.text(
                "first scoring" if scoring.reproduced is None else str(scoring.reproduced).lower()
            ),
            "scored_incomplete": bool(missing),
        }
    )


@schedule(
    name="points_close_previous_month",
    job_name=POINTS_JOB,
    cron_schedule="0 4 3 * *",
    execution_timezone=TZ_NAME,
    description="On the 3rd at 04:00, close the month before (its last days have landed by then).",
)
def close_previous_month(context: ScheduleEvaluationContext):
    today = context.scheduled_execution_time.astimezone(SHANGHAI).date()
    first_of_previous = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    key = first_of_previous.isoformat()
    return RunRequest(run_key=f"{POINTS_JOB}:{key}", partition_key=key)
