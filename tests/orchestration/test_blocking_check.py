"""A source that changes its shape is stopped at its landing; the other sources go on.

The Smart City stand-in serves every request without `service_code`. Its landing fails the
blocking GX check, nothing built from Smart City requests is materialized, and the other
sources land and reach the warehouse as usual.
"""

from __future__ import annotations

import pytest
from dagster import AssetCheckKey, AssetKey, DagsterInstance

from sandbox.serve import SandboxConfig, start_sandbox
from tests.conftest import TINY_END, TINY_START, point_pipeline_at

pytestmark = pytest.mark.e2e

REQUESTS = AssetKey(["smart_city", "raw", "service_requests"])


@pytest.fixture(scope="module")
def broken_run(tmp_path_factory):
    from orchestration.runner import run_pipeline
    from warehouse.settings import configure_environment

    running = start_sandbox(
        SandboxConfig(preset="tiny", start=TINY_START, end=TINY_END, smart_city_drop_fields=("service_code",))
    )
    root = tmp_path_factory.mktemp("blocking")
    try:
        with pytest.MonkeyPatch.context() as mp:
            point_pipeline_at(mp, root, running)
            configure_environment()
            messages = []
            with pytest.raises(RuntimeError) as failure:
                run_pipeline(TINY_START, TINY_END, progress=messages.append)
            instance = DagsterInstance.get()
            yield instance, str(failure.value), messages
    finally:
        running.stop()


def _materialized(instance, key: AssetKey) -> bool:
    return instance.get_latest_materialization_event(key) is not None


def test_the_blocking_check_fails_and_names_the_source(broken_run):
    instance, failure, _ = broken_run
    assert "smart_city_events" in failure
    assert failure.count("(run ") == 1  # only that source's run failed
    history = instance.event_log_storage.get_asset_check_execution_history(
        AssetCheckKey(REQUESTS, "gx_blocking"), limit=1
    )
    assert history and history[0].status.value == "FAILED"
    failed = history[0].event.dagster_event.event_specific_data.metadata["failed_expectations"].value
    assert "ExpectColumnValuesToNotBeNull(service_code, mostly=0.5)" in failed


def test_nothing_built_from_smart_city_requests_is_materialized(broken_run):
    instance, _, messages = broken_run
    assert any("without the" in m for m in messages)
    for key in (
        ["staging", "base_smart_city__service_requests"],
        ["staging", "stg_smart_city__service_requests"],
        ["marts", "fct_governance_events"],
        ["marts", "fct_event_lifecycle"],
    ):
        assert not _materialized(instance, AssetKey(key)), key


def test_the_summary_shows_what_was_built_and_what_was_not(broken_run):
    from orchestration.dbt.project import ensure_manifest
    from warehouse.settings import configure_environment
    from warehouse.summary import summary

    instance, _, _ = broken_run
    settings = configure_environment()
    text = summary(settings.warehouse_path, ensure_manifest(), settings.lake_dir)
    assert "fct_governance_events" in text and "not built" in text
    assert "fct_home_visits" in text


def test_every_other_source_lands_and_reaches_the_warehouse(broken_run):
    instance, _, _ = broken_run
    for key in (
        ["smart_city", "raw", "grids"],
        ["sharp_eyes", "raw", "events"],
        ["smart_parking", "raw", "sessions"],
        ["civil_affairs", "raw", "visits"],
        ["petitions", "raw", "cases"],
        ["staging", "stg_sharp_eyes__alarms"],
        ["staging", "stg_smart_parking__sessions"],
        ["marts", "fct_home_visits"],
        ["marts", "fct_petitions"],
        ["marts", "dim_grid"],
    ):
        assert _materialized(instance, AssetKey(key)), key
