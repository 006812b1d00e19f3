"""All dbt models, seeds and data tests as one multi-asset, built with `dbt build`.

Each build is its own dbt process, started by the run that asks for it; what it costs
before the first model runs is kept small, because the near-real-time path pays it every
half minute:
- the dbt version is read from the installed package, not from a `dbt --version` process;
- no dbt adapter is opened inside the Dagster process (dagster-dbt uses one only to fetch
  row counts and column metadata, which this project does not ask for);
- dbt parses only what changed since the last build of the same warehouse: its
  `partial_parse.msgpack` is kept beside the warehouse (`dbt_state/`) and given to the next
  build. dbt's partial parsing needs the same profile and target, so one kept per warehouse
  and target.
"""

import shutil
import uuid
from functools import cached_property
from importlib.metadata import version as package_version
from pathlib import Path

from dagster import AssetExecutionContext
from dagster_dbt import DbtCliResource, dbt_assets
from packaging import version

from connectors.common.atomic import replaced_whole
from connectors.common.lake import Lake
from orchestration.dbt.project import DBT_PROJECT_DIR, GovhubDbtTranslator, dbt_project, ensure_manifest
from warehouse.engines import mirror_spark_tables
from warehouse.settings import WarehouseSettings, dbt_target, spark_warehouse_dir_for

PARTIAL_PARSE = "partial_parse.msgpack"
# a run tagged so builds every model from scratch (`dbt build --full-refresh`): after the lake's
# held files were rewritten (retention, key rotation), which an incremental build never reads again
FULL_REFRESH_TAG = "govhub/full_refresh"


class GovhubDbtCli(DbtCliResource):
    """dbt as this project runs it: the dbt-core of this environment, no adapter in process."""

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(package_version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args):  # noqa: ARG002 - the parent's signature
        return None


def partial_parse_state(warehouse_path: Path, target: str) -> Path:
    """Where the last build of this warehouse on this target left dbt's parse."""
    return Path(warehouse_path).parent / "dbt_state" / f"{target}.{PARTIAL_PARSE}"


@dbt_assets(
    manifest=ensure_manifest(),
    project=dbt_project(),
    dagster_dbt_translator=GovhubDbtTranslator(),
)
def warehouse_models(context: AssetExecutionContext, dbt: DbtCliResource):
    # dbt unit tests (hand-written fixtures, no data) run in the test suite, not on each build.
    # A partial build (a source's landing failed a blocking check) runs only the tests whose
    # models are all in it: a relationship to a model left out is tested when both are built.
    # A build with no checks selected (the near-real-time path) runs no data test.
    # A lake written before the commit log gets one first, and the files committed since the
    # last build are read once: one that cannot be read is set aside (connectors/common/lake.py).
    settings = WarehouseSettings.from_env()
    lake = Lake(settings.lake_dir)
    lake.refuse_during_maintenance()
    upgraded = lake.upgrade()
    if upgraded:
        context.log.info(f"the lake's files were committed in its new log ({upgraded} commits)")
    for line in lake.set_aside_unreadable():
        context.log.warning(
            f"{line['source']}.{line['entity']}: lake file {line['lake_partition']}/{line['unreadable_file']} "
            f"cannot be read ({line['unreadable_error']}); set aside, its {line['unreadable_rows']} rows "
            "quarantined as unreadable_file"
        )
    args = ["build", "--exclude-resource-type", "unit_test"]
    if context.selected_asset_check_keys:
        args += ["--indirect-selection", "cautious"]
    if context.run.tags.get(FULL_REFRESH_TAG) == "true":
        args.append("--full-refresh")
    target = dbt_target()
    state = partial_parse_state(settings.warehouse_path, target)
    target_path = (
        DBT_PROJECT_DIR
        / dbt_project().target_path
        / f"warehouse_models-{context.run.run_id[:7]}-{uuid.uuid4().hex[:7]}"
    )
    target_path.mkdir(parents=True)
    if state.exists():
        shutil.copyfile(state, target_path / PARTIAL_PARSE)
    yield from dbt.cli(args, context=context, target_path=target_path).stream()
    if (target_path / PARTIAL_PARSE).exists():
        state.parent.mkdir(parents=True, exist_ok=True)
        with replaced_whole(state) as tmp:
            shutil.copyfile(target_path / PARTIAL_PARSE, tmp)
    if target == "spark":
        # the steps after the build read the DuckDB file: the Spark tables become views there
        n = mirror_spark_tables(settings.warehouse_path, spark_warehouse_dir_for(settings.warehouse_path) / "tables")
        context.log.info(f"{n} Spark tables mirrored as views into {settings.warehouse_path}")


def dbt_resource() -> DbtCliResource:
    """dbt on the engine GOVHUB_DBT_TARGET names (DuckDB unless set)."""
    return GovhubDbtCli(project_dir=dbt_project(), profiles_dir=str(dbt_project().profiles_dir), target=dbt_target())
