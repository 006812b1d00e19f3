"""The dbt unit tests (hand-written fixtures in models/**/_*__unit_tests.yml) and the
documentation site, run by dbt on a copy of the tiny pipeline's warehouse.

The unit tests pin grid assignment on hand-placed points (inside, on a border, outside
every grid), the grid version valid on an event's day, a worker who moved grids mid-month,
the incident links between reports, and the quarantine rules of a landed row. `dbt build`
in the pipeline leaves them out (they need no data); here each must pass.
"""

from __future__ import annotations

import json
import re
import shutil

import pytest

from tests.dbt_project.dbt_cli import DBT_PROJECT_DIR, dbt_env, run_dbt

EXPECTED_UNIT_TESTS = {
    "grid_matches_inside_border_outside",
    "located_by_grid_version_valid_on_the_day",
    "incidents_within_two_hours_of_the_first_report",
    "home_visit_takes_the_worker_grid_valid_on_the_visit_day",
    "service_request_checks",
    "points_candidates_from_each_source",
    "points_daily_cap_in_time_order_with_ties_by_source_id",
    "points_alarm_response_bands_at_their_exact_boundaries",
    "points_home_visit_once_per_household_and_month_in_asia_shanghai",
    "points_rule_change_mid_year_takes_effect_from_its_date",
    "points_monthly_ranks_grades_and_a_worker_reassigned_mid_month",
    "assessment_monthly_indicators_redistribution_and_insufficient_data",
    "assessment_annual_is_computed_over_the_year_not_averaged",
    "assessment_ranks_on_unrounded_composites_and_lists_every_department",
    "civil_affairs_tasks_fall_due_by_the_subitem_time_limit",
    "petition_deadlines_are_decided_once_met_or_passed",
}


def _results(root, kind: str) -> list[dict]:
    """The run results of dbt's last command in `root` for nodes of a kind ("test.",
    "unit_test.", "model."): the build's own hooks left out."""
    results = json.loads((root / "dbt_target" / "run_results.json").read_text())["results"]
    return [r for r in results if r["unique_id"].startswith(kind)]


@pytest.fixture(scope="module")
def warehouse_copy(tiny_warehouse, tmp_path_factory):
    settings, _ = tiny_warehouse
    root = tmp_path_factory.mktemp("dbt_copy")
    shutil.copy(settings.warehouse_path, root / "kaifeng.duckdb")
    return root, dbt_env(root / "kaifeng.duckdb", settings.lake_dir)


def test_every_dbt_unit_test_passes(warehouse_copy):
    root, env = warehouse_copy
    done = run_dbt(["test", "--select", "test_type:unit"], env, root)
    assert done.returncode == 0, done.stdout[-6000:]
    results = _results(root, "unit_test.")
    ran = {r["unique_id"].split(".")[-1]: r["status"] for r in results}
    assert EXPECTED_UNIT_TESTS <= set(ran)
    assert all(status == "pass" for status in ran.values()), ran


def test_docs_generate_documents_every_published_column_in_chinese_and_english(warehouse_copy):
    root, env = warehouse_copy
    done = run_dbt(["docs", "generate"], env, root)
    assert done.returncode == 0, done.stdout[-6000:]
    target = root / "dbt_target"
    assert (target / "index.html").exists()
    catalog = json.loads((target / "catalog.json").read_text())
    manifest = json.loads((target / "manifest.json").read_text())
    marts = {
        n["name"]: n for n in manifest["nodes"].values() if n["resource_type"] == "model" and n["schema"] == "marts"
    }
    assert len(marts) >= 11
    for name, node in marts.items():
        assert re.search(r"[\u4e00-\u9fff]", node["description"]), name
        assert node["config"]["contract"]["enforced"], name
        built = catalog["nodes"][node["unique_id"]]["columns"]
        assert set(built) == set(node["columns"]), name  # every built column is documented
        for col, spec in node["columns"].items():
            # "中文标签 | English description."
            label, _, english = spec["description"].partition(" | ")
            assert re.search(r"[\u4e00-\u9fff]", label) and re.search(r"[A-Za-z]{3}", english), f"{name}.{col}"
    assert (DBT_PROJECT_DIR / "models" / "marts").is_dir()


def test_the_row_accounting_check_fails_the_build_when_a_landed_row_is_lost(warehouse_copy):
    """Drop one record's versions from staging (as a faulty model would): the accounting
    shows it unaccounted and its blocking test fails `dbt build`."""
    from warehouse.duckdb import connect

    root, env = warehouse_copy
    con = connect(root / "kaifeng.duckdb")
    try:
        stg = "staging.stg_smart_city__service_requests"
        victim = con.execute(f"select min(service_request_id) from {stg}").fetchone()[0]
        lost = con.execute(f"select load_id from {stg} where service_request_id = ?", [victim]).fetchall()
        con.execute(f"alter view {stg} rename to stg_smart_city__service_requests_whole")
        con.execute(
            f"create view {stg} as select * from staging.stg_smart_city__service_requests_whole "
            f"where service_request_id <> '{victim}'"
        )
    finally:
        con.close()
    assert len(lost) >= 1
    # built from scratch: an incremental build accounts for new loads only, and there are none
    done = run_dbt(
        ["build", "--full-refresh", "--select", "row_accounting", "assert_row_accounting_balances"], env, root
    )
    assert done.returncode != 0
    results = json.loads((root / "dbt_target" / "run_results.json").read_text())["results"]
    status = {r["unique_id"].split(".")[-1]: (r["status"], r.get("failures")) for r in results}
    assert status["row_accounting"][0] == "success"
    assert status["assert_row_accounting_balances"] == ("fail", len({load for (load,) in lost}))


