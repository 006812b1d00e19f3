"""Freshness checks: every raw asset has one at its source's cadence, and it fails when the
asset has not landed within it, on the sources' clock (the wall clock, or the instant the
stand-ins' clock is frozen at)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from dagster import AssetSelection, DagsterInstance, Definitions, asset, define_asset_job, materialize

from connectors.common.errors import ConfigError
from orchestration.definitions import defs
from orchestration.freshness import (
    DAILY,
    FRESH_UNTIL,
    NEAR_REAL_TIME,
    NEAR_REAL_TIME_ASSETS,
    freshness_checks,
    judge,
)
from orchestration.sources import all_sources
from warehouse.settings import FROZEN_AT, sources_frozen_at

RAW_KEYS = [k for s in all_sources() for k in s.raw_keys]


def test_every_raw_asset_has_a_freshness_check_and_the_sensor_runs_them():
    graph = defs.resolve_asset_graph()
    raw = {k for k in graph.get_all_asset_keys() if k.path[1:2] == ["raw"]}
    checked = {k.asset_key for k in graph.asset_check_keys if k.name == "freshness_check"}
    assert raw and checked == raw
    sensor = defs.resolve_sensor_def("freshness_checks_sensor")
    assert sensor.default_status.value == "RUNNING"


def evaluate_freshness(instance, keys=RAW_KEYS) -> dict:
    """Run the freshness checks of `keys` as the sensor's run does, against what `instance`
    holds: {asset key: (passed, bound in seconds, metadata)}."""
    checks = freshness_checks(keys)
    stand_ins = [asset(key=k)(lambda: None) for k in keys]  # the same keys, nothing to fetch
    job = Definitions(
        assets=stand_ins, asset_checks=checks, jobs=[define_asset_job("freshness", AssetSelection.checks(*checks))]
    ).resolve_job_def("freshness")
    result = job.execute_in_process(instance=instance, raise_on_error=False)
    out = {}
    for e in result.all_events:
        if e.event_type_value == "ASSET_CHECK_EVALUATION":
            d = e.event_specific_data
            out[d.asset_key] = (d.passed, d.metadata["lower_bound_delta_seconds"].value, d.metadata)
    return out


def test_a_source_that_has_not_landed_is_stale_and_one_that_just_did_is_fresh(monkeypatch):
    monkeypatch.delenv(FROZEN_AT, raising=False)
    instance = DagsterInstance.ephemeral()
    never = evaluate_freshness(instance)
    assert set(never) == set(RAW_KEYS) and not any(passed for passed, _, _ in never.values())
    for key, (_, bound, _) in never.items():
        expected = NEAR_REAL_TIME if key in NEAR_REAL_TIME_ASSETS else DAILY
        assert bound == expected.total_seconds(), key
    materialize([asset(key=k)(lambda: None) for k in RAW_KEYS], instance=instance)
    fresh = evaluate_freshness(instance)
    assert all(passed for passed, _, _ in fresh.values())
    # the sensor asks again once a check can have turned stale: the landing plus its bound
    for key, (_, bound, metadata) in fresh.items():
        landed = metadata["last_landed"].value
        assert metadata[FRESH_UNTIL].value == pytest.approx(landed + bound), key


def test_on_a_frozen_clock_a_landing_after_the_instant_stays_fresh_and_one_before_it_is_late(monkeypatch):
    instance = DagsterInstance.ephemeral()
    materialize([asset(key=k)(lambda: None) for k in RAW_KEYS], instance=instance)
    landed = datetime.now(UTC)
    # the stand-ins' world frozen a month ago, landed just now: nothing newer can come
    monkeypatch.setenv(FROZEN_AT, (landed - timedelta(days=30)).isoformat())
    assert all(passed for passed, _, _ in evaluate_freshness(instance).values())
    # frozen a day after the landing: the near-real-time sources are a day late, the daily ones not yet
    monkeypatch.setenv(FROZEN_AT, (landed + timedelta(hours=24)).isoformat())
    late = evaluate_freshness(instance)
    assert {k for k, (passed, _, _) in late.items() if not passed} == set(NEAR_REAL_TIME_ASSETS)
    assert late[NEAR_REAL_TIME_ASSETS[0]][2]["lag_seconds"].value == pytest.approx(24 * 3600, abs=60)


def test_the_verdict_on_each_clock():
    now = datetime(2026, 11, 2, 12, tzinfo=UTC)
    live = judge(now - timedelta(minutes=10), NEAR_REAL_TIME, now, None)
    assert live["passed"] and live["lag"] == timedelta(minutes=10)
    assert not judge(now - timedelta(minutes=16), NEAR_REAL_TIME, now, None)["passed"]
    assert not judge(None, DAILY, now, None)["passed"]
    frozen = datetime(2026, 11, 2, tzinfo=UTC)
    assert judge(now, NEAR_REAL_TIME, now + timedelta(days=40), frozen)["lag"] == timedelta(0)
    assert not judge(frozen - timedelta(hours=27), DAILY, now, frozen)["passed"]


def test_a_malformed_frozen_instant_names_its_variable(monkeypatch):
    monkeypatch.setenv(FROZEN_AT, "2026-11-02")  # no time, no offset
    with pytest.raises(ConfigError, match=FROZEN_AT):
        sources_frozen_at()
    monkeypatch.setenv(FROZEN_AT, "2026-11-02T00:00:00+08:00")
    assert sources_frozen_at() == datetime(2026, 11, 1, 16, tzinfo=UTC)
