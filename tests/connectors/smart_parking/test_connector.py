"""Smart Parking connector against the OAuth2 stand-in: tokens, cursors, pseudonyms."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta

import duckdb
import pytest

from connectors.common.errors import ConfigError, SourceError
from connectors.common.lake import Lake
from connectors.smart_parking import SmartParkingClient, SmartParkingSettings, ingest_day, ingest_lots
from sandbox.clock import SHANGHAI


@pytest.fixture
def settings(tiny_sandbox):
    return SmartParkingSettings.from_env(tiny_sandbox.env())


def _stand_in(tiny_sandbox):
    return tiny_sandbox.stand_ins["smart_parking"]


def _landed(lake: Lake, collection: str):
    return duckdb.sql(
        f"select record_key, record_updated_at, payload, lake_partition from read_parquet("
        f"'{lake.glob('smart_parking', collection)}', hive_partitioning = true, "
        "hive_types_autocast = false)"
    ).fetchall()


def _updated_on(tiny_sandbox, collection: str, day: date) -> dict[str, dict]:
    """The stand-in's records of `collection` whose visible state was last updated on `day`."""
    si = _stand_in(tiny_sandbox)
    truth = si.data.truth(collection, si.clock.now())
    return {k: r for k, r in truth.items() if r["updated_at"].startswith(day.isoformat())}


def test_missing_pseudonym_key_fails_naming_the_variable(tiny_sandbox):
    env = {k: v for k, v in tiny_sandbox.env().items() if k != "GOVHUB_PSEUDONYM_KEY"}
    with pytest.raises(ConfigError, match="GOVHUB_PSEUDONYM_KEY"):
        SmartParkingSettings.from_env(env)


def test_wrong_client_secret_is_refused(settings):
    client = SmartParkingClient(settings.url, settings.client_id, "wrong")
    with pytest.raises(SourceError, match="401"):
        client.check_connection()


def test_a_token_revoked_mid_run_is_renewed_and_nothing_is_lost(settings, tiny_sandbox, tmp_path):
    client = settings.client()
    client.page_size = 10
    day = date(2026, 10, 3)
    si = _stand_in(tiny_sandbox)
    pages = client.pages("sessions", f"{day} 00:00:00")
    got = list(next(pages).items)
    si.revoke_tokens()  # expired under the running read
    for page in pages:
        got.extend(page.items)
    assert client.tokens_fetched == 2
    ids = [r["session_id"] for r in got]
    assert len(ids) == len(set(ids))
    truth = si.data.truth("sessions", si.clock.now())
    since = f"{day} 00:00:00"
    assert set(ids) == {k for k, r in truth.items() if r["updated_at"] >= since}


def test_a_day_lands_its_records_once_with_plates_pseudonymized(settings, tiny_sandbox, tmp_path):
    lake = Lake(tmp_path)
    client = settings.client()
    client.page_size = 7
    day = date(2026, 10, 2)
    r = ingest_day(client, lake, "sessions", day, settings.pseudonymizer)
    rows = _landed(lake, "sessions")
    truth = _updated_on(tiny_sandbox, "sessions", day)
    assert r.records == len(rows) == len(truth) > 7 * 3
    for key, updated, payload, part in rows:
        item = json.loads(payload)
        plate = truth[key]["plate_number"]
        assert "plate_number" not in item and plate not in payload
        assert item["plate_key"] == settings.pseudonymizer.key("plate", plate)
        assert item["plate_masked"] == plate[:2] + "·***" + plate[-2:]
        assert updated == truth[key]["updated_at"] and part == "2026-10-02"


def test_an_open_day_resumes_from_its_cursor(settings, tiny_sandbox, tmp_path):
    lake = Lake(tmp_path)
    client = settings.client()
    day = date(2026, 10, 4)
    noon = datetime.combine(day, time(12), SHANGHAI)
    first = ingest_day(client, lake, "violations", day, settings.pseudonymizer, now=noon)
    second = ingest_day(
        client,
        lake,
        "violations",
        day,
        settings.pseudonymizer,
        now=datetime.combine(day, time(23, 59, 59), SHANGHAI),
        overlap=timedelta(minutes=30),
    )
    assert first.window[1] == noon.isoformat()
    assert second.window[0] == (noon - timedelta(minutes=30)).isoformat()


def test_rerun_brings_no_new_version(settings, tmp_path):
    lake = Lake(tmp_path)
    client = settings.client()
    for _ in range(2):
        ingest_day(client, lake, "violations", date(2026, 10, 2), settings.pseudonymizer)
    rows = _landed(lake, "violations")
    assert len(rows) == 2 * len({(k, u) for k, u, _, _ in rows}) > 0


def test_lots_land_whole(settings, tiny_sandbox, tmp_path):
    r = ingest_lots(settings.client(), Lake(tmp_path))
    assert r.records == len(_stand_in(tiny_sandbox).data.lots) >= 3


@pytest.mark.parametrize(
    ("expires_in", "seconds"),
    [
        (600, 600.0),
        ("600", 600.0),
        (" 7200 ", 7200.0),
        (599.5, 599.5),
        (None, 60.0),
        ("10m", 60.0),
        (-5, 60.0),
        (0, 60.0),
        (True, 60.0),
        ("nan", 60.0),
    ],
)
def test_a_token_lifetime_is_read_as_a_number_or_a_string_of_one(expires_in, seconds):
    from connectors.smart_parking.client import token_lifetime

    assert token_lifetime(expires_in) == seconds
