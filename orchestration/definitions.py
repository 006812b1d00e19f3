"""The root Dagster definitions: every source's assets, the dbt models, jobs and schedules."""

from __future__ import annotations

from dagster import AssetSelection, Definitions, EnvVar, define_asset_job

from connectors.common.contract import NEAR_REAL_TIME
from orchestration.bi import assets as bi_assets
from orchestration.dbt.assets import dbt_resource, warehouse_models
from orchestration.dbt.checks import checks as warehouse_checks
from orchestration.freshness import freshness_checks, freshness_sensor
from orchestration.near_real_time import (
    WAREHOUSE_WRITER_TAGS,
    near_real_time_job,
    near_real_time_sensor,
    warehouse_after_landing,
    warehouse_hourly,
    warehouse_job,
)
from orchestration.partitions import monthly_partitions
from orchestration.points import assets as points_assets
from orchestration.reports import annual as annual_reports
from orchestration.reports import assets as reports_assets
from orchestration.resources import WarehouseResource
from orchestration.sources import all_sources, events_job_name
from warehouse.settings import configure_environment

# Defaults for the warehouse paths (and telemetry off) when the environment has none.
configure_environment()

# Every registered source's raw assets, jobs, schedules, sensors and connector resource,
# generated from its contract (orchestration/sources.py).
sources = all_sources()
source_jobs = [j for s in sources for j in s.jobs]
# the daily landings, after which the whole warehouse is built (the near-real-time sources'
# events are built by the near_real_time run)
daily_landings = [
    j
    for s in sources
    for j in s.jobs
    if not (s.source.cadence == NEAR_REAL_TIME and j.name == events_job_name(s.source.name))
]

points_job = define_asset_job(
    points_assets.POINTS_JOB,
    selection=AssetSelection.assets(*points_assets.assets, *reports_assets.assets, bi_assets.published_copy),
    partitions_def=monthly_partitions,
    description="Close a month of grid-worker points (copy it into schema scores), or score it again; "
    "then write the month's scorecard (Excel workbook, HTML report).",
    tags=WAREHOUSE_WRITER_TAGS,
)

source_freshness_checks = freshness_checks([k for s in sources for k in s.raw_keys])

defs = Definitions.merge(
    *(s.defs for s in sources),
    Definitions(
        assets=[
            warehouse_models,
            *points_assets.assets,
            *reports_assets.assets,
            *annual_reports.assets,
            *bi_assets.assets,
        ],
        asset_checks=[*source_freshness_checks, *warehouse_checks],
        jobs=[warehouse_job, near_real_time_job, points_job, annual_reports.annual_job],
        schedules=[warehouse_hourly, points_assets.close_previous_month, annual_reports.assess_previous_year],
        sensors=[
            freshness_sensor(source_freshness_checks),
            near_real_time_sensor,
            warehouse_after_landing(daily_landings),
        ],
        resources={
            "warehouse": WarehouseResource(
                warehouse_path=EnvVar("GOVHUB_WAREHOUSE_PATH"), lake_dir=EnvVar("GOVHUB_LAKE_DIR")
            ),
            "dbt": dbt_resource(),
        },
    ),
)
