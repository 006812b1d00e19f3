"""The warehouse built on another engine, read through the DuckDB file.

With ``GOVHUB_DBT_TARGET=spark`` dbt builds every model as a Parquet table of the Spark
warehouse (``<GOVHUB_SPARK_WAREHOUSE_DIR>/tables/<schema>.db/<table>/``). The rest of the
platform (closing a month of points, the scorecards, publishing for BI) reads
``GOVHUB_WAREHOUSE_PATH`` with DuckDB: `mirror_spark_tables` makes every Spark table a
view there over its Parquet files, so those steps read the Spark build unchanged.
"""

from __future__ import annotations

from pathlib import Path

from warehouse.duckdb import connect

# what dbt builds (the seeds' schemas included); Spark's `default` database stays out
SCHEMAS = ("reference", "rules", "staging", "intermediate", "quarantine", "marts")


def spark_tables(tables_dir: Path) -> dict[tuple[str, str], Path]:
    """(schema, table) -> the table's Parquet folder, for every table Spark wrote."""
    found = {}
    for schema in SCHEMAS:
        for folder in sorted((tables_dir / f"{schema}.db").glob("*")):
            if folder.is_dir() and any(folder.glob("*.parquet")):
                found[(schema, folder.name)] = folder
    return found


def mirror_spark_tables(warehouse_path: Path, tables_dir: Path) -> int:
    """Replace the relations of the DuckDB warehouse by views over the Spark tables' Parquet
    files; the number of views. Views over a Spark view (dbt's stg_ models) are not needed:
    the tables they read are mirrored."""
    tables = spark_tables(tables_dir)
    if not tables:
        raise FileNotFoundError(f"no Spark table under {tables_dir}: build the warehouse with the spark target first")
    con = connect(warehouse_path)
    try:
        con.execute("begin")
        for schema, table in tables:
            con.execute(f'create schema if not exists "{schema}"')
            kind = con.execute(
                "select table_type from information_schema.tables where table_schema = ? and table_name = ?",
                [schema, table],
            ).fetchone()
            if kind and kind[0] == "BASE TABLE":
                con.execute(f'drop table "{schema}"."{table}"')
            folder = str(tables[(schema, table)]).replace("'", "''")
            con.execute(
                f'create or replace view "{schema}"."{table}" as select * from read_parquet(\'{folder}/*.parquet\')'
            )
        con.execute("commit")
    finally:
        con.close()
    return len(tables)
