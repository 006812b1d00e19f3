"""The same dbt project on Apache Spark: the tiny pipeline's lake (Parquet, partitioned by
source, entity and day), built by dbt-spark on a local Spark session, gives the marts the
DuckDB build gave, column for column and row for row. Then late corrections, withdrawals,
a record to quarantine and new versions of the grid and department lists are landed, and
the Spark build is made again incrementally: it must equal a DuckDB build from scratch of
the same lake (the incremental equivalence of tests/dbt_project/test_incremental.py, on
Spark).

Spark reads the raw lake where the connectors wrote it and writes its tables as Parquet,
which DuckDB reads back for the comparison. The build runs seeds, models and the data tests
(the quarantine balance among them); the unit tests run on DuckDB (test_unit_tests_and_docs).
"""

from __future__ import annotations

import os
import shutil
from datetime import date

import pytest

from connectors.common.lake import Lake
from govhub.pipeline import MART_TABLES
from tests.dbt_project import lake_steps
from tests.dbt_project.dbt_cli import dbt_env, run_dbt
from warehouse.compare import BUILD_COLUMNS, compare, compare_parquet_tables, differing
from warehouse.engines import mirror_spark_tables

pytestmark = pytest.mark.spark

# the quarantine's tables (unmapped_source_codes is a view, counted when read, over models compared here)
QUARANTINE_TABLES = ["quarantine_records", "row_accounting"]


@pytest.fixture(scope="module")
def spark_build(tiny_warehouse, tmp_path_factory):
    """(the DuckDB warehouse, the Spark tables folder, dbt's output) after `dbt build --target spark`."""
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.fail("Java is needed for the Spark target (pyspark starts a JVM) and is not installed")
    settings, _ = tiny_warehouse
    scratch = tmp_path_factory.mktemp("spark_build")
    env = dbt_env(settings.warehouse_path, settings.lake_dir)
    env.update(GOVHUB_SPARK_WAREHOUSE_DIR=str(scratch / "spark"), GOVHUB_SPARK_MASTER="local[2]")
    result = run_dbt(["build", "--target", "spark", "--exclude-resource-type", "unit_test"], env, scratch, timeout=2400)
    assert result.returncode == 0, result.stdout[-8000:]
    return settings.warehouse_path, scratch / "spark" / "tables", result.stdout, scratch


def test_spark_builds_every_model_seed_and_data_test(spark_build):
    _, tables, out, _ = spark_build
    assert "ERROR=0" in out and "SKIP=0" in out, out[-3000:]
    for t in MART_TABLES:
        assert (tables / "marts.db" / t).is_dir(), t


@pytest.mark.parametrize("table", MART_TABLES)
def test_marts_on_spark_equal_marts_on_duckdb(spark_build, table):
    warehouse, tables, _, _ = spark_build
    (diff,) = compare_parquet_tables(warehouse, tables, "marts", [table])
    assert diff.reference_rows > 0 or table in ("mart_department_assessment_annual",), f"{table} is empty on DuckDB"
    assert not diff.types, f"{table}: column types differ (DuckDB, Spark): {diff.types}"
    assert (diff.missing, diff.extra) == (0, 0), (
        f"{table}: {diff.missing} of {diff.reference_rows} DuckDB rows not on Spark, {diff.extra} Spark rows not on DuckDB"
    )


def test_quarantine_on_spark_equals_quarantine_on_duckdb(spark_build):
    warehouse, tables, _, _ = spark_build
    diffs = compare_parquet_tables(warehouse, tables, "quarantine", QUARANTINE_TABLES)
    assert sum(d.reference_rows for d in diffs if d.table == "quarantine_records") > 0
    assert [d for d in diffs if d.missing or d.extra] == []


def test_spark_tables_mirrored_into_duckdb_read_as_the_duckdb_build(spark_build, tmp_path):
    """GOVHUB_DBT_TARGET=spark: the steps after the build read the DuckDB file, where every
    Spark table becomes a view over its Parquet files (warehouse/engines.py)."""
    warehouse, tables, _, _ = spark_build
    mirror = tmp_path / "mirror.duckdb"
    n = mirror_spark_tables(mirror, tables)
    assert n >= len(MART_TABLES)
    assert differing(compare(warehouse, mirror, "marts", tables=list(MART_TABLES))) == []


@pytest.fixture(scope="module")
def spark_incremental(spark_build, tiny_warehouse, tmp_path_factory):
    """After the parity tests: the tiny lake copied and changed as the sources change it, the
    Spark warehouse built again incrementally over it, and a DuckDB warehouse built from
    scratch over the same lake: (the DuckDB warehouse, the Spark tables, dbt's output)."""
    settings, _ = tiny_warehouse
    _, tables, _, scratch = spark_build
    root = tmp_path_factory.mktemp("spark_incremental")
    lake = Lake(root / "lake")
    shutil.copytree(settings.lake_dir, lake.root)
    on = date(2026, 10, 5)
    lake_steps.smart_city_late_update(lake, on)
    lake_steps.civil_affairs_late_updates(lake, on)
    lake_steps.petition_correction(lake, date(2026, 10, 6))
    lake_steps.smart_city_bad_record(lake, on)
    lake_steps.reference_changes(lake, date(2026, 10, 4))
    env = dbt_env(settings.warehouse_path, lake.root)
    env.update(GOVHUB_SPARK_WAREHOUSE_DIR=str(scratch / "spark"), GOVHUB_SPARK_MASTER="local[2]")
    result = run_dbt(["build", "--target", "spark", "--exclude-resource-type", "unit_test"], env, scratch, timeout=2400)
    assert result.returncode == 0, result.stdout[-8000:]
    reference = root / "reference" / "kaifeng.duckdb"
    reference.parent.mkdir()
    scratch_duckdb = root / "duckdb"
    built = run_dbt(
        ["build", "--exclude-resource-type", "unit_test", "--exclude-resource-type", "test"],
        dbt_env(reference, lake.root),
        scratch_duckdb,
    )
    assert built.returncode == 0, built.stdout[-8000:]
    return reference, tables, result.stdout


def test_spark_built_incrementally_equals_duckdb_built_from_scratch(spark_incremental):
    reference, tables, out = spark_incremental
    assert "ERROR=0" in out and "SKIP=0" in out, out[-3000:]
    for schema, names in (
        ("marts", [*MART_TABLES, "mart_live_open_items"]),
        ("quarantine", QUARANTINE_TABLES),
    ):
        diffs = compare_parquet_tables(reference, tables, schema, names, ignore=BUILD_COLUMNS)
        assert [d for d in diffs if d.missing or d.extra or d.types] == [], schema
