"""`govhub points explain`: a grid worker's month, line by line, as they or their township
would read it: the total, rank and grade first, then every ledger line by day with the
rule, the points and the reason, and what each line was scored for."""

from __future__ import annotations

import re
from decimal import Decimal

from connectors.common.timezone import SHANGHAI

MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
POOLS = {"fulltime": "专职 full-time", "parttime": "兼职 part-time"}


def _fmt(points: Decimal) -> str:
    text = f"{points:+.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("+0", "-0") else text


def _standing(con, month: str, pool: str, area: str, code: str, total: Decimal) -> tuple[int, int, int]:
    """Among the workers ranked in `area` (township_code or county_code) `code` and `pool` in
    `month`: how many, how many distinct totals (what a dense rank counts), how many higher."""
    return con.execute(
        f"""
        select count(*), count(distinct total_points), count(*) filter (where total_points > ?)
        from marts.mart_worker_points_monthly
        where points_month = ? and points_pool = ? and {area} = ?
        """,
        [total, month, pool, code],
    ).fetchone()


def _rank(label: str, rank: int, standing: tuple[int, int, int], where: str) -> str:
    ranked, totals, higher = standing
    return (
        f"  {label} rank {rank} of {totals} distinct totals (ties share a rank); "
        f"{higher} of the {ranked} workers ranked in the {where} pool scored higher"
    )


def _grade_rule(con, month: str, pool: str, county: str, grade: str, ranked: int) -> str:
    """The grade's rule with this month's cut-offs in the worker's county and pool."""
    best, worst = con.execute(
        """
        select min(total_points) filter (where grade = '优秀'),
               max(total_points) filter (where grade = '不合格' and total_points >= 0)
        from marts.mart_worker_points_monthly
        where points_month = ? and points_pool = ? and county_code = ?
        """,
        [month, pool, county],
    ).fetchone()

    def cut(value, share: float, side: str, comparison: str) -> str:
        if value is not None:
            return f"totals of {_fmt(value)} or {comparison}"
        if int(ranked * share) == 0:
            return f"no one: {share:.0%} of {ranked} is under one worker"
        return f"no one: the {side} tie group is larger than that"

    top = cut(best, 0.2, "top", "more")
    bottom = cut(worst, 0.1, "bottom", "less")
    return (
        f"  等次 grade {grade}: 优秀 is the top 20% of the {ranked} workers ranked in the county's pool "
        f"(at most {int(ranked * 0.2)}; this month {top}), 不合格 the bottom 10% (at most {int(ranked * 0.1)}; "
        f"this month {bottom}) or a negative total, 合格 the rest; a tie group takes a grade only if all of it fits"
    )


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
        left join marts.dim_division as t on t.division_code = m.township_code and t.valid_to is null
        left join marts.dim_division as c on c.division_code = m.county_code and c.valid_to is null
        where m.staff_id = ? and m.points_month = ?
        """,
        [worker, month],
    ).fetchone()
    if head is None:
        raise ValueError(f"no points for worker {worker} in {month} (not a grid worker that month, or not scored yet)")
    name, pool, township, township_name, county, county_name, total, n, t_rank, c_rank, c_n, grade, final = head
    lines = con.execute(
        """
        select l.qualifying_at, l.rule_id, l.rule_version, l.points, l.reason_zh, l.reason_en, l.source_system,
               l.source_record_id, l.subitem_code, t.event_type_name, l.base_points, r.rejected_at, r.actor_type,
               r.actor_id
        from marts.fct_worker_points_ledger as l
        left join marts.dim_event_type as t on t.event_type_code = l.subitem_code
        left join (
            select event_id, max(transition_at) as rejected_at, arg_max(actor_type, transition_at) as actor_type,
                   arg_max(actor_id, transition_at) as actor_id
            from marts.fct_event_lifecycle where state = 'rejected' group by event_id
        ) as r on l.rule_id = 'R2' and r.event_id = l.event_id
        where l.staff_id = ? and l.points_month = ?
        order by l.qualifying_at, l.source_record_id, l.rule_id
        """,
        [worker, month],
    ).fetchall()
    out = [
        f"{month} 网格员积分 Points of grid worker {worker} {name or ''}".rstrip(),
        f"  积分池 pool: {POOLS.get(pool, pool)}; 乡镇 township: {township_name or ''} {township}; "
        f"县区 county: {county_name or ''} {county}",
        f"  总分 total: {_fmt(total)} from {n} lines",
        _rank("乡镇排名 township", t_rank, _standing(con, month, pool, "township_code", township, total), "township's"),
        _rank("县区排名 county", c_rank, _standing(con, month, pool, "county_code", county, total), "county's"),
        _grade_rule(con, month, pool, county, grade, c_n),
    ]
    if not final:
        out.append("  暂定 provisional: the month has not ended; the ranks and the grade may still change")
    by_rule: dict[str, tuple[int, Decimal]] = {}
    day = None
    for (
        at,
        rule,
        version,
        points,
        zh,
        en,
        system,
        record,
        subitem,
        subitem_name,
        base,
        rejected_at,
        actor_type,
        actor,
    ) in lines:
        local = at.astimezone(SHANGHAI)
        if local.date() != day:
            day = local.date()
            out.append(f"{day:%Y-%m-%d}")
        line = f"  {local:%H:%M}  {rule} v{version}  {_fmt(points):>6}  {zh} | {en}  [{system} {record}]"
        if subitem is not None:
            line += f"  事项 sub-item {subitem} {subitem_name or ''}".rstrip()
            if base is not None and rule in ("R1", "R3"):
                line += f" ({rule} {base} 分 points)"
        if rejected_at is not None:
            who = f"{actor or ''} ({actor_type})" if actor_type else (actor or "the platform")
            line += f"  不予立案 rejected as false by {who} at {rejected_at.astimezone(SHANGHAI):%Y-%m-%d %H:%M}"
        out.append(line)
        count, subtotal = by_rule.get(rule, (0, Decimal(0)))
        by_rule[rule] = (count + 1, subtotal + points)
    if by_rule:
        out.append("按规则 by rule: " + "; ".join(f"{r} {c} lines {_fmt(s)}" for r, (c, s) in sorted(by_rule.items())))
    out.append(f"合计 total: {_fmt(sum((s for _, s in by_rule.values()), Decimal(0)))}")
    return "\n".join(out)
