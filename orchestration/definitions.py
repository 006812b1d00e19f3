"""The root Dagster definitions: every source's assets, the dbt models, jobs and schedules."""

from __future__ import annotations

from dagster import AssetSelection, Definitions, EnvVar, define_asset_job

from orchestration.civil_affairs import assets as civil_affairs_assets
from orchestration.civil_affairs.resources import civil_affairs_resource_from_env
from orchestration.dbt.assets import dbt_resource, warehouse_models
from orchestration.partitions import daily_partitions, monthly_partitions
from orchestration.petitions import assets as petitions_assets
from orchestration.petitions.resources import petitions_resource_from_env
from orchestration.petitions.sensors import petitions_inbox_sensor, petitions_job
from orchestration.resources import WarehouseResource
from orchestration.schedules import schedules
from orchestration.sharp_eyes import assets as sharp_eyes_assets
from orchestration.sharp_eyes.resources import sharp_eyes_resource_from_env
from orchestration.smart_city import assets as smart_city_assets
from orchestration.smart_city.jobs import smart_city_daily_job
from orchestration.smart_city.resources import smart_city_resource_from_env
from orchestration.smart_parking import assets as smart_parking_assets
from orchestration.smart_parking.resources import smart_parking_resource_from_env
from warehouse.settings import configure_environment

# Defaults for the warehouse paths (and telemetry off) when the environment has none.
configure_environment()

smart_city_events_job = define_asset_job(
    "smart_city_events",
    selection=AssetSelection.assets(smart_city_assets.raw_service_requests),
    partitions_def=daily_partitions,
    description="Land Smart City events for a day or a range of days (one run per range).",
)
smart_city_reference_job = define_asset_job(
    "smart_city_reference",
    selection=AssetSelection.assets(*smart_city_assets.reference_assets),
    description="Land fresh snapshots of the Smart City reference lists.",
)
sharp_eyes_events_job = define_asset_job(
    "sharp_eyes_events",
    selection=AssetSelection.assets(*sharp_eyes_assets.windowed_assets),
    partitions_def=daily_partitions,
    description="Land Sharp Eyes alarms and handling records for a day or a range of days.",
)
sharp_eyes_reference_job = define_asset_job(
    "sharp_eyes_reference",
    selection=AssetSelection.assets(sharp_eyes_assets.raw_cameras),
    description="Land the Sharp Eyes camera list.",
)
smart_parking_events_job = define_asset_job(
    "smart_parking_events",
    selection=AssetSelection.assets(*smart_parking_assets.daily_assets),
    partitions_def=daily_partitions,
    description="Land Smart Parking sessions and violations for a day or a range of days.",
)
smart_parking_reference_job = define_asset_job(
    "smart_parking_reference",
    selection=AssetSelection.assets(smart_parking_assets.raw_lots),
    description="Land the Smart Parking lot list.",
)
civil_affairs_events_job = define_asset_job(
    "civil_affairs_events",
    selection=AssetSelection.assets(*civil_affairs_assets.assets),
    partitions_def=monthly_partitions,
    description="Land the civil-affairs tables' changes for a day or a range of days.",
)
warehouse_job = define_asset_job(
    "warehouse_build",
    selection=AssetSelection.assets(warehouse_models),
    description="Build every dbt model and run its tests (staging -> intermediate -> marts).",
)

defs = Definitions(
    assets=[
        *smart_city_assets.assets,
        *sharp_eyes_assets.assets,
        *smart_parking_assets.assets,
        *civil_affairs_assets.assets,
        *petitions_assets.assets,
        warehouse_models,
    ],
    jobs=[
        smart_city_daily_job,
        smart_city_events_job,
        smart_city_reference_job,
        sharp_eyes_events_job,
        sharp_eyes_reference_job,
        smart_parking_events_job,
        smart_parking_reference_job,
        civil_affairs_events_job,
        petitions_job,
        warehouse_job,
    ],
    schedules=schedules,
    sensors=[petitions_inbox_sensor],
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
