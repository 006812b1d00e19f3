"""Comparing two warehouses by content, table for table: what a run under faults, or a run
resumed after a crash, must share with an uninterrupted calm run of the same world.

Rows are compared as multisets (order does not matter, repeats do), so a table that lost a
row or holds one twice differs. Used by the reliability tests and `scripts/chaos_report.py`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from warehouse.duckdb import connect


@dataclass(frozen=True)
class TableDifference:
    table: str
    missing: int  # rows of the reference that the other lacks (lost)
    extra: int  # rows the other has beyond the reference (doubled or invented)
    reference_rows: int


def _tables(con: duckdb.DuckDBPyConnection, schema: str) -> list[str]:
    return [
        t
        for (t,) in con.execute(
            "select table_name from information_schema.tables where table_schema = ? order by 1", [schema]
        ).fetchall()
    ]


# What differs between two runs of the same world by nature: when and by which load a record
# was fetched, listed and committed to the lake (staging keeps them; the marts do not), when a build
# wrote a row (_loaded_at), and what the live board says as of its build.
BUILD_COLUMNS = ("_loaded_at", "as_of", "minutes_open", "is_overdue")
RUN_COLUMNS = (
    "load_id",
    "fetched_at",
    "first_seen_at",
    "last_seen_at",
    "last_listed_at",
    "_committed_at",
    *BUILD_COLUMNS,
)


# Doubles summed in another order (another engine, another number of threads) may differ in
# their last bits: compared at 12 significant digits, far below any figure a mart publishes.
FLOAT_DIGITS = 12


def _normal(value):
    if isinstance(value, float):
        return float(f"{value:.{FLOAT_DIGITS}g}")
    return value


def _relation_rows(
    con: duckdb.DuckDBPyConnection, relation: str, columns: list[str], value: Callable | None = None
) -> Counter:
    select = ", ".join(f'"{c}"' for c in columns)
    rows = con.execute(f"select {select} from {relation}").fetchall()
    if value is not None:
        return Counter(tuple(_normal(value(v)) for v in row) for row in rows)
    return Counter(tuple(_normal(v) for v in row) for row in rows)


def _rows(
    con: duckdb.DuckDBPyConnection, schema: str, table: str, ignore: tuple[str, ...], value: Callable | None = None
) -> Counter:
    cols = [
        c
        for (c,) in con.execute(
            "select column_name from information_schema.columns where table_schema = ? and table_name = ? "
            "order by ordinal_position",
            [schema, table],
        ).fetchall()
        if c not in ignore
    ]
    return _relation_rows(con, f'"{schema}"."{table}"', cols, value)


def compare(
    reference: Path,
    other: Path,
    schema: str = "marts",
    tables: list[str] | None = None,
    ignore: tuple[str, ...] = RUN_COLUMNS,
    reference_value: Callable | None = None,
) -> list[TableDifference]:
    """Every table (or view) of `schema` in `reference` against the same one in `other`,
    leaving out the columns that say when a record was fetched; with `reference_value`, each
    value of the reference through it first (a pseudonym to its re-keyed form)."""
    a = connect(reference, read_only=True)
    b = connect(other, read_only=True)
    try:
        names = tables or _tables(a, schema)
        missing_tables = set(names) - set(_tables(b, schema))
        out = []
        for t in names:
            ref = _rows(a, schema, t, ignore, reference_value)
            if t in missing_tables:
                out.append(TableDifference(t, sum(ref.values()), 0, sum(ref.values())))
                continue
            got = _rows(b, schema, t, ignore)
            out.append(TableDifference(t, sum((ref - got).values()), sum((got - ref).values()), sum(ref.values())))
        return out
    finally:
        a.close()
        b.close()


def differing(diffs: list[TableDifference]) -> list[TableDifference]:
    return [d for d in diffs if d.missing or d.extra]


def _relation_columns(con: duckdb.DuckDBPyConnection, relation: str) -> dict[str, str]:
    return {name: str(dtype) for name, dtype, *_ in con.execute(f"describe select * from {relation}").fetchall()}


@dataclass(frozen=True)
class EngineDifference:
    table: str
    missing: int  # rows of the DuckDB build the other engine's lacks
    extra: int  # rows the other engine's build has beyond DuckDB's
    reference_rows: int
    types: dict[str, tuple[str | None, str | None]]  # column: (DuckDB type, other type), where they differ


def compare_parquet_tables(
    reference: Path,
    tables_dir: Path,
    schema: str,
    tables: list[str],
    ignore: tuple[str, ...] = RUN_COLUMNS,
) -> list[EngineDifference]:
    """Tables of `schema` in the DuckDB warehouse `reference` against the same tables written
    as Parquet folders by another engine (Spark: `<tables_dir>/<schema>.db/<table>/`), by
    column names and types and by content; doubles at FLOAT_DIGITS significant digits."""
    con = connect(reference, read_only=True)
    con.execute("set enable_progress_bar = false")
    try:
        out = []
        for t in tables:
            ref_rel = f'"{schema}"."{t}"'
            folder = tables_dir / f"{schema}.db" / t
            other_rel = f"read_parquet('{folder}/*.parquet')"
            ref_cols = _relation_columns(con, ref_rel)
            other_cols = _relation_columns(con, other_rel) if any(folder.glob("*.parquet")) else {}
            types = {
                c: (ref_cols.get(c), other_cols.get(c))
                for c in sorted(set(ref_cols) | set(other_cols))
                if ref_cols.get(c) != other_cols.get(c)
            }
            cols = [c for c in ref_cols if c in other_cols and c not in ignore]
            ref = _relation_rows(con, ref_rel, cols)
            got = _relation_rows(con, other_rel, cols) if other_cols else Counter()
            out.append(
                EngineDifference(t, sum((ref - got).values()), sum((got - ref).values()), sum(ref.values()), types)
            )
        return out
    finally:
        con.close()
