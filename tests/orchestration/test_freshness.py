"""Freshness checks: every raw asset has one at its source's cadence, and it fails when the
asset has not landed within it."""

from __future__ import annotations

from dagster import AssetSelection, DagsterInstance, Definitions, asset, define_asset_job, materialize

from orchestration.definitions import defs, raw_assets
from orchestration.freshness import DAILY, NEAR_REAL_TIME, NEAR_REAL_TIME_ASSETS, freshness_checks


def test_every_raw_asset_has_a_freshness_check_and_the_sensor_runs_them():
    graph = defs.resolve_asset_graph()
    raw = {k for k in graph.get_all_asset_keys() if k.path[1:2] == ["raw"]}
    checked = {k.asset_key for k in graph.asset_check_keys if k.name == "freshness_check"}
    assert raw and checked == raw
    sensor = defs.resolve_sensor_def("freshness_checks_sensor")
    assert sensor.default_status.value == "RUNNING"


def _evaluate(checks, assets, instance) -> dict:
    job = Definitions(
        assets=assets, asset_checks=checks, jobs=[define_asset_job("freshness", AssetSelection.checks(*checks))]
    ).resolve_job_def("freshness")
    result = job.execute_in_process(instance=instance, raise_on_error=False)
    out = {}
    for e in result.all_events:
        if e.event_type_value == "ASSET_CHECK_EVALUATION":
            d = e.event_specific_data
            out[d.asset_key] = (d.passed, d.metadata["dagster/freshness_params"].value["lower_bound_delta_seconds"])
    return out


def test_a_source_that_has_not_landed_is_stale_and_one_that_just_did_is_fresh():
    keys = [k for a in raw_assets for k in a.keys]
    stand_ins = [asset(key=k)(lambda: None) for k in keys]  # the same keys, nothing to fetch
    checks = freshness_checks(keys)
    instance = DagsterInstance.ephemeral()
    never = _evaluate(checks, stand_ins, instance)
    assert set(never) == set(keys) and not any(passed for passed, _ in never.values())
    for key, (_, bound) in never.items():
        expected = NEAR_REAL_TIME if key in NEAR_REAL_TIME_ASSETS else DAILY
        assert bound == expected.total_seconds(), key
    materialize(stand_ins, instance=instance)
    fresh = _evaluate(checks, stand_ins, instance)
    assert all(passed for passed, _ in fresh.values())
