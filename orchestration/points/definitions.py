"""Grid-worker points' Dagster definitions: a month closed (`scores/closed_month`), the job
that closes it and writes its scorecard and published copy, and the monthly schedule."""

from dagster import AssetSelection, Definitions, define_asset_job

from orchestration.bi.assets import PUBLISHED_COPY
from orchestration.near_real_time import WAREHOUSE_WRITER_TAGS
from orchestration.partitions import monthly_partitions
from orchestration.points.assets import CLOSED_MONTH, POINTS_JOB, close_previous_month, closed_month
from orchestration.reports.assets import MONTHLY_SCORECARD

points_job = define_asset_job(
    POINTS_JOB,
    selection=AssetSelection.assets(CLOSED_MONTH, MONTHLY_SCORECARD, PUBLISHED_COPY),
    partitions_def=monthly_partitions,
    description="Close a month of grid-worker points (copy it into schema scores), or score it again; "
    "then write the month's scorecard (Excel workbook, HTML report).",
    tags=WAREHOUSE_WRITER_TAGS,
)

defs = Definitions(assets=[closed_month], jobs=[points_job], schedules=[close_previous_month])
