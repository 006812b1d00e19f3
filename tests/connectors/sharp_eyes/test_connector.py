"""Sharp Eyes connector against the Artemis stand-in: auth, envelope, windows, landing."""

from __future__ import annotations

import json
import time
from datetime import date, datetime, timedelta

import duckdb
import pytest
import requests

from connectors.common.errors import ConfigError, SourceError
from connectors.common.lake import Lake
from connectors.sharp_eyes import ArtemisClient, SharpEyesSettings, ingest_cameras, ingest_days
from connectors.sharp_eyes.client import EVENTS
from connectors.sharp_eyes.signing import signed_headers
from sandbox.clock import SHANGHAI


@pytest.fixture
def settings(tiny_sandbox):
    return SharpEyesSettings.from_env(tiny_sandbox.env())


def _alarms(tiny_sandbox):
    return tiny_sandbox.stand_ins["sharp_eyes"].alarms


def test_missing_secret_fails_naming_the_variable(tiny_sandbox):
    env = {k: v for k, v in tiny_sandbox.env().items() if k != "GOVHUB_SHARP_EYES_APP_SECRET"}
    with pytest.raises(ConfigError, match="GOVHUB_SHARP_EYES_APP_SECRET"):
        SharpEyesSettings.from_env(env)


def test_wrong_secret_is_refused_with_401(settings):
    client = ArtemisClient(settings.url, settings.app_key, "not-the-secret")
    with pytest.raises(SourceError, match="401"):
        client.check_connection()


def _raw_post(settings, headers, body=None):
    return requests.post(
        f"{settings.url}{EVENTS}",
        headers=headers,
        timeout=10,
        data=json.dumps(
            body or {"startTime": "2026-10-01T00:00:00.000+08:00", "endTime": "2026-10-02T00:00:00.000+08:00"}
        ),
    )


def test_a_reused_nonce_is_refused(settings):
    h = signed_headers("POST", EVENTS, settings.app_key, settings.app_secret)
    assert _raw_post(settings, h).status_code == 200
    again = _raw_post(settings, h)
    assert again.status_code == 401 and "nonce" in again.json()["msg"]


def test_a_stale_timestamp_is_refused(settings):
    stale = int((time.time() - 16 * 60) * 1000)
    h = signed_headers("POST", EVENTS, settings.app_key, settings.app_secret, timestamp_ms=stale)
    r = _raw_post(settings, h)
    assert r.status_code == 401 and "timestamp" in r.json()["msg"]


def test_a_tampered_signature_is_refused(settings):
    h = signed_headers("POST", EVENTS, settings.app_key, settings.app_secret)
    h["X-Ca-Signature"] = h["X-Ca-Signature"][::-1]
    assert _raw_post(settings, h).status_code == 401


def test_an_error_code_under_http_200_is_an_error(settings):
    client = settings.client()
    too_long = {"startTime": "2026-10-01T00:00:00.000+08:00", "endTime": "2026-10-20T00:00:00.000+08:00"}
    with pytest.raises(SourceError, match="0x00072001"):
        client.post(EVENTS, {**too_long, "pageNo": 1, "pageSize": 10}, "events (too long a window)")


def test_long_windows_are_split_and_every_alarm_comes_once_per_report(settings, tiny_sandbox):
    client = ArtemisClient(settings.url, settings.app_key, settings.app_secret, page_size=7)
    lo = datetime(2026, 9, 20, tzinfo=SHANGHAI)
    hi = datetime(2026, 10, 6, tzinfo=SHANGHAI)  # 16 days: three windows
    got = [i["id"] for p in client.events(lo, hi) for i in p.items]
    truth = _alarms(tiny_sandbox).alarms
    expected = [a.alarm_id for a in truth] + [a.alarm_id for a in truth if a.rereported]
    assert sorted(got) == sorted(expected) and len(got) > 7 * 3


