"""The points of hand-written scenarios (tests/sandbox/scenarios/*.yaml), served by the
stand-ins beside the tiny world and taken through the whole pipeline: the ledger and the
months of the scenario's workers must be exactly what the file works out by hand."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from sandbox.scenario import Scenario
from sandbox.serve import SandboxConfig, start_sandbox
from tests.conftest import point_pipeline_at
from warehouse.duckdb import connect

pytestmark = pytest.mark.e2e

SCENARIOS = Path(__file__).resolve().parents[1] / "sandbox" / "scenarios"


@pytest.fixture(scope="module")
def points_rules(tmp_path_factory):
    """The `points_rules` scenario through the pipeline: (scenario, warehouse connection)."""
    from orchestration.runner import run_pipeline
    from warehouse.settings import configure_environment

    path = SCENARIOS / "points_rules.yaml"
    scenario = Scenario.load(path)
    running = start_sandbox(SandboxConfig(preset="tiny", start=scenario.start, end=scenario.end, scenario=str(path)))
    root = tmp_path_factory.mktemp("scenario")
    try:
        with pytest.MonkeyPatch.context() as mp:
            point_pipeline_at(mp, root, running)
            settings = configure_environment()
            run_pipeline(scenario.start, scenario.end, progress=lambda _: None)
            con = connect(settings.warehouse_path, read_only=True)
            yield scenario, con, settings
            con.close()
    finally:
        running.stop()


def _assert_rows_of_scenario_staff(scenario, con, columns: str, table: str, expected: list[tuple]) -> None:
    """The rows of the scenario's workers in `table` are exactly `expected` (the numbers of
    the file's tuples compared as decimals where the table has decimals)."""
    ids = sorted(scenario.spec["staff"])
    got = con.execute(
        f"select {columns} from marts.{table} where staff_id in ({', '.join('?' * len(ids))}) order by all", ids
    ).fetchall()
    missing, extra = sorted(set(expected) - set(got)), sorted(set(got) - set(expected))
    assert (missing, extra) == ([], [])
    assert len(got) == len(expected)


def test_the_ledger_of_the_scenario_workers_is_exactly_the_hand_worked_one(points_rules):
    scenario, con, _ = points_rules
    expected = [(str(m), w, r, s, Decimal(p)) for m, w, r, s, p in scenario.expect["ledger"]]
    columns = "points_month, staff_id, rule_id, source_record_id, points"
    _assert_rows_of_scenario_staff(scenario, con, columns, "fct_worker_points_ledger", expected)


def test_the_months_of_the_scenario_workers_and_their_ranks(points_rules):
    scenario, con, _ = points_rules
    expected = [(str(m), w, pool, Decimal(t), n) for m, w, pool, t, n in scenario.expect["monthly"]]
    columns = "points_month, staff_id, points_pool, total_points, ledger_lines"
    _assert_rows_of_scenario_staff(scenario, con, columns, "mart_worker_points_monthly", expected)
    # ranked among the world's workers of their township and pool: dense, ties share
    wrong = con.execute(
        """
        select m.points_month, m.staff_id, m.township_rank,
               1 + (select count(distinct o.total_points) from marts.mart_worker_points_monthly o
                    where o.points_month = m.points_month and o.points_pool = m.points_pool
                      and o.township_code = m.township_code and o.total_points > m.total_points) as expected
        from marts.mart_worker_points_monthly m
        where m.township_rank <> expected
        """
    ).fetchall()
    assert wrong == []


def test_the_reasons_a_worker_reads(points_rules):
    _, con, _ = points_rules
    reasons = dict(
        con.execute(
            "select source_record_id || ':' || rule_id, reason_en from marts.fct_worker_points_ledger "
            "where staff_id like 'SW%'"
        ).fetchall()
    )
    assert reasons["SCN-E06:R1"] == "duplicate of smart_city:SCN-E01: no points"
    assert reasons["SCN-E05:R1"] == "valid report: daily cap reached (20), no points"
    assert reasons["SCN-E17:R1"] == "valid report: daily cap reached (20), 1 of 2 points"
    assert reasons["SCN-V2:R5"] == "home visit: household already visited this month"
    assert reasons["SCN-A4:R4"] == "alarm response: on site more than 60 minutes after the push"
    assert reasons["SCN-A5:R4"] == "alarm response: no arrival before the alarm closed"


def test_a_rule_change_mid_year_applies_from_its_day_and_leaves_the_closed_month(points_rules, tmp_path):
    """September is closed; the centre then doubles R1 from 2 October in the rules seed.
    Built again (incrementally: the rule change builds the ledger again), September rescores
    the same bit for bit; in October only the R1 lines from the 2nd on change."""
    import shutil

    from tests.dbt_project.dbt_cli import dbt_env, project_with_new_rule_version, run_dbt
    from warehouse.scores import close_month

    scenario, _, settings = points_rules
    shutil.copy(settings.warehouse_path, tmp_path / "kaifeng.duckdb")
    con = connect(tmp_path / "kaifeng.duckdb")
    try:
        september = close_month(con, "2026-09", "close")
        before = dict(_ledger(con))
    finally:
        con.close()
    project, _ = project_with_new_rule_version(
        tmp_path, "R1", "2026-10-02", multiplier_fulltime="2.0", multiplier_parttime="2.0"
    )
    done = run_dbt(
        ["build", "--exclude-resource-type", "unit_test", "--exclude-resource-type", "test"],
        dbt_env(tmp_path / "kaifeng.duckdb", settings.lake_dir),
        tmp_path,
        project_dir=project,
    )
    assert done.returncode == 0, done.stdout[-3000:]
    con = connect(tmp_path / "kaifeng.duckdb")
    try:
        again = close_month(con, "2026-09", "rescore")
        after = dict(_ledger(con))
    finally:
        con.close()
    assert again.reproduced and again.figures_fingerprint == september.figures_fingerprint
    changed = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
    # SCN-E16, SW3's report of 2 October 15:00, is the scenario's only R1 line from the 2nd on
    assert changed == {("SW3", "R1", "SCN-E16"): ((1, Decimal("2.00")), (2, Decimal("4.00")))}


def _ledger(con):
    return [
        ((w, r, s), (v, p))
        for w, r, s, v, p in con.execute(
            "select staff_id, rule_id, source_record_id, rule_version, points from marts.fct_worker_points_ledger "
            "where staff_id like 'SW%'"
        ).fetchall()
    ]
