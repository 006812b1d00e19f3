"""All dbt models, seeds and data tests as one multi-asset, built with `dbt build`."""

from dagster import AssetExecutionContext
from dagster_dbt import DbtCliResource, dbt_assets

from connectors.common.lake import Lake
from orchestration.dbt.project import GovhubDbtTranslator, dbt_project, ensure_manifest
from warehouse.engines import mirror_spark_tables
from warehouse.settings import WarehouseSettings, dbt_target, spark_warehouse_dir_for


@dbt_assets(
    manifest=ensure_manifest(),
    project=dbt_project,
    dagster_dbt_translator=GovhubDbtTranslator(),
)
def warehouse_models(context: AssetExecutionContext, dbt: DbtCliResource):
    # dbt unit tests (hand-written fixtures, no data) run in the test suite, not on each build.
    # A partial build (a source's landing failed a blocking check) runs only the tests whose
    # models are all in it: a relationship to a model left out is tested when both are built.
    # A lake written before the commit log gets one first (connectors/common/lake.py).
    upgraded = Lake(WarehouseSettings.from_env().lake_dir).upgrade()
    if upgraded:
        context.log.info(f"the lake's files were committed in its new log ({upgraded} commits)")
    args = ["build", "--exclude-resource-type", "unit_test", "--indirect-selection", "cautious"]
    yield from dbt.cli(args, context=context).stream()
    if dbt_target() == "spark":
        # the steps after the build read the DuckDB file: the Spark tables become views there
        wh = WarehouseSettings.from_env().warehouse_path
        n = mirror_spark_tables(wh, spark_warehouse_dir_for(wh) / "tables")
        context.log.info(f"{n} Spark tables mirrored as views into {wh}")


def dbt_resource() -> DbtCliResource:
    """dbt on the engine GOVHUB_DBT_TARGET names (DuckDB unless set)."""
    return DbtCliResource(project_dir=dbt_project, profiles_dir=str(dbt_project.profiles_dir), target=dbt_target())
