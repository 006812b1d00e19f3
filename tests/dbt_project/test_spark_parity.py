"""The same dbt project on Apache Spark: the tiny demo on the Spark target (`spark_demo` of
tests/conftest.py: the whole pipeline, dbt building models, seeds and data tests on a local
Spark) gives the marts that a DuckDB build from scratch of its lake gives, column for column
and row for row. Then late corrections, withdrawals, a record to quarantine and new versions
of the grid and department lists are landed, a landed file is damaged on disk (and set aside
as unreadable), and the Spark build is made again
incrementally: it must equal a DuckDB build from scratch of the same lake (the incremental
equivalence of tests/dbt_project/test_incremental.py, on Spark).

Spark reads the raw lake where the connectors wrote it and writes its tables as Parquet,
which DuckDB reads back for the comparison. Every data test runs on Spark in the demo's
build; the incremental one runs the singular ones again (the quarantine balance and the
business rules: the generic tests of columns only repeat on Spark what the comparison with
DuckDB shows of the same rows); the DuckDB builds made here for the comparisons leave them
out. The unit tests run on DuckDB
(test_unit_tests_and_docs).
"""

from __future__ import annotations

import shutil
from datetime import date, timedelta

import pytest

from connectors.common.lake import Lake
from tests.conftest import mart_tables
from tests.dbt_project import lake_steps
from tests.dbt_project.dbt_cli import as_of, dbt_env, last_build_day, local_day, run_dbt
from warehouse.compare import BUILD_COLUMNS, compare, compare_parquet_tables, differing
from warehouse.duckdb import connect
from warehouse.engines import mirror_spark_tables

pytestmark = pytest.mark.spark

MART_TABLES = mart_tables()

# the quarantine's tables (unmapped_source_codes is a view, counted when read, over models compared here)
QUARANTINE_TABLES = ["quarantine_records", "row_accounting"]
# seeds and models only: the DuckDB references of the comparisons
MODELS_ONLY = ["build", "--exclude-resource-type", "unit_test", "--exclude-resource-type", "test"]


def _duckdb_from_scratch(lake, root, day):
    """A DuckDB warehouse built by dbt from scratch over `lake`, under `root`, counting `day`
    as today."""
    reference = root / "reference" / "kaifeng.duckdb"
    reference.parent.mkdir(parents=True)
    built = run_dbt([*MODELS_ONLY, *as_of(day)], dbt_env(reference, lake), root / "duckdb")
    assert built.returncode == 0, built.stdout[-8000:]
    return reference


@pytest.fixture(scope="module")
def spark_build(spark_demo, tmp_path_factory):
    """(a DuckDB warehouse built from scratch over the Spark demo's lake, as of the day of the
    demo's last Spark build, the demo's Spark tables)."""
    tables = spark_demo.spark_dir / "tables"
    reference = _duckdb_from_scratch(
        spark_demo.lake, tmp_path_factory.mktemp("spark_parity"), last_build_day(spark_tables=tables)
    )
    return reference, tables


def test_the_demo_built_every_model_and_ran_every_data_test_on_spark(spark_demo):
    from dagster import DagsterEventType, DagsterInstance, EventRecordsFilter

    for t in MART_TABLES:
        assert (spark_demo.spark_dir / "tables" / "marts.db" / t).is_dir(), t
    with DagsterInstance.from_config(str(spark_demo.home)) as instance:
        records = instance.get_event_records(
            EventRecordsFilter(event_type=DagsterEventType.ASSET_CHECK_EVALUATION), limit=100_000
        )
    tests = {}
    for r in records:
        e = r.event_log_entry.dagster_event.event_specific_data
        unique_id = e.metadata.get("unique_id")
        if unique_id is not None and unique_id.value.startswith("test."):
            tests[unique_id.value] = e.passed
    assert len(tests) > 100, sorted(tests)
    assert "test.kaifeng_govhub.assert_row_accounting_balances" in tests
    assert [t for t, passed in tests.items() if not passed] == []


