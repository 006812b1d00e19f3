"""Closing a month of grid-worker points: the month's ledger and monthly rows, as the
warehouse computes them, copied into the `scores` schema with when they were scored and
fingerprints of the rules and of the figures.

The marts are rebuilt on every warehouse run; a closed month is what the service-guarantee
centre publishes. Scoring a month again (on request, or after late data) replaces it and
says whether the figures changed. Because every line takes the rule version valid on its
own day, a later change of the rules leaves a closed month's figures as they were: the
fingerprint of a rescoring then equals the first.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date

import duckdb

MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")

LEDGER_COLUMNS = (
    "line_id, staff_id, points_pool, points_month, qualifying_on, qualifying_at, rule_id, rule_version, "
    "source_system, source_record_id, event_id, subitem_code, alarm_band, duplicate_of, household_id, "
    "base_points, capped_points, multiplier, points, reason_zh, reason_en"
)
MONTHLY_COLUMNS = (
    "points_month, staff_id, points_pool, township_code, county_code, total_points, ledger_lines, r1_lines, "
    "r2_lines, r3_lines, r4_lines, r5_lines, r6_lines, r7_lines, zero_point_lines, township_rank, county_rank, "
    "county_pool_workers, grade"
)
RULE_TABLES = ("points_rules", "points_subitems", "points_alarm_bands", "points_limits")


@dataclass(frozen=True)
class Scoring:
    month: str
    workers: int
    lines: int
    total_points: float
    figures_fingerprint: str  # the month's ledger and monthly rows, in a fixed order
    rules_fingerprint: str  # the rule rows valid on any day of the month
    previous_fingerprint: str | None  # of the scoring this one replaced, if any

    @property
    def reproduced(self) -> bool | None:
        """Whether a rescoring gave the same figures (None: first scoring)."""
        return None if self.previous_fingerprint is None else self.previous_fingerprint == self.figures_fingerprint


def month_bounds(month: str) -> tuple[date, date]:
    if not MONTH.match(month):
        raise ValueError(f"month must be YYYY-MM, not {month!r}")
    y, m = int(month[:4]), int(month[5:])
    return date(y, m, 1), date(y + (m == 12), m % 12 + 1, 1)


def _digest(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> str:
    h = hashlib.sha256()
    for row in con.execute(sql, params).fetchall():
        h.update(repr(row).encode("utf-8"))
        h.update(b"\n")
    return h.hexdigest()


def figures_fingerprint(con, month: str, schema: str = "marts") -> str:
    ledger_table = "fct_worker_points_ledger" if schema == "marts" else "worker_points_ledger"
    monthly_table = "mart_worker_points_monthly" if schema == "marts" else "worker_points_monthly"
    ledger = _digest(
        con, f"select {LEDGER_COLUMNS} from {schema}.{ledger_table} where points_month = ? order by line_id", [month]
    )
    monthly = _digest(
        con,
        f"select {MONTHLY_COLUMNS} from {schema}.{monthly_table} where points_month = ? order by staff_id",
        [month],
    )
    return hashlib.sha256(f"{ledger}:{monthly}".encode()).hexdigest()


def rules_fingerprint(con, month: str) -> str:
    first, after = month_bounds(month)
    parts = []
    for table in RULE_TABLES:
        parts.append(
            _digest(
                con,
                # what the rules say, not how long they say it: a later version ending this
                # one leaves the month's rules (and fingerprint) as they were
                f"select * exclude (valid_from, valid_to) from rules.{table} "
                "where valid_from < ? and (valid_to is null or valid_to > ?) order by all",
                [after, first],
            )
        )
    return hashlib.sha256(":".join(parts).encode()).hexdigest()


def close_month(con: duckdb.DuckDBPyConnection, month: str, run_id: str) -> Scoring:
    """Copy `month` from the marts into `scores` (replacing an earlier scoring of it) in one
    transaction; what was scored, with the fingerprints."""
    month_bounds(month)
    if (
        con.execute("select count(*) from marts.mart_worker_points_monthly where points_month = ?", [month]).fetchone()[
            0
        ]
        == 0
    ):
        raise ValueError(f"{month}: the warehouse has no points for this month (nothing landed for it yet)")
    figures = figures_fingerprint(con, month)
    rules = rules_fingerprint(con, month)
    con.execute("begin transaction")
    try:
        con.execute("create schema if not exists scores")
        con.execute(
            f"create table if not exists scores.worker_points_ledger as "
            f"select {LEDGER_COLUMNS} from marts.fct_worker_points_ledger limit 0"
        )
        con.execute(
            f"create table if not exists scores.worker_points_monthly as "
            f"select {MONTHLY_COLUMNS} from marts.mart_worker_points_monthly limit 0"
        )
        con.execute(
            "create table if not exists scores.closed_months (points_month varchar primary key, "
            "scored_at timestamptz, run_id varchar, workers integer, lines integer, total_points decimal(12, 2), "
            "figures_fingerprint varchar, rules_fingerprint varchar, previous_fingerprint varchar)"
        )
        previous = con.execute(
            "select figures_fingerprint from scores.closed_months where points_month = ?", [month]
        ).fetchone()
        for table, source, columns in (
            ("worker_points_ledger", "fct_worker_points_ledger", LEDGER_COLUMNS),
            ("worker_points_monthly", "mart_worker_points_monthly", MONTHLY_COLUMNS),
        ):
            con.execute(f"delete from scores.{table} where points_month = ?", [month])
            con.execute(
                f"insert into scores.{table} select {columns} from marts.{source} where points_month = ?", [month]
            )
        workers, lines, total = con.execute(
            "select count(*), sum(ledger_lines), coalesce(sum(total_points), 0) "
            "from scores.worker_points_monthly where points_month = ?",
            [month],
        ).fetchone()
        con.execute("delete from scores.closed_months where points_month = ?", [month])
        con.execute(
            "insert into scores.closed_months values (?, now(), ?, ?, ?, ?, ?, ?, ?)",
            [month, run_id, workers, lines, total, figures, rules, previous[0] if previous else None],
        )
        if figures_fingerprint(con, month, schema="scores") != figures:
            raise RuntimeError(f"{month}: the scored copy differs from the marts it was copied from")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return Scoring(month, workers, int(lines or 0), float(total), figures, rules, previous[0] if previous else None)
