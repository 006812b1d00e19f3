"""The Dagster definitions load, and their asset graph, jobs and schedules are as designed."""

from dagster import AssetKey

from orchestration.definitions import defs


def _graph():
    return defs.resolve_asset_graph()


def test_definitions_load_with_expected_jobs_and_schedules():
    job_names = {j.name for j in defs.resolve_all_job_defs()}
    assert {
        "smart_city_events",
        "smart_city_reference",
        "sharp_eyes_events",
        "sharp_eyes_reference",
        "smart_parking_events",
        "smart_parking_reference",
        "civil_affairs_events",
        "petitions_files",
        "warehouse_build",
        "near_real_time",
        "points_close_month",
        "reports_annual_assessment",
        "retention_monthly",
    } <= job_names
    assert {s.name for s in defs.schedules} >= {
        "warehouse_hourly",
        "smart_parking_events_daily",
        "civil_affairs_events_daily",
        "points_close_previous_month",
        "reports_assess_previous_year",
        "retention_monthly",
    }
    assert {s.name for s in defs.sensors} == {
        "petitions_inbox_sensor",
        "freshness_checks_sensor",
        "near_real_time_sensor",
        "warehouse_after_landing",
        "alert_on_run_failure",
        "warehouse_after_retention",
        "alert_on_check_failure",
    }


def test_raw_assets_of_smart_city_exist_with_daily_partitions_for_events():
    graph = _graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    for entity in ("service_requests", "services", "grids", "staff", "departments"):
        assert f"smart_city/raw/{entity}" in keys
    for entity in ("cameras", "events", "handling_records"):
        assert f"sharp_eyes/raw/{entity}" in keys
    for entity in ("lots", "sessions", "violations"):
        assert f"smart_parking/raw/{entity}" in keys
    for entity in ("households", "recipients", "payments", "applications", "visits"):
        assert f"civil_affairs/raw/{entity}" in keys
    assert "petitions/raw/cases" in keys
    events = graph.get(AssetKey(["smart_city", "raw", "service_requests"]))
    assert events.partitions_def is not None
    assert events.partitions_def.timezone == "Asia/Shanghai"


def test_dbt_sources_are_linked_to_the_raw_assets():
    graph = _graph()
    # raw -> base_ (every landed row, checked) -> stg_ (the conformed versions); a whole list
    # has its versions in between (base_..._versions)
    events, grids = "base_smart_city__service_requests", "base_smart_city__grids"
    assert AssetKey(["smart_city", "raw", "service_requests"]) in graph.get(AssetKey(["staging", events])).parent_keys
    assert (
        AssetKey(["staging", events])
        in graph.get(AssetKey(["staging", "stg_smart_city__service_requests"])).parent_keys
    )
    assert AssetKey(["smart_city", "raw", "grids"]) in graph.get(AssetKey(["staging", grids])).parent_keys
    versions = AssetKey(["staging", f"{grids}_versions"])
    assert AssetKey(["staging", grids]) in graph.get(versions).parent_keys
    assert versions in graph.get(AssetKey(["staging", "stg_smart_city__grids"])).parent_keys


def test_published_marts_exist_and_are_grouped_by_layer():
    graph = _graph()
    for name in (
        "dim_division",
        "dim_grid",
        "dim_grid_staff",
        "dim_department",
        "dim_event_type",
        "fct_governance_events",
        "fct_event_lifecycle",
        "fct_dispatch_tasks",
        "fct_alarm_responses",
        "fct_home_visits",
        "fct_petitions",
    ):
        node = graph.get(AssetKey(["marts", name]))
        assert node.group_name == "marts"
    assert graph.get(AssetKey(["staging", "stg_smart_city__grids"])).group_name == "staging"
    assert graph.get(AssetKey(["intermediate", "int_events__located"])).group_name == "intermediate"


def test_dbt_tests_are_asset_checks():
    checks = {k.name for k in _graph().asset_check_keys}
    assert any(name.startswith("unique_fct_governance_events_event_id") for name in checks)


def _evaluate(name: str, at: str):
    from datetime import datetime

    from dagster import build_schedule_context

    from sandbox.clock import SHANGHAI

    sched = next(s for s in defs.schedules if s.name == name)
    ctx = build_schedule_context(
        scheduled_execution_time=datetime.fromisoformat(at).replace(tzinfo=SHANGHAI),
        repository_def=defs.get_repository_def(),
    )
    return sched.evaluate_tick(ctx).run_requests


def test_near_real_time_pulls_today_and_daily_pulls_yesterday_in_shanghai_time():
    from datetime import datetime

    from dagster import DagsterInstance, DagsterRun, DagsterRunStatus, build_sensor_context

    from sandbox.clock import SHANGHAI

    sensor = defs.resolve_sensor_def("near_real_time_sensor")
    with DagsterInstance.ephemeral() as instance:
        today = datetime.now(SHANGHAI).date().isoformat()
        (request,) = sensor.evaluate_tick(
            build_sensor_context(instance=instance, repository_def=defs.get_repository_def())
        ).run_requests
        assert request.partition_key == today  # Kaifeng's day, whatever the day is in UTC
        # never a second run while one is going
        instance.add_run(DagsterRun(job_name="near_real_time", run_id="going", status=DagsterRunStatus.STARTED))
        tick = sensor.evaluate_tick(build_sensor_context(instance=instance, repository_def=defs.get_repository_def()))
        assert tick.run_requests == [] and "still going" in tick.skip_message
    assert [r.partition_key for r in _evaluate("smart_parking_events_daily", "2026-11-01T01:30:00")] == ["2026-10-31"]
    assert [r.partition_key for r in _evaluate("civil_affairs_events_daily", "2026-11-01T01:30:00")] == ["2026-10-01"]


def test_the_year_just_ended_is_assessed_on_3_january():
    (request,) = _evaluate("reports_assess_previous_year", "2027-01-03T05:00:00")
    assert request.partition_key == "2026" and request.run_key == "reports_annual_assessment:2026"


def test_a_python_c_process_lives_on_after_loading_the_definitions():
    """`python -c` (how scripts and the reliability tests run the pipeline) must survive the
    import of everything the definitions load: pyspark ends such a process, as if it ran
    doctests, when its Spark Connect libraries are missing and a library imports them."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", "import orchestration.definitions; print('still here')"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0 and done.stdout.strip().endswith("still here"), done.stderr[-2000:]
