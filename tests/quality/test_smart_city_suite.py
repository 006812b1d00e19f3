"""The Smart City expectation suite: passes on what the platform serves, fails on defects."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from connectors.common.lake import Lake
from connectors.smart_city import SmartCitySettings, ingest_service_requests
from quality.gx import validate
from quality.suites.smart_city import flatten_service_requests, service_requests_checks


@pytest.fixture(scope="module")
def landed(tiny_sandbox, tmp_path_factory):
    lake = Lake(tmp_path_factory.mktemp("lake"))
    env = tiny_sandbox.env()
    client = SmartCitySettings.from_env(env).client()
    load_ids = [ingest_service_requests(client, lake, date(2026, 10, d)).load_id for d in (2, 3, 4)]
    return flatten_service_requests(lake.load_files("smart_city", "service_requests", load_ids))


def _outcomes(df):
    result = validate("smart_city.service_requests", df, service_requests_checks())
    return result, {name: v for name, v in result.summary().items()}


def test_served_landings_pass_the_blocking_checks_and_warn_of_exactly_the_served_defects(landed, tiny_sandbox):
    """The stand-in serves a few defective records (the warehouse quarantines them): they are
    warnings, counted per expectation, and nothing else is."""
    assert len(landed) > 50
    result, summary = _outcomes(landed)
    assert result.blocking_ok
    kinds = {d.record_id: d.kind for d in tiny_sandbox.defects() if d.source == "smart_city"}
    rows = Counter(kinds[k] for k in landed.service_request_id if k in kinds)
    assert len(rows) >= 2  # one defect a day, kinds dealt round-robin
    unexpected = {w.check.name: w.unexpected_count for w in result.warnings}
    far = unexpected.pop("ExpectColumnValuesToBeBetween(long)", 0)
    far_lat = unexpected.pop("ExpectColumnValuesToBeBetween(lat)", 0)
    assert 1 <= far <= rows["outside_kaifeng"] and far_lat <= rows["outside_kaifeng"]
    expected = {
        "ExpectColumnValuesToMatchRegex(requested_datetime)": rows["unparseable_time"],
        "ExpectColumnValuesToNotBeNull(service_code)": rows["missing_required_field"],
    }
    assert unexpected == {k: v for k, v in expected.items() if v}, summary


def test_missing_ids_fail_the_blocking_check(landed):
    df = landed.copy()
    df.loc[df.index[:3], "service_request_id"] = None
    result, summary = _outcomes(df)
    assert not result.blocking_ok
    assert summary["ExpectColumnValuesToNotBeNull(service_request_id)"]["unexpected"] == 3


def test_a_version_twice_in_one_load_fails_the_blocking_check(landed):
    import pandas as pd

    df = pd.concat([landed, landed.iloc[[0]]], ignore_index=True)
    result, _ = _outcomes(df)
    assert not result.blocking_ok


def test_naive_timestamps_fail_the_blocking_check(landed):
    df = landed.copy()
    df.loc[df.index[0], "updated_datetime"] = "2026-10-02 08:00:00"
    result, summary = _outcomes(df)
    assert not result.blocking_ok
    assert summary["ExpectColumnValuesToMatchRegex(updated_datetime)"]["unexpected"] == 1


def test_points_outside_kaifeng_are_warnings_not_blocking(landed, tiny_sandbox):
    defective = {d.record_id for d in tiny_sandbox.defects() if d.source == "smart_city"}
    df = landed[~landed.service_request_id.isin(defective)].copy()
    df.loc[df.index[:2], "long"] = 116.4  # Beijing
    result, summary = _outcomes(df)
    assert result.blocking_ok
    assert [w.check.name for w in result.warnings] == ["ExpectColumnValuesToBeBetween(long)"]
    assert summary["ExpectColumnValuesToBeBetween(long)"]["unexpected"] == 2


def test_an_empty_load_passes(landed):
    result, _ = _outcomes(landed.iloc[0:0])
    assert result.blocking_ok and result.rows == 0