@pytest.mark.parametrize("table", MART_TABLES)
def test_marts_on_spark_equal_marts_on_duckdb(spark_build, table):
    warehouse, tables = spark_build
    (diff,) = compare_parquet_tables(warehouse, tables, "marts", [table])
    assert diff.reference_rows > 0 or table in ("mart_department_assessment_annual",), f"{table} is empty on DuckDB"
    assert not diff.types, f"{table}: column types differ (DuckDB, Spark): {diff.types}"
    assert (diff.missing, diff.extra) == (0, 0), (
        f"{table}: {diff.missing} of {diff.reference_rows} DuckDB rows not on Spark, {diff.extra} Spark rows not on DuckDB"
    )


def test_quarantine_on_spark_equals_quarantine_on_duckdb(spark_build):
    warehouse, tables = spark_build
    diffs = compare_parquet_tables(warehouse, tables, "quarantine", QUARANTINE_TABLES)
    assert sum(d.reference_rows for d in diffs if d.table == "quarantine_records") > 0
    assert [d for d in diffs if d.missing or d.extra] == []


def test_spark_tables_mirrored_into_duckdb_read_as_the_duckdb_build(spark_build, tmp_path):
    """GOVHUB_DBT_TARGET=spark: the steps after the build read the DuckDB file, where every
    Spark table becomes a view over its Parquet files (warehouse/engines.py)."""
    warehouse, tables = spark_build
    mirror = tmp_path / "mirror.duckdb"
    n = mirror_spark_tables(mirror, tables)
    assert n >= len(MART_TABLES)
    assert differing(compare(warehouse, mirror, "marts", tables=list(MART_TABLES))) == []


@pytest.fixture(scope="module")
def spark_incremental(spark_build, spark_demo, tmp_path_factory):
    """After the parity tests: the demo's lake copied and changed as the sources change it
    (and one landed file damaged on disk, set aside as every build does first), the demo's Spark warehouse built again incrementally over it, and a DuckDB warehouse
    built from scratch over the same lake: (the DuckDB warehouse, the Spark tables, dbt's output)."""
    _, tables = spark_build
    root = tmp_path_factory.mktemp("spark_incremental")
    lake = Lake(root / "lake")
    shutil.copytree(spark_demo.lake, lake.root)
    on = date(2026, 11, 1)  # the demo's last day: an event weeks old changes, a register row years old
    lake_steps.smart_city_late_update(lake, on)
    lake_steps.civil_affairs_late_updates(lake, on)
    lake_steps.petition_correction(lake, on + timedelta(days=1))
    lake_steps.smart_city_bad_record(lake, on)
    lake_steps.reference_changes(lake, date(2026, 10, 4))  # a grid redrawn from a day weeks back
    lake_steps.corrupt_landing(lake, on)  # a landed file damaged on disk: set aside before the build
    assert len(lake.set_aside_unreadable()) == 1
    env = dbt_env(spark_demo.warehouse, lake.root)
    env.update({k: v for k, v in spark_demo.env.items() if k.startswith("GOVHUB_SPARK_")})
    today = local_day()
    result = run_dbt(
        ["build", "--exclude-resource-type", "unit_test", "--exclude", "test_type:generic", "--target", "spark"]
        + as_of(today),
        env,
        root / "spark",
        timeout=2400,
    )
    assert result.returncode == 0, result.stdout[-8000:]
    return _duckdb_from_scratch(lake.root, root, today), tables, result.stdout


def test_spark_built_incrementally_equals_duckdb_built_from_scratch(spark_incremental):
    reference, tables, out = spark_incremental
    assert "ERROR=0" in out and "SKIP=0" in out, out[-3000:]
    for schema, names in (
        ("marts", [*MART_TABLES, "mart_live_open_items"]),
        ("quarantine", QUARANTINE_TABLES),
    ):
        diffs = compare_parquet_tables(reference, tables, schema, names, ignore=BUILD_COLUMNS)
        assert [d for d in diffs if d.missing or d.extra or d.types] == [], schema
    con = connect(reference, read_only=True)
    try:  # the damaged file is in what both engines agree on
        assert con.execute("select sum(unreadable_rows) from quarantine.row_accounting").fetchone() == (2,)
    finally:
        con.close()
