"""The monthly scorecard through Dagster: closing a month writes its scorecard, from the
closed points, and says where it is."""

from __future__ import annotations

import shutil

from dagster import DagsterInstance, materialize

from orchestration.points.assets import ScoreMonthConfig, closed_month
from orchestration.reports.assets import monthly_scorecard
from orchestration.resources import WarehouseResource


def test_closing_a_month_writes_its_scorecard(tiny_warehouse, tmp_path, monkeypatch):
    settings, _ = tiny_warehouse
    shutil.copy(settings.warehouse_path, tmp_path / "kaifeng.duckdb")
    monkeypatch.delenv("GOVHUB_REPORTS_DIR", raising=False)
    warehouse = WarehouseResource(warehouse_path=str(tmp_path / "kaifeng.duckdb"), lake_dir=str(settings.lake_dir))
    result = materialize(
        [closed_month, monthly_scorecard],
        partition_key="2026-10-01",
        resources={"warehouse": warehouse},
        run_config={
            "ops": {
                "scores__closed_month": {"config": ScoreMonthConfig(force=True).model_dump()},
                "reports__monthly_scorecard": {"config": {"map_indicator": "on_time_rate"}},
            }
        },
        instance=DagsterInstance.ephemeral(),
    )
    assert result.success
    meta = result.asset_materializations_for_node("reports__monthly_scorecard")[0].metadata
    folder = tmp_path / "reports" / "2026-10"
    assert meta["workbook"].path == str(folder / "scorecard-2026-10.xlsx")
    assert meta["report"].path == str(folder / "scorecard-2026-10.html")
    assert meta["points_from"].value == "scores (closed month)"
    points = result.asset_materializations_for_node("scores__closed_month")[0].metadata["total_points"].value
    assert meta["worker_points"].value == points
    html = (folder / "scorecard-2026-10.html").read_text(encoding="utf-8")
    assert 'value="on_time_rate" selected' in html


def test_an_unknown_map_indicator_fails_the_asset(tiny_warehouse, tmp_path):
    settings, _ = tiny_warehouse
    warehouse = WarehouseResource(warehouse_path=str(settings.warehouse_path), lake_dir=str(settings.lake_dir))
    result = materialize(
        [monthly_scorecard],
        partition_key="2026-10-01",
        resources={"warehouse": warehouse},
        run_config={"ops": {"reports__monthly_scorecard": {"config": {"map_indicator": "happiness"}}}},
        instance=DagsterInstance.ephemeral(),
        raise_on_error=False,
    )
    assert not result.success
    failure = next(e for e in result.all_events if e.is_step_failure)
    assert "map_indicator must be one of" in str(failure.event_specific_data.error.message)