BUSINESS_RULE_BREAKS = {
    "assert_events_close_after_they_are_reported": (
        "update marts.fct_governance_events set closed_at = reported_at - interval 1 hour "
        "where event_id = (select min(event_id) from marts.fct_governance_events where closed_at is not null)"
    ),
    "assert_tasks_are_handled_after_dispatch_and_accepted_after_handling": (
        "update marts.fct_dispatch_tasks set accepted_at = last_handled_at - interval 1 minute "
        "where task_id = (select min(task_id) from marts.fct_dispatch_tasks where accepted_at is not null "
        "and last_handled_at is not null)"
    ),
    "assert_alarm_arrivals_follow_the_push": (
        "update marts.fct_alarm_responses set arrived_at = pushed_at - interval 5 minute "
        "where alarm_id = (select min(alarm_id) from marts.fct_alarm_responses where arrived_at is not null)"
    ),
    "assert_petitions_are_answered_after_registration": (
        "update marts.fct_petitions set replied_on = registered_on - 1 "
        "where case_id = (select min(case_id) from marts.fct_petitions)"
    ),
    "assert_lookup_codes_are_unique_and_present": (
        "update marts.dim_grade set grade = (select max(grade) from marts.dim_grade) "
        "where grade = (select min(grade) from marts.dim_grade)"
    ),
}


def test_the_business_rule_tests_pass_on_the_pipeline_and_fail_on_a_broken_row(warehouse_copy):
    from warehouse.duckdb import connect

    root, env = warehouse_copy
    select = ["test", "--select", "path:tests/marts"]
    done = run_dbt(select, env, root)
    assert done.returncode == 0, done.stdout[-4000:]
    con = connect(root / "kaifeng.duckdb")
    try:
        for sql in BUSINESS_RULE_BREAKS.values():
            assert con.execute(sql).fetchone()[0] == 1
    finally:
        con.close()
    done = run_dbt(select, env, root)
    assert done.returncode != 0
    results = _results(root, "test.")
    status = {r["unique_id"].split(".")[-1]: (r["status"], r["failures"]) for r in results}
    assert status == {name: ("fail", 1) for name in BUSINESS_RULE_BREAKS}


def test_every_model_has_data_tests(warehouse_copy):
    root, env = warehouse_copy
    done = run_dbt(["parse"], env, root)
    assert done.returncode == 0, done.stdout[-4000:]
    manifest = json.loads((root / "dbt_target" / "manifest.json").read_text())
    models = {uid for uid, n in manifest["nodes"].items() if n["resource_type"] == "model"}
    tested = {
        dep for n in manifest["nodes"].values() if n["resource_type"] == "test" for dep in n["depends_on"]["nodes"]
    }
    assert len(models) > 60
    assert sorted(m.split(".")[-1] for m in models - tested) == []


def test_a_second_current_version_of_a_listed_record_fails_its_staging_test(tiny_warehouse, tmp_path):
    from warehouse.duckdb import connect

    settings, _ = tiny_warehouse
    shutil.copy(settings.warehouse_path, tmp_path / "kaifeng.duckdb")
    env = dbt_env(tmp_path / "kaifeng.duckdb", settings.lake_dir)
    select = ["test", "--select", "stg_smart_city__staff,test_name:one_row_per_version"]
    done = run_dbt(select, env, tmp_path)
    assert done.returncode == 0, done.stdout[-4000:]
    con = connect(tmp_path / "kaifeng.duckdb")
    try:
        # the same staff member listed by the latest load with another content, seen a minute later
        con.execute(
            "insert into staging.base_smart_city__staff_versions "
            "select * replace (first_seen_at + interval 1 minute as first_seen_at, 'another' as _version) "
            "from staging.base_smart_city__staff_versions "
            "where staff_id = (select min(staff_id) from staging.stg_smart_city__staff where is_current)"
            " and last_listed_at = (select max(last_listed_at) from staging.base_smart_city__staff_versions)"
        )
    finally:
        con.close()
    done = run_dbt(select, env, tmp_path)
    assert done.returncode != 0
    results = _results(tmp_path, "test.")
    assert [(r["status"], r["failures"]) for r in results] == [("fail", 2)]


def test_the_lookup_test_covers_every_lookup_seed():
    seeds = {p.stem for p in (DBT_PROJECT_DIR / "seeds" / "codes").glob("*.csv")}
    test = (DBT_PROJECT_DIR / "tests" / "marts" / "assert_lookup_codes_are_unique_and_present.sql").read_text()
    covered = set(re.findall(r"'(dim_\w+)': '\w+'", test))
    assert len(seeds) >= 7 and covered == seeds
