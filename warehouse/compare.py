"""Comparing two warehouses by content, table for table: what a run under faults, or a run
resumed after a crash, must share with an uninterrupted calm run of the same world.

Rows are compared as multisets (order does not matter, repeats do), so a table that lost a
row or holds one twice differs. Used by the reliability tests and `scripts/chaos_report.py`.
"""

from __future__ import annotations

from collections import Counter
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
# was fetched (staging keeps them; the marts do not).
RUN_COLUMNS = ("load_id", "fetched_at", "first_seen_at", "last_seen_at")


def _rows(con: duckdb.DuckDBPyConnection, schema: str, table: str, ignore: tuple[str, ...]) -> Counter:
    cols = [
        c
        for (c,) in con.execute(
            "select column_name from information_schema.columns where table_schema = ? and table_name = ? "
            "order by ordinal_position",
            [schema, table],
        ).fetchall()
        if c not in ignore
    ]
    select = ", ".join(f'"{c}"' for c in cols)
    return Counter(con.execute(f'select {select} from "{schema}"."{table}"').fetchall())


def compare(
    reference: Path,
    other: Path,
    schema: str = "marts",
    tables: list[str] | None = None,
    ignore: tuple[str, ...] = RUN_COLUMNS,
) -> list[TableDifference]:
    """Every table (or view) of `schema` in `reference` against the same one in `other`,
    leaving out the columns that say when a record was fetched."""
    a = connect(reference, read_only=True)
    b = connect(other, read_only=True)
    try:
        names = tables or _tables(a, schema)
        missing_tables = set(names) - set(_tables(b, schema))
        out = []
        for t in names:
            ref = _rows(a, schema, t, ignore)
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
