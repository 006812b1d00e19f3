"""When Smart City data is pulled.

Daily at 01:30 Asia/Shanghai: yesterday's partition of events, which closes the day, and
fresh snapshots of the reference lists, then the warehouse models.
"""

from __future__ import annotations

from dagster import AssetSelection, build_schedule_from_partitioned_job, define_asset_job

from orchestration.partitions import daily_partitions

smart_city_daily_job = define_asset_job(
    "smart_city_daily",
    selection=AssetSelection.groups("smart_city"),
    partitions_def=daily_partitions,
    description="Land one day of Smart City events and the reference lists.",
)

smart_city_daily_schedule = build_schedule_from_partitioned_job(
    smart_city_daily_job,
    hour_of_day=1,
    minute_of_hour=30,
)
