"""A job over all Smart City raw assets (events of a day and the reference lists), for
materializing the source as a whole; the schedules are in orchestration/schedules.py."""

from __future__ import annotations

from dagster import AssetSelection, define_asset_job

from orchestration.partitions import daily_partitions

smart_city_daily_job = define_asset_job(
    "smart_city_daily",
    selection=AssetSelection.groups("smart_city"),
    partitions_def=daily_partitions,
    description="Land one day of Smart City events and the reference lists.",
)
