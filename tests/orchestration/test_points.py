"""Closing a month of points through Dagster: refused while the month's data is not
complete, scored with `force`, and a rescoring says it reproduced the figures."""

from __future__ import annotations

import shutil

import pytest
from dagster import DagsterInstance, materialize

from orchestration.points.assets import ScoreMonthConfig, close_previous_month, closed_month, incomplete_sources
from orchestration.resources import WarehouseResource


@pytest.fixture
def warehouse(tiny_warehouse, tmp_path):
    settings, _ = tiny_warehouse
    shutil.copy(settings.warehouse_path, tmp_path / "kaifeng.duckdb")
    return WarehouseResource(warehouse_path=str(tmp_path / "kaifeng.duckdb"), lake_dir=str(settings.lake_dir))


def _close(warehouse, force: bool, instance):
    return materialize(
        [closed_month],
        partition_key="2026-10-01",
        resources={"warehouse": warehouse},
        run_config={"ops": {"scores__closed_month": {"config": ScoreMonthConfig(force=force).model_dump()}}},
        instance=instance,
        raise_on_error=False,
    )


def test_an_incomplete_month_is_refused_then_scored_on_request(warehouse):
    # the tiny world ends on 5 October: no daily source has landed a day after October
    missing = incomplete_sources(warehouse.lake_dir, "2026-10")
    assert "smart_city.service_requests" in missing and "smart_parking.sessions" in missing
    assert incomplete_sources(warehouse.lake_dir, "2026-09") == []
    instance = DagsterInstance.ephemeral()
    refused = _close(warehouse, False, instance)
    assert not refused.success
    failure = next(e for e in refused.all_events if e.is_step_failure)
    assert "2026-10 is not complete" in str(failure.event_specific_data.error.message)
    forced = _close(warehouse, True, instance)
    assert forced.success
    meta = forced.asset_materializations_for_node("scores__closed_month")[0].metadata
    assert meta["reproduced"].value == "first scoring" and meta["scored_incomplete"].value is True
    assert meta["ledger_lines"].value > 0
    again = _close(warehouse, True, instance)
    meta2 = again.asset_materializations_for_node("scores__closed_month")[0].metadata
    assert meta2["reproduced"].value == "true"
    assert meta2["figures_fingerprint"].value == meta["figures_fingerprint"].value


def test_the_schedule_closes_the_month_before_on_the_third():
    from datetime import datetime

    from dagster import build_schedule_context

    from sandbox.clock import SHANGHAI

    context = build_schedule_context(scheduled_execution_time=datetime(2026, 12, 3, 4, 0, tzinfo=SHANGHAI))
    request = close_previous_month(context)
    assert request.partition_key == "2026-11-01"
    context = build_schedule_context(scheduled_execution_time=datetime(2027, 1, 3, 4, 0, tzinfo=SHANGHAI))
    assert close_previous_month(context).partition_key == "2026-12-01"
