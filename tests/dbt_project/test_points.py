"""The points ledger and the monthly points on the tiny pipeline's warehouse, against the
world the stand-ins serve. The rules themselves are pinned by the dbt unit tests in
models/**/points/_points__unit_tests.yml (run in test_unit_tests_and_docs.py)."""

from __future__ import annotations

import subprocess
import sys


def test_ledger_points_add_up_to_the_monthly_totals(con):
    ledger, monthly = con.execute(
        "select (select sum(points) from marts.fct_worker_points_ledger), "
        "(select sum(total_points) from marts.mart_worker_points_monthly)"
    ).fetchone()
    assert ledger is not None and ledger == monthly
    per_worker = con.execute(
        """
        select count(*) from marts.mart_worker_points_monthly as m
        full join (
            select points_month, staff_id, sum(points) as points, count(*) as lines
            from marts.fct_worker_points_ledger group by all
        ) as l using (points_month, staff_id)
        where coalesce(m.total_points, -999) <> coalesce(l.points, 0) or m.ledger_lines <> coalesce(l.lines, 0)
        """
    ).fetchone()[0]
    assert per_worker == 0


def test_every_worker_active_in_a_month_has_a_monthly_row(con, tiny_sandbox):
    months = con.execute("select distinct points_month, rule_id from marts.fct_worker_points_ledger").fetchall()
    assert ("2026-10", "R1") in months
    # before the window only the petitions of the backlog, mediated and closed then (R6)
    assert {rule for month, rule in months if month != "2026-10"} <= {"R6"}
    workers = {
        s.staff_id
        for s in tiny_sandbox.stand_ins["smart_city"].world.staff
        if s.role in ("fulltime_worker", "parttime_worker")
    }
    rows = {w for (w,) in con.execute("select staff_id from marts.mart_worker_points_monthly").fetchall()}
    assert workers and rows == workers


def test_valid_reports_are_the_workers_own_registered_reports(con, tiny_sandbox):
    """R1 lines are exactly the events the world says a grid worker reported and the
    platform registered (受理), each under its reporter; a duplicate earns nothing."""
    from tests.orchestration.test_pipeline import _visible

    truth = {
        rid: e.reporter_staff_id
        for rid, (e, vi) in _visible(tiny_sandbox).items()
        if e.reporter_type.endswith("_worker") and any(t.state == "registered" for t in e.transitions[: vi + 1])
    }
    lines = con.execute(
        "select source_record_id, staff_id, base_points, duplicate_of from marts.fct_worker_points_ledger "
        "where rule_id = 'R1'"
    ).fetchall()
    assert truth and {r: w for r, w, _, _ in lines} == truth
    assert len(lines) == len(truth)
    assert all(points == 0 for _, _, points, dup in lines if dup)
    assert all(points > 0 for _, _, points, dup in lines if not dup)


def test_points_explain_prints_the_month_line_by_line(tiny_warehouse, con):
    settings, _ = tiny_warehouse
    worker, total, lines = con.execute(
        "select staff_id, total_points, ledger_lines from marts.mart_worker_points_monthly "
        "where ledger_lines > 2 order by ledger_lines desc, staff_id limit 1"
    ).fetchone()
    done = _explain(settings, worker, "2026-10")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert f"grid worker {worker}" in out
    printed = [line for line in out.splitlines() if line.startswith("  ") and " v1 " in line]
    assert len(printed) == lines
    assert out.rstrip().splitlines()[-1] == f"合计 total: {_fmt(total)}"
    bad = _explain(settings, worker, "2026-13")
    assert bad.returncode == 2 and "YYYY-MM" in bad.stderr
    nobody = _explain(settings, "NOBODY", "2026-10")
    assert nobody.returncode == 2 and "no points for worker NOBODY" in nobody.stderr


def test_points_explain_states_ranks_the_grade_rule_sub_items_and_who_rejected(tiny_warehouse, con):
    settings, _ = tiny_warehouse
    worker, pool, county, rank, total = con.execute(
        "select staff_id, points_pool, county_code, county_rank, total_points from marts.mart_worker_points_monthly "
        "where points_month = '2026-10' and r2_lines > 0 order by ledger_lines desc, staff_id limit 1"
    ).fetchone()
    done = _explain(settings, worker, "2026-10")
    assert done.returncode == 0, done.stderr
    out = done.stdout.splitlines()
    ranked, totals, higher = con.execute(
        "select count(*), count(distinct total_points), count(*) filter (where total_points > ?) "
        "from marts.mart_worker_points_monthly where points_month = '2026-10' and points_pool = ? and county_code = ?",
        [total, pool, county],
    ).fetchone()
    county_line = next(line for line in out if "县区排名 county rank" in line)
    assert f"rank {rank} of {totals} distinct totals" in county_line
    assert f"{higher} of the {ranked} workers ranked in the county's pool scored higher" in county_line
    grade_line = next(line for line in out if "等次 grade" in line)
    assert f"top 20% of the {ranked} workers" in grade_line and "bottom 10%" in grade_line
    # every line of an event names its sub-item; a false report says who rejected it and when
    named = dict(con.execute("select event_type_code, event_type_name from marts.dim_event_type").fetchall())
    subitems = con.execute(
        "select subitem_code from marts.fct_worker_points_ledger where staff_id = ? and points_month = '2026-10' "
        "and subitem_code is not null",
        [worker],
    ).fetchall()
    printed = [line for line in out if "事项 sub-item" in line]
    assert len(printed) == len(subitems)
    assert all(f"事项 sub-item {code} {named[code]}" in "\n".join(printed) for (code,) in subitems)
    rejected = [line for line in out if " R2 v" in line]
    assert rejected and all("rejected as false by" in line for line in rejected)


def _explain(settings, worker: str, month: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "govhub.cli", "points", "explain", "--worker", worker, "--month", month],
        capture_output=True,
        text=True,
        env={"GOVHUB_WAREHOUSE_PATH": str(settings.warehouse_path), "PATH": ""},
        timeout=120,
    )


def _fmt(points) -> str:
    from govhub.points import _fmt

    return _fmt(points)
