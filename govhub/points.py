"""`govhub points explain`: a grid worker's month, line by line, as they or their township
would read it: the total, rank and grade first, then every ledger line by day with the
rule, the points and the reason, and what each line was scored for."""

from __future__ import annotations

import re
from decimal import Decimal

from sandbox.clock import SHANGHAI

MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
POOLS = {"fulltime": "专职 full-time", "parttime": "兼职 part-time"}


def _fmt(points: Decimal) -> str:
    text = f"{points:+.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("+0", "-0") else text


def explain(con, worker: str, month: str) -> str:
    """The explanation of `worker`'s points in `month` (YYYY-MM); ValueError when the month
    is malformed or the worker has no row that month."""
    if not MONTH.match(month):
        raise ValueError(f"month must be YYYY-MM, not {month!r}")
    head = con.execute(
        """
        select m.staff_name_masked, m.points_pool, m.township_code, t.division_name, m.county_code,
               c.division_name, m.total_points, m.ledger_lines, m.township_rank, m.county_rank,
               m.county_pool_workers, m.grade, m.is_final
        from marts.mart_worker_points_monthly as m
        left join marts.dim_division as t on t.division_code = m.township_code
        left join marts.dim_division as c on c.division_code = m.county_code
        where m.staff_id = ? and m.points_month = ?
        """,
        [worker, month],
    ).fetchone()
    if head is None:
        raise ValueError(f"no points for worker {worker} in {month} (not a grid worker that month, or not scored yet)")
    name, pool, township, township_name, county, county_name, total, n, t_rank, c_rank, c_n, grade, final = head
    lines = con.execute(
        """
        select qualifying_at, rule_id, rule_version, points, reason_zh, reason_en, source_system, source_record_id
        from marts.fct_worker_points_ledger
        where staff_id = ? and points_month = ?
        order by qualifying_at, source_record_id, rule_id
        """,
        [worker, month],
    ).fetchall()
    out = [
        f"{month} 网格员积分 Points of grid worker {worker} {name or ''}".rstrip(),
        f"  积分池 pool: {POOLS.get(pool, pool)}; 乡镇 township: {township_name or ''} {township}; "
        f"县区 county: {county_name or ''} {county}",
        f"  总分 total: {_fmt(total)} from {n} lines; 乡镇排名 township rank {t_rank}; "
        f"县区排名 county rank {c_rank} of {c_n}; 等次 grade: {grade}",
    ]
    if not final:
        out.append("  暂定 provisional: the month has not ended; the ranks and the grade may still change")
    by_rule: dict[str, tuple[int, Decimal]] = {}
    day = None
    for at, rule, version, points, zh, en, system, record in lines:
        local = at.astimezone(SHANGHAI)
        if local.date() != day:
            day = local.date()
            out.append(f"{day:%Y-%m-%d}")
        out.append(f"  {local:%H:%M}  {rule} v{version}  {_fmt(points):>6}  {zh} | {en}  [{system} {record}]")
        count, subtotal = by_rule.get(rule, (0, Decimal(0)))
        by_rule[rule] = (count + 1, subtotal + points)
    if by_rule:
        out.append("按规则 by rule: " + "; ".join(f"{r} {c} lines {_fmt(s)}" for r, (c, s) in sorted(by_rule.items())))
    out.append(f"合计 total: {_fmt(sum((s for _, s in by_rule.values()), Decimal(0)))}")
    return "\n".join(out)
