"""Partitions shared by the sources and reports: days, months and years in Asia/Shanghai."""

from datetime import date, timedelta

from dagster import (
    AssetExecutionContext,
    DailyPartitionsDefinition,
    MonthlyPartitionsDefinition,
    TimeWindowPartitionsDefinition,
)

from connectors.common.timezone import TZ_NAME

# Dagster's run tags that name what a run covers (documented with its partitioned runs and
# backfills): one partition, or a range of an asset's partitions in one run.
PARTITION_TAG = "dagster/partition"
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"

# The grid platform went live in 2019; the sandbox world starts its staffing in 2024.
PARTITIONS_START = "2024-01-01"

# end_offset=1: today's partition exists while the day runs, for near-real-time pulls.
daily_partitions = DailyPartitionsDefinition(start_date=PARTITIONS_START, timezone=TZ_NAME, end_offset=1)


# Months, for sources whose history is long and whose daily changes are few (civil affairs):
# the open month resumes from its cursor each day; the lake still holds one folder per day.
monthly_partitions = MonthlyPartitionsDefinition(start_date=PARTITIONS_START, timezone=TZ_NAME, end_offset=1)


def partition_days(context: AssetExecutionContext) -> list[date]:
    """The days of the run's partition or partition range, in order."""
    window = context.partition_time_window
    start, end = window.start.date(), window.end.date()
    return [start + timedelta(days=i) for i in range((end - start).days)]


# Calendar years, for the annual department assessment (partition keys `YYYY`).
yearly_partitions = TimeWindowPartitionsDefinition(
    cron_schedule="0 0 1 1 *", start=PARTITIONS_START[:4], fmt="%Y", timezone=TZ_NAME, end_offset=1
)
