"""Closing a month of points, and rescoring it after the rules changed, on a copy of the
tiny pipeline's warehouse (the points models rebuilt by dbt after each rule change)."""

from __future__ import annotations

import shutil

import pytest

from tests.dbt_project.dbt_cli import dbt_env, run_dbt
from warehouse.duckdb import connect
from warehouse.scores import close_month, figures_fingerprint

pytestmark = pytest.mark.slow  # dbt on a project or warehouse of its own: make test-all

MONTH = "2026-10"


@pytest.fixture
def copy(tiny_warehouse, tmp_path):
    settings, _ = tiny_warehouse
    shutil.copy(settings.warehouse_path, tmp_path / "kaifeng.duckdb")
    return tmp_path, dbt_env(tmp_path / "kaifeng.duckdb", settings.lake_dir)


def _change_r1(root, env, from_day: str, multiplier: float) -> None:
    """A new version of R1 from `from_day` with another multiplier for both pools, the
    current one ended the day before; then the points models rebuilt. The rules are edited
    in the warehouse's seed table, not in the seed file an incremental build watches
    (tests/dbt_project/test_incremental.py changes the file), so the rebuild is asked for."""
    con = connect(root / "kaifeng.duckdb")
    try:
        con.execute("update rules.points_rules set valid_to = ?::date where rule_id = 'R1' and version = 1", [from_day])
        con.execute(
            "insert into rules.points_rules select rule_id, 2, ?::date, null, name_zh, name_en, points, ?, ? "
            "from rules.points_rules where rule_id = 'R1' and version = 1",
            [from_day, multiplier, multiplier],
        )
    finally:
        con.close()
    done = run_dbt(["run", "--full-refresh", "--select", "step_points__candidates+"], env, root)
    assert done.returncode == 0, done.stdout[-3000:]


def _closed(root, run_id: str):
    con = connect(root / "kaifeng.duckdb")
    try:
        scoring = close_month(con, MONTH, run_id)
        kept = con.execute(
            "select count(*), sum(points) from scores.worker_points_ledger where points_month = ?", [MONTH]
        ).fetchone()
        marts = con.execute(
            "select count(*), sum(points) from marts.fct_worker_points_ledger where points_month = ?", [MONTH]
        ).fetchone()
        versions = dict(
            con.execute(
                "select rule_version, count(*) from scores.worker_points_ledger where rule_id = 'R1' group by 1"
            ).fetchall()
        )
        return scoring, kept, marts, versions
    finally:
        con.close()


def test_a_closed_month_rescored_after_a_later_rule_change_is_the_same_bit_for_bit(copy):
    root, env = copy
    first, kept, marts, versions = _closed(root, "run-1")
    assert first.reproduced is None and first.lines > 0 and first.workers > 0
    assert kept == marts and versions == {1: versions[1]}
    # the centre doubles R1 from November: October, rescored, does not move
    _change_r1(root, env, "2026-11-01", 2.0)
    again, kept_again, _, versions = _closed(root, "run-2")
    assert again.reproduced is True
    assert again.figures_fingerprint == first.figures_fingerprint
    assert again.rules_fingerprint == first.rules_fingerprint
    assert kept_again == kept and set(versions) == {1}


def test_a_rule_change_inside_the_month_changes_its_rescoring(copy):
    root, env = copy
    first, kept, _, _ = _closed(root, "run-1")
    _change_r1(root, env, "2026-10-03", 2.0)  # the tiny world runs 1..5 October
    again, kept_again, marts, versions = _closed(root, "run-2")
    assert again.reproduced is False and again.previous_fingerprint == first.figures_fingerprint
    assert again.rules_fingerprint != first.rules_fingerprint
    assert kept_again == marts and kept_again[1] > kept[1]
    assert set(versions) == {1, 2}


def test_the_scored_copy_is_the_marts_month(copy):
    root, _ = copy
    _closed(root, "run-1")
    con = connect(root / "kaifeng.duckdb", read_only=True)
    try:
        assert figures_fingerprint(con, MONTH, "scores") == figures_fingerprint(con, MONTH, "marts")
        with pytest.raises(ValueError, match="YYYY-MM"):
            close_month(con, "2026-13", "x")
    finally:
        con.close()
