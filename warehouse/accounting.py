"""Reading the row accounting and the quarantine back: the figures the demo summary, the
Dagster checks and the quarantine check script all show."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb


@dataclass(frozen=True)
class SourceAccounting:
    source: str
    landed: int
    conformed: int
    quarantined: int
    unreadable: int  # rows of lake files set aside as unreadable
    unaccounted: int  # rows off the balance, in either direction
    unbalanced_loads: int


def accounting_by_source(con: duckdb.DuckDBPyConnection) -> list[SourceAccounting]:
    """landed = conformed + quarantined + unreadable per source, summed over
    quarantine.row_accounting."""
    rows = con.execute(
        "select source_system, sum(landed_rows), sum(conformed_rows), sum(quarantined_rows), sum(unreadable_rows), "
        "sum(abs(unaccounted_rows)), count(*) filter (where unaccounted_rows <> 0) "
        "from quarantine.row_accounting group by 1 order by 1"
    ).fetchall()
    return [SourceAccounting(s, *(int(v) for v in rest)) for s, *rest in rows]


def quarantine_by_reason(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, int, int]]:
    """(`source/entity`, reason, quarantined rows, distinct records), sorted."""
    rows = con.execute(
        "select source_system || '/' || entity, reason, count(*), count(distinct record_id) "
        "from quarantine.quarantine_records group by all order by 1, 2"
    ).fetchall()
    return [(entity, reason, int(n), int(records)) for entity, reason, n, records in rows]


def landed_by_entity(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Rows landed per `source/entity`, from quarantine.row_accounting."""
    rows = con.execute(
        "select source_system || '/' || entity, sum(landed_rows) from quarantine.row_accounting group by 1"
    ).fetchall()
    return {entity: int(n) for entity, n in rows}
