"""`reports/monthly_scorecard`: a month's scorecard as an Excel workbook and an HTML report.

Monthly partitions (Asia/Shanghai), downstream of the closed month of points: closing a
month (job `points_close_month`) writes its scorecard right after, from the points as
closed in schema `scores` and the scorecard and assessment marts. Materializing the
partition again writes it anew (after a rescoring, say). The files go to
`<reports dir>/<YYYY-MM>/` (GOVHUB_REPORTS_DIR, default `reports/` beside the warehouse).
"""

from dagster import AssetExecutionContext, AssetKey, Config, Failure, MaterializeResult, MetadataValue, asset

from orchestration.partitions import monthly_partitions
from orchestration.points.assets import CLOSED_MONTH
from orchestration.resources import WarehouseResource
from reports import MAP_INDICATORS, write_scorecard

MONTHLY_SCORECARD = AssetKey(["reports", "monthly_scorecard"])
SCORECARD_MARTS = [
    "mart_city_kpis_monthly",
    "mart_county_scorecard_monthly",
    "mart_township_scorecard_monthly",
    "mart_grid_scorecard_monthly",
    "mart_department_assessment_monthly",
]


class ScorecardConfig(Config):
    map_indicator: str = "events_reported"  # what the map is coloured by when the report opens


@asset(
    key=MONTHLY_SCORECARD,
    partitions_def=monthly_partitions,
    deps=[CLOSED_MONTH, *(AssetKey(["marts", m]) for m in SCORECARD_MARTS)],
    group_name="reports",
    kinds={"excel", "html"},
    description="月度成绩单 The month's scorecard: Excel workbook and HTML report with charts and a map.",
)
def monthly_scorecard(
    context: AssetExecutionContext, warehouse: WarehouseResource, config: ScorecardConfig
) -> MaterializeResult:
    if config.map_indicator not in MAP_INDICATORS:
        raise Failure(f"map_indicator must be one of {', '.join(MAP_INDICATORS)}, not {config.map_indicator!r}")
    month = context.partition_key[:7]
    con = warehouse.connect(read_only=True)
    try:
        card, xlsx, html = write_scorecard(con, month, warehouse.reports_dir(), config.map_indicator)
    finally:
        con.close()
    context.log.info(f"{month}: scorecard written to {xlsx} and {html}")
    figures = {f.key: f.value for f in card.headline}
    return MaterializeResult(
        metadata={
            "workbook": MetadataValue.path(str(xlsx)),
            "report": MetadataValue.path(str(html)),
            "points_from": MetadataValue.text("scores (closed month)" if card.closed else "marts (month not closed)"),
            "events_reported": figures["events_reported"],
            "on_time_rate": MetadataValue.float(float(figures["on_time_rate"] or 0)),
            "grid_workers": figures["grid_workers"],
            "worker_points": MetadataValue.float(float(figures["worker_points"])),
            "departments_assessed": figures["departments_assessed"],
        }
    )
