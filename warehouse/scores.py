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
# What a closed month keeps: the table in `scores`, the mart it is copied from, its columns
# and the order its rows are fingerprinted in.
COPIED = (
    ("worker_points_ledger", "fct_worker_points_ledger", LEDGER_COLUMNS, "line_id"),
    ("worker_points_monthly", "mart_worker_points_monthly", MONTHLY_COLUMNS, "staff_id"),
)
RULE_TABLES = ("points_rules", "points_subitems", "points_alarm_bands", "points_limits")
# scores.closed_months, as BI reads it (warehouse/bi_contract.py): its description and its columns'
CLOSED_MONTHS_DOC = (
    "已关闭月份 | One row per closed month: when it was scored, by which run, its totals and fingerprints.",
    {
        "points_month": "积分月份 | The closed month (YYYY-MM, Asia/Shanghai).",
        "scored_at": "计分时间 | When the month was scored (UTC instant).",
        "run_id": "运行编号 | The Dagster run that closed it.",
        "workers": "网格员数 | Grid workers with points in the month.",
        "lines": "台账行数 | Ledger lines of the month.",
        "total_points": "总积分 | The month's points, all workers.",
        "figures_fingerprint": "结果指纹 | Fingerprint of the month's ledger and monthly rows.",
        "rules_fingerprint": "规则指纹 | Fingerprint of the rules in force in the month.",
        "previous_fingerprint": "上次结果指纹 | The figures' fingerprint of the scoring this one replaced; null the first time.",
    },
)


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


def next_month(day: date) -> date:
    """The first day of the month after `day`'s."""
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def month_bounds(month: str) -> tuple[date, date]:
    """[first day, first day of the next month) of `month` (YYYY-MM)."""
    if not MONTH.match(month):
        raise ValueError(f"month must be YYYY-MM, not {month!r}")
    first = date(int(month[:4]), int(month[5:]), 1)
    return first, next_month(first)


def _digest(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> str:
    h = hashlib.sha256()
    for row in con.execute(sql, params).fetchall():
        h.update(repr(row).encode("utf-8"))
        h.update(b"\n")
    return h.hexdigest()


def figures_fingerprint(con, month: str, schema: str = "marts") -> str:
    """The month's ledger and monthly rows in the marts (or, `schema="scores"`, as closed)."""
    digests = [
        _digest(
            con,
            f"select {columns} from {schema}.{mart if schema == 'marts' else kept} "
            f"where points_month = ? order by {order}",
            [month],
        )
        for kept, mart, columns, order in COPIED
    ]
    return hashlib.sha256(":".join(digests).encode()).hexdigest()


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


def create_closed_months(con: duckdb.DuckDBPyConnection) -> None:
    """Schema `scores` and its table of closed months, where they are not yet."""
    con.execute("create schema if not exists scores")
    con.execute(
        "create table if not exists scores.closed_months (points_month varchar primary key, "
        "scored_at timestamptz, run_id varchar, workers integer, lines integer, total_points decimal(12, 2), "
        "figures_fingerprint varchar, rules_fingerprint varchar, previous_fingerprint varchar)"
    )


def close_month(con: duckdb.DuckDBPyConnection, month: str, run_id: str) -> Scoring:
    """Copy `month` from the marts into `scores` (replacing an earlier scoring of it) in one
    transaction; what was scored, with the fingerprints."""
    month_bounds(month)
    scored = con.execute("select count(*) from marts.mart_worker_points_monthly where points_month = ?", [month])
    if scored.fetchone()[0] == 0:
        raise ValueError(f"{month}: the warehouse has no points for this month (nothing landed for it yet)")
    figures = figures_fingerprint(con, month)
    rules = rules_fingerprint(con, month)
    con.execute("begin transaction")
    try:
        create_closed_months(con)
        row = con.execute("select figures_fingerprint from scores.closed_months where points_month = ?", [month])
        previous = (row.fetchone() or [None])[0]
        for kept, mart, columns, _ in COPIED:
            con.execute(f"create table if not exists scores.{kept} as select {columns} from marts.{mart} limit 0")
            con.execute(f"delete from scores.{kept} where points_month = ?", [month])
            con.execute(f"insert into scores.{kept} select {columns} from marts.{mart} where points_month = ?", [month])
        workers, lines, total = con.execute(
            "select count(*), sum(ledger_lines), coalesce(sum(total_points), 0) "
            "from scores.worker_points_monthly where points_month = ?",
            [month],
        ).fetchone()
        con.execute("delete from scores.closed_months where points_month = ?", [month])
        con.execute(
            "insert into scores.closed_months values (?, now(), ?, ?, ?, ?, ?, ?, ?)",
            [month, run_id, workers, lines, total, figures, rules, previous],
        )
        if figures_fingerprint(con, month, schema="scores") != figures:
            raise RuntimeError(f"{month}: the scored copy differs from the marts it was copied from")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return Scoring(month, workers, int(lines or 0), float(total), figures, rules, previous)
