"""The root Dagster definitions: every source's assets, the dbt models, jobs and schedules."""

from __future__ import annotations

from dagster import AssetSelection, Definitions, EnvVar, define_asset_job

from orchestration.bi import assets as bi_assets
from orchestration.civil_affairs import assets as civil_affairs_assets
from orchestration.civil_affairs.resources import civil_affairs_resource_from_env
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
from orchestration.partitions import daily_partitions, monthly_partitions
from orchestration.petitions import assets as petitions_assets
from orchestration.petitions.resources import petitions_resource_from_env
from orchestration.petitions.sensors import petitions_inbox_sensor, petitions_job
from orchestration.points import assets as points_assets
from orchestration.reports import annual as annual_reports
from orchestration.reports import assets as reports_assets
from orchestration.resources import WarehouseResource
from orchestration.schedules import schedules
from orchestration.sharp_eyes import assets as sharp_eyes_assets
from orchestration.sharp_eyes.resources import sharp_eyes_resource_from_env
from orchestration.smart_city import assets as smart_city_assets
from orchestration.smart_city.resources import smart_city_resource_from_env
from orchestration.smart_parking import assets as smart_parking_assets
from orchestration.smart_parking.resources import smart_parking_resource_from_env
from warehouse.settings import configure_environment

# Defaults for the warehouse paths (and telemetry off) when the environment has none.
configure_environment()

# Per source: the assets landed by day (or month), and the reference lists landed whole.
# Each source gets a "<source>_events" job (partitioned; a range of days is one run) and,
# where it has reference lists, a "<source>_reference" job.
SOURCES = [
    ("smart_city", [smart_city_assets.raw_service_requests], smart_city_assets.reference_assets, daily_partitions),
    ("sharp_eyes", sharp_eyes_assets.windowed_assets, [sharp_eyes_assets.raw_cameras], daily_partitions),
    ("smart_parking", smart_parking_assets.daily_assets, [smart_parking_assets.raw_lots], daily_partitions),
    ("civil_affairs", civil_affairs_assets.assets, [], monthly_partitions),
]

source_jobs = []
for name, partitioned, reference, partitions in SOURCES:
    source_jobs.append(
        define_asset_job(
            f"{name}_events",
            selection=AssetSelection.assets(*partitioned),
            partitions_def=partitions,
            description=f"Land {name} for a partition or a range of partitions (one run per range).",
        )
    )
    if reference:
        source_jobs.append(
            define_asset_job(
                f"{name}_reference",
                selection=AssetSelection.assets(*reference),
                description=f"Land fresh snapshots of the {name} reference lists.",
            )
        )

points_job = define_asset_job(
    "points_close_month",
    selection=AssetSelection.assets(*points_assets.assets, *reports_assets.assets, bi_assets.published_copy),
    partitions_def=monthly_partitions,
    description="Close a month of grid-worker points (copy it into schema scores), or score it again; "
    "then write the month's scorecard (Excel workbook, HTML report).",
    tags=WAREHOUSE_WRITER_TAGS,
)

raw_assets = [
    *smart_city_assets.assets,
    *sharp_eyes_assets.assets,
    *smart_parking_assets.assets,
    *civil_affairs_assets.assets,
    *petitions_assets.assets,
]
source_freshness_checks = freshness_checks([k for a in raw_assets for k in a.keys])

defs = Definitions(
    assets=[
        *raw_assets,
        warehouse_models,
        *points_assets.assets,
        *reports_assets.assets,
        *annual_reports.assets,
        *bi_assets.assets,
    ],
    asset_checks=[*source_freshness_checks, *warehouse_checks],
    jobs=[*source_jobs, petitions_job, warehouse_job, near_real_time_job, points_job, annual_reports.annual_job],
    schedules=[*schedules, warehouse_hourly, points_assets.close_previous_month, annual_reports.assess_previous_year],
    sensors=[
        petitions_inbox_sensor,
        freshness_sensor(source_freshness_checks),
        near_real_time_sensor,
        warehouse_after_landing(
            [j for j in source_jobs if not j.name.startswith(("smart_city_events", "sharp_eyes_events"))]
            + [petitions_job]
        ),
    ],
    resources={
        "warehouse": WarehouseResource(
            warehouse_path=EnvVar("GOVHUB_WAREHOUSE_PATH"), lake_dir=EnvVar("GOVHUB_LAKE_DIR")
        ),
        "smart_city": smart_city_resource_from_env(),
        "sharp_eyes": sharp_eyes_resource_from_env(),
        "smart_parking": smart_parking_resource_from_env(),
        "civil_affairs": civil_affairs_resource_from_env(),
        "petitions": petitions_resource_from_env(),
        "dbt": dbt_resource(),
    },
)
