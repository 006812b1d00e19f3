"""Retention's Dagster definitions: the monthly job that removes what is past its period from
the lake and the closed months (warehouse/retention.py), and the warehouse build from scratch
that removes it from every derived table right after. The closed months kept are checked on
every build (`closed_months_reproduce`, orchestration/dbt/checks.py)."""

from datetime import datetime

from dagster import (
    DagsterRunStatus,
    DefaultScheduleStatus,
    DefaultSensorStatus,
    Definitions,
    MetadataValue,
    OpExecutionContext,
    RunRequest,
    ScheduleDefinition,
    job,
    op,
    run_status_sensor,
)

from connectors.common.timezone import SHANGHAI, TZ_NAME
from orchestration.dbt.assets import FULL_REFRESH_TAG
from orchestration.near_real_time import WAREHOUSE_WRITER_TAGS, warehouse_job
from orchestration.resources import WarehouseResource
from warehouse.retention import apply_to_lake, expire_closed_months, load_policy, record

RETENTION_JOB = "retention_monthly"


@op(
    description="Remove from the lake and the closed months what the retention policy says is past; "
    "record the run in audit.retention_runs."
)
def apply_retention(context: OpExecutionContext, warehouse: WarehouseResource) -> None:
    policy = load_policy()
    run = apply_to_lake(warehouse.lake_dir, policy, datetime.now(SHANGHAI).date())
    months = expire_closed_months(warehouse.warehouse_path, policy, run)
    record(warehouse.lake_dir, warehouse.warehouse_path, run)
    for r in run.removals:
        if r.rows or r.records:
            context.log.info(f"{r.rule} {r.entity} before {r.cutoff}: {r.records} records, {r.rows} rows")
    context.add_output_metadata(
        {
            "run_id": run.run_id,
            "lake_rows_removed": run.rows,
            "closed_months_removed": MetadataValue.json(months),
            "by_rule": MetadataValue.json(
                [{"rule": r.rule, "entity": r.entity, "records": r.records, "rows": r.rows} for r in run.removals]
            ),
        }
    )


@job(name=RETENTION_JOB, tags=WAREHOUSE_WRITER_TAGS, description=apply_retention.description)
def retention_job():
    apply_retention()


retention_monthly = ScheduleDefinition(
    name="retention_monthly",
    job=retention_job,
    cron_schedule="30 3 2 * *",
    execution_timezone=TZ_NAME,
    default_status=DefaultScheduleStatus.STOPPED,
    description="Apply the retention policy at 03:30 on the 2nd of each month (after the month is closed).",
)


@run_status_sensor(
    run_status=DagsterRunStatus.SUCCESS,
    monitored_jobs=[retention_job],
    request_job=warehouse_job,
    name="warehouse_after_retention",
    default_status=DefaultSensorStatus.STOPPED,
    description="Builds the warehouse from scratch once retention has removed records from the lake.",
)
def warehouse_after_retention(context):
    return RunRequest(run_key=f"after:{context.dagster_run.run_id}", tags={FULL_REFRESH_TAG: "true"})


defs = Definitions(jobs=[retention_job], schedules=[retention_monthly], sensors=[warehouse_after_retention])
