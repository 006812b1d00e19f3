"""Partitions shared by the sources: days and months in Asia/Shanghai."""

from dagster import DailyPartitionsDefinition

# The grid platform went live in 2019; the sandbox world starts its staffing in 2024.
PARTITIONS_START = "2024-01-01"

# end_offset=1: today's partition exists while the day runs, for near-real-time pulls.
daily_partitions = DailyPartitionsDefinition(start_date=PARTITIONS_START, timezone="Asia/Shanghai", end_offset=1)
