"""What a warehouse holds, as `govhub demo` prints it at its end: the raw lake's rows, each
mart's rows, the events per source, the points per month, the department assessment, and
the row accounting with the quarantine by reason.

The marts are the dbt project's models in schema `marts` (read from its manifest), but for
those whose rows are as of the build that wrote them (`meta: as_of_build`, the live board):
the tables a rebuild of the same data must give again, row for row.
"""

from __future__ import annotations

import json
from pathlib import Path

PREFIX_ORDER = ("dim_", "fct_", "mart_")  # dimensions, then facts, then the marts built on them


def mart_tables(manifest_path: Path) -> tuple[str, ...]:
    """The marts of the dbt manifest at `manifest_path`: dimensions, facts, then marts, each
    kind by name."""
    nodes = json.loads(manifest_path.read_text(encoding="utf-8"))["nodes"].values()
    names = [
        n["name"]
        for n in nodes
        if n["resource_type"] == "model" and n["schema"] == "marts" and not n["config"]["meta"].get("as_of_build")
    ]

    def kind(name: str) -> int:
        return next((i for i, p in enumerate(PREFIX_ORDER) if name.startswith(p)), len(PREFIX_ORDER))

    return tuple(sorted(names, key=lambda name: (kind(name), name)))


def summary(warehouse_path: Path, manifest_path: Path, lake_dir: Path | None = None) -> str:
    """The lines `govhub demo` ends with, for the warehouse at `warehouse_path` (and the raw
    lake at `lake_dir`)."""
    from warehouse.duckdb import connect

    con = connect(warehouse_path, read_only=True)
    try:
        lines = [""]
        if lake_dir is not None and (lake_dir / "raw").is_dir():
            lines += _lake_lines(con, lake_dir)
        built = {
            f"{schema}.{name}"
            for schema, name in con.execute("select table_schema, table_name from information_schema.tables").fetchall()
        }
        lines += [f"Warehouse {warehouse_path}", *_mart_lines(con, built, mart_tables(manifest_path))]
        if "marts.fct_governance_events" in built:
            lines += _event_lines(con)
        if {"marts.fct_worker_points_ledger", "marts.mart_worker_points_monthly"} <= built:
            lines += _points_lines(con, built)
        if "marts.mart_department_assessment_monthly" in built:
            lines += _assessment_lines(con)
        if {"quarantine.row_accounting", "quarantine.quarantine_records"} <= built:
            lines += _accounting_lines(con)
        return "\n".join(lines)
    finally:
        con.close()


def _lake_lines(con, lake_dir: Path) -> list[str]:
    """The rows landed per source and entity, over all loads."""
    lines = [f"Raw lake {lake_dir} (rows landed, all loads)"]
    for source in sorted(p.name for p in (lake_dir / "raw").iterdir()):
        for entity in sorted(p.name for p in (lake_dir / "raw" / source).iterdir()):
            n = con.execute(
                f"select count(*) from read_parquet('{lake_dir}/raw/{source}/{entity}/*/*.parquet')"
            ).fetchone()[0]
            lines.append(f"  {source + '/' + entity:40s} {n:>10,}")
    return lines


def _mart_lines(con, built: set[str], marts: tuple[str, ...]) -> list[str]:
    """Each mart's rows (or that it was not built), and the townships and grids."""
    lines = ["  marts table                      rows"]
    for t in marts:
        if f"marts.{t}" not in built:
            lines.append(f"  {t:30s} {'not built':>8s}")
            continue
        n = con.execute(f"select count(*) from marts.{t}").fetchone()[0]
        lines.append(f"  {t:30s} {n:>8,}")
    if {"marts.dim_division", "marts.dim_grid"} <= built:
        townships, grids = con.execute(
            "select count(*) filter (where division_level = 'township'), "
            "(select count(*) from marts.dim_grid) from marts.dim_division"
        ).fetchone()
        lines.append(f"  townships {townships}, grids {grids}")
    return lines


def _event_lines(con) -> list[str]:
    """Per source: the events, their first and last day, and how many have no grid."""
    ev = con.execute(
        "select source_system, count(*), min(reported_at)::date, max(reported_at)::date, "
        "count(*) filter (where grid_code is null) from marts.fct_governance_events group by 1 order by 1"
    ).fetchall()
    return [
        f"  events from {src}: {n:,} reported {lo} .. {hi}, {unlocated} without a grid"
        for src, n, lo, hi, unlocated in ev
    ]


def _assessment_lines(con) -> list[str]:
    """Per month: the departments assessed, and those with too little data."""
    lines = ["Department assessment (marts.mart_department_assessment_monthly): assessed / insufficient data"]
    for month, assessed, thin in con.execute(
        "select assessment_month, count(*) filter (where status = 'assessed'), "
        "count(*) filter (where status = 'insufficient_data') "
        "from marts.mart_department_assessment_monthly group by 1 order by 1"
    ).fetchall():
        lines.append(f"  {month}  {assessed:>6,} / {thin:,}")
    return lines


def _points_lines(con, built: set[str]) -> list[str]:
    """Per month: workers scored, ledger lines, points in the ledger and in the monthly mart
    (they must be equal), and whether the month is closed in schema scores."""
    closed = {}
    if "scores.closed_months" in built:
        closed = dict(con.execute("select points_month, figures_fingerprint from scores.closed_months").fetchall())
    rows = con.execute(
        """
        select m.points_month, count(*), sum(m.ledger_lines), sum(m.total_points),
               (select sum(points) from marts.fct_worker_points_ledger l where l.points_month = m.points_month)
        from marts.mart_worker_points_monthly m group by 1 order by 1
        """
    ).fetchall()
    out = [
        "Grid-worker points (marts.mart_worker_points_monthly)",
        "  month    workers     lines     points  ledger = monthly  closed",
    ]
    for month, workers, n, total, ledger in rows:
        same = "yes" if ledger == total else f"NO ({ledger})"
        out.append(
            f"  {month}  {workers:>7,} {n:>9,} {total:>10,.2f}  {same:>16}  {'yes' if month in closed else 'no'}"
        )
    return out


def _accounting_lines(con) -> list[str]:
    """Row accounting per source (landed = conformed + quarantined + unreadable) and the
    quarantine by reason."""
    from warehouse.accounting import accounting_by_source, quarantine_by_reason

    lines = [
        "Row accounting (quarantine.row_accounting)",
        "  source            landed   conformed  quarantined  unreadable  unaccounted",
    ]
    for a in accounting_by_source(con):
        lines.append(
            f"  {a.source:15s} {a.landed:>9,} {a.conformed:>11,} {a.quarantined:>12,} {a.unreadable:>11,} {a.unaccounted:>12,}"
        )
    rows = quarantine_by_reason(con)
    lines.append("Quarantine (quarantine.quarantine_records): rows, records")
    lines += [f"  {entity:30s} {reason:24s} {n:>6,} {records:>6,}" for entity, reason, n, records in rows] or [
        "  (empty)"
    ]
    return lines
