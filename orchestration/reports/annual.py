"""`reports/annual_assessment`: a year's department assessment (workbook, HTML report with
each department's tasks and petitions, PDF for signing).

Yearly partitions (Asia/Shanghai), downstream of the annual assessment mart: on 3 January
the schedule writes the year just ended, once its last days have landed and been built.
Materializing a partition again writes it anew (an open year's is marked provisional).
The files go to `<reports dir>/assessment-<YYYY>/`.
"""

from datetime import timedelta

from dagster import (
    AssetExecutionContext,
    AssetKey,
    Config,
    MaterializeResult,
    MetadataValue,
    RunRequest,
    ScheduleEvaluationContext,
    asset,
    define_asset_job,
    schedule,
)

from connectors.common.timezone import SHANGHAI, TZ_NAME
from orchestration.partitions import yearly_partitions
from orchestration.resources import WarehouseResource
from reports.assessment import write_assessment

ANNUAL_ASSESSMENT = AssetKey(["reports", "annual_assessment"])
JOB_NAME = "reports_annual_assessment"


class AssessmentConfig(Config):
    pdf: bool = True  # print the PDF for signing (needs Chromium)


@asset(
    key=ANNUAL_ASSESSMENT,
    partitions_def=yearly_partitions,
    deps=[AssetKey(["marts", "mart_department_assessment_annual"])],
    group_name="reports",
    kinds={"excel", "html", "pdf"},
    description="年度部门考核 The year's department assessment: workbook, HTML report and PDF for signing.",
)
def annual_assessment(
    context: AssetExecutionContext, warehouse: WarehouseResource, config: AssessmentConfig
) -> MaterializeResult:
    year = context.partition_key[:4]
    con = warehouse.connect(read_only=True)
    try:
        report, paths = write_assessment(con, year, warehouse.reports_dir(), pdf=config.pdf)
    finally:
        con.close()
    context.log.info(f"{year}: department assessment written to {paths['html'].parent}")
    return MaterializeResult(
        metadata={
            **{kind: MetadataValue.path(str(path)) for kind, path in paths.items()},
            "final": report.final,
            "departments_ranked": len(report.assessed),
            "departments_insufficient_data": len(report.insufficient),
        }
    )


annual_job = define_asset_job(
    JOB_NAME,
    selection=[ANNUAL_ASSESSMENT],
    partitions_def=yearly_partitions,
    description="Write a year's department assessment (workbook, HTML report, PDF).",
)


@schedule(
    name="reports_assess_previous_year",
    job_name=JOB_NAME,
    cron_schedule="0 5 3 1 *",
    execution_timezone=TZ_NAME,
    description="On 3 January at 05:00, write the assessment of the year just ended.",
)
def assess_previous_year(context: ScheduleEvaluationContext):
    today = context.scheduled_execution_time.astimezone(SHANGHAI).date()
    year = str((today.replace(month=1, day=1) - timedelta(days=1)).year)
    return RunRequest(run_key=f"{JOB_NAME}:{year}", partition_key=year)