def test_days_land_into_their_own_partitions_with_lookback(settings, tiny_sandbox, tmp_path):
    lake = Lake(tmp_path)
    results = ingest_days(
        settings.client(), lake, "events", date(2026, 10, 3), date(2026, 10, 4), lookback=timedelta(hours=24)
    )
    rows = duckdb.sql(
        f"select record_key, lake_partition, payload from read_parquet('{lake.glob('sharp_eyes', 'events')}',"
        " hive_partitioning = true, hive_types_autocast = false)"
    ).fetchall()
    assert sum(r.records for r in results) == len(rows)
    starts = {a.alarm_id: a.start for a in _alarms(tiny_sandbox).alarms}
    impossible = {d.record_id for d in tiny_sandbox.defects() if d.field == "startTime"}
    for key, part, payload in rows:
        assert date(2026, 10, 2) <= starts[key].date() <= date(2026, 10, 4)
        if key in impossible:  # no readable startTime: the first day of its request window
            assert part == "2026-10-02"
        else:
            assert datetime.fromisoformat(json.loads(payload)["startTime"]).date().isoformat() == part
    expected = {
        a.alarm_id for a in _alarms(tiny_sandbox).alarms if date(2026, 10, 2) <= a.start.date() <= date(2026, 10, 4)
    }
    assert {k for k, _, _ in rows} == expected
    assert lake.read_state("sharp_eyes", "events")["fetched_until"] == "2026-10-05T00:00:00+08:00"


def test_polling_open_days_lands_each_version_once(settings, tiny_sandbox, tmp_path):
    """Read again and again while the days are open, the lookback lands only what changed
    since (a handling record that got its arrival, say), never the same version twice."""
    lake = Lake(tmp_path)
    polls = [datetime(2026, 10, 4, h, tzinfo=SHANGHAI) for h in (8, 9, 10, 18)] + [
        datetime(2026, 10, 6, tzinfo=SHANGHAI)
    ]
    for entity in ("events", "handling_records"):
        for now in polls:
            ingest_days(settings.client(), lake, entity, date(2026, 10, 4), date(2026, 10, 5), now=now)
        total, distinct = duckdb.sql(
            f"select count(*), count(distinct (record_key, payload)) from read_parquet('{lake.glob('sharp_eyes', entity)}')"
        ).fetchone()
        assert total == distinct > 0, entity
    # the last read saw the whole window: every version of it is there
    full = Lake(tmp_path / "once")
    for entity in ("events", "handling_records"):
        ingest_days(settings.client(), full, entity, date(2026, 10, 4), date(2026, 10, 5), now=polls[-1])
        q = "select distinct record_key, payload from read_parquet('{}')"
        once = set(duckdb.sql(q.format(full.glob("sharp_eyes", entity))).fetchall())
        polled = set(duckdb.sql(q.format(lake.glob("sharp_eyes", entity))).fetchall())
        assert once <= polled, entity


def test_rerun_brings_no_new_distinct_version(settings, tmp_path):
    lake = Lake(tmp_path)
    for _ in range(2):
        ingest_days(settings.client(), lake, "handling_records", date(2026, 10, 2), date(2026, 10, 3))
    total, distinct = duckdb.sql(
        f"select count(*), count(distinct (record_key, payload)) from read_parquet('{lake.glob('sharp_eyes', 'handling_records')}')"
    ).fetchone()
    assert total == 2 * distinct > 0


def test_cameras_land_whole(settings, tiny_sandbox, tmp_path):
    r = ingest_cameras(settings.client(), Lake(tmp_path))
    assert r.records == len(_alarms(tiny_sandbox).cameras) == 12


@pytest.mark.parametrize(
    ("code", "ok"),
    [
        ("0", True),
        (0, True),
        (0.0, True),
        ("0x0", True),
        (" 0 ", True),
        ("0x02401004", False),
        (38801415, False),
        ("", False),
        (None, False),
        (False, False),
        ("success", False),
    ],
)
def test_an_envelope_code_means_success_as_a_string_or_a_number(code, ok):
    from connectors.sharp_eyes.client import succeeded

    assert succeeded(code) is ok
