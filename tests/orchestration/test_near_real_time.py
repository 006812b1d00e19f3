"""The near-real-time run: today's Smart City and Sharp Eyes landings, then only the models
they feed, incrementally, and the live board published beside the BI copy."""

from __future__ import annotations

import shutil
from datetime import date

import pytest

from connectors.common.lake import Lake
from tests.conftest import point_pipeline_at
from tests.dbt_project import lake_steps
from warehouse.duckdb import connect
from warehouse.publish import LIVE_NAME

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def near_real_time_run(tiny_warehouse, tiny_sandbox, tmp_path_factory):
    """A copy of the tiny pipeline's warehouse, a late Smart City update landed into its lake,
    then one near_real_time run: (warehouse before, warehouse after, the run's result)."""
    from dagster import DagsterInstance

    from orchestration.runner import job_runner
    from warehouse.settings import configure_environment

    settings, _ = tiny_warehouse
    root = tmp_path_factory.mktemp("near_real_time")
    shutil.copy(settings.warehouse_path, root / "before.duckdb")
    shutil.copy(settings.warehouse_path, root / "kaifeng.duckdb")
    shutil.copytree(settings.lake_dir, root / "lake")
    with pytest.MonkeyPatch.context() as mp:
        point_pipeline_at(mp, root, tiny_sandbox)
        configure_environment()
        late = lake_steps.smart_city_late_update(Lake(root / "lake"), date(2026, 10, 5))
        run = job_runner("in_process", DagsterInstance.ephemeral())
        result = run("near_real_time", {"dagster/partition": "2026-10-05"})
        yield root / "before.duckdb", root / "kaifeng.duckdb", result, late


def _one(path, sql):
    con = connect(path, read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_the_run_lands_and_builds_only_the_near_real_time_models(near_real_time_run):
    _, _, result, _ = near_real_time_run
    assert result.success
    built = {e.materialization.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert {
        "marts/fct_governance_events",
        "marts/fct_alarm_responses",
        "marts/mart_live_open_items",
        "bi/live_board",
    } <= built
    assert "smart_city/raw/service_requests" in built and "sharp_eyes/raw/events" in built
    # nothing the path does not feed: the other sources' models, the points, the scorecards
    assert (
        not {"marts/fct_home_visits", "marts/mart_worker_points_monthly", "marts/mart_grid_scorecard_monthly"} & built
    )


def test_a_late_update_reaches_the_event_facts_in_that_run(near_real_time_run):
    before, after, _, late = near_real_time_run
    sql = (
        "select e.event_id, e.current_state from marts.fct_governance_events e "
        "join staging.base_smart_city__service_requests b on 'smart_city:' || b.service_request_id = e.event_id "
        f"where b.load_id = '{late}'"
    )
    ((event_id, state),) = _one(after, sql)
    assert state == "closed"
    assert _one(
        after,
        f"select max(state) filter (where seq = (select max(seq) from marts.fct_event_lifecycle where event_id = '{event_id}')) from marts.fct_event_lifecycle where event_id = '{event_id}'",
    ) == [("closed",)]
    # the marts the path leaves alone are as they were
    same = "select count(*), max(_loaded_at) from marts.{}"
    for table in ("fct_home_visits", "mart_worker_points_monthly"):
        assert _one(after, same.format(table)) == _one(before, same.format(table)), table


def test_the_live_board_is_published_on_its_own(near_real_time_run):
    _, after, _, _ = near_real_time_run
    live = after.parent / "published" / LIVE_NAME
    got = _one(live, "select count(*) from marts.mart_live_open_items")
    assert got == _one(after, "select count(*) from marts.mart_live_open_items")
    # the board and the contract it is published under, nothing else
    assert _one(live, "select table_schema || '.' || table_name from information_schema.tables order by 1") == [
        ("contract.version",),
        ("marts.mart_live_open_items",),
    ]


def test_the_landings_are_validated_but_keep_no_data_docs_pages(near_real_time_run):
    _, after, result, _ = near_real_time_run
    checks = {(e.asset_key.to_user_string(), e.check_name): e.passed for e in result.get_asset_check_evaluations()}
    assert checks[("smart_city/raw/service_requests", "gx_blocking")] is True
    assert ("sharp_eyes/raw/events", "gx_warnings") in checks
    # a page per entity every half minute would bury the daily runs' pages
    kept = after.parent / "quality"
    assert not [p for p in kept.rglob("*") if p.is_file()]
    from orchestration.definitions import defs

    assert defs.get_job_def("near_real_time").executor_def.name == "in_process"


def test_the_build_runs_no_data_test_and_keeps_its_parse_for_the_next(near_real_time_run):
    """The path's dbt build runs models only (the full build runs their tests), and leaves
    dbt's parse beside the warehouse so the next build parses only what changed."""
    import json

    from orchestration.dbt.assets import partial_parse_state
    from orchestration.dbt.project import DBT_PROJECT_DIR

    _, after, result, _ = near_real_time_run
    (results,) = (DBT_PROJECT_DIR / "target").glob(f"warehouse_models-{result.run_id[:7]}-*/run_results.json")
    ran = [r["unique_id"] for r in json.loads(results.read_text())["results"]]
    assert any(u.startswith("model.") for u in ran)
    assert not [u for u in ran if u.startswith("test.")]
    assert partial_parse_state(after, "duckdb").stat().st_size > 0
