"""Every connector lands the stand-ins' defective records untouched: none crashes a load,
none is dropped, and each lands with its bad value as served."""

from __future__ import annotations

import csv
import json
import re
from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from connectors.civil_affairs import engine_for, ingest_table_days
from connectors.common.lake import Lake
from connectors.common.personal import Pseudonymizer
from connectors.petitions import ingest_file, pending_files
from connectors.sharp_eyes import SharpEyesSettings, ingest_days
from connectors.smart_city import SmartCitySettings, ingest_service_requests
from connectors.smart_parking import SmartParkingSettings
from connectors.smart_parking import ingest_day as ingest_parking_day
from sandbox.defects import Defect
from sandbox.world.geography import PROJECT_ROOT
from tests.conftest import TINY_END, TINY_START

DAYS = [TINY_START + timedelta(days=i) for i in range((TINY_END - TINY_START).days)]
PSEUDO = Pseudonymizer("defects-test-key-0123456789")
# Kaifeng's box (GCJ-02 / BD-09 alike, to within a kilometre): a point outside is far out.
LON, LAT = (113.77, 115.37), (34.09, 35.13)
_MAPPING = PROJECT_ROOT / "dbt_project" / "seeds" / "mappings" / "map_sharp_eyes__event_types.csv"
MAPPED_EVENT_TYPES = {
    int(r["source_event_type"]) for r in csv.DictReader(_MAPPING.read_text(encoding="utf-8").splitlines())
}
CODE_SETS = {
    "eventLevel": {1, 2, 3},
    "jzlb": {"DB", "TK", "LS", "CJ", "GL"},
    "来源形式": {"来信", "来访", "网上", "电话"},
}


def _rows(lake: Lake, source: str, entity: str) -> list[tuple]:
    return duckdb.sql(
        f"select record_key, record_updated_at, source_cursor, payload, lake_partition from read_parquet("
        f"'{lake.glob(source, entity)}', hive_partitioning = true, hive_types_autocast = false)"
    ).fetchall()


def _by_key(rows) -> dict[str | None, list[dict]]:
    out = defaultdict(list)
    for key, _, _, payload, _ in rows:
        out[key].append(json.loads(payload))
    return out


def _shows(item: dict, d: Defect) -> bool:
    """Whether a landed payload carries the defect as the stand-in serves it."""
    if d.kind == "outside_kaifeng":
        lat_name, lon_name = ("lat", "long") if d.field == "lat,long" else ("latitude", "longitude")
        lon, lat = float(item[lon_name]), float(item[lat_name])
        return not (LON[0] <= lon <= LON[1] and LAT[0] <= lat <= LAT[1])
    value = item.get(d.field)
    if d.kind == "missing_required_field":
        return value is None
    if d.kind == "unparseable_time":
        return isinstance(value, str) and not re.match(r"^\d", value)
    if d.kind == "impossible_date":
        if not re.match(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}", value):
            return False
        try:
            datetime.fromisoformat(value)
        except ValueError:
            return True
        return False
    if d.kind == "unknown_code":
        return value not in CODE_SETS[d.field]
    if d.kind == "unmapped_code":
        return value not in MAPPED_EVENT_TYPES
    if d.kind == "out_of_range":
        return value is not None and value < 0
    if d.kind == "invalid_id_check_digit":
        return item.get(f"{d.field}_check") == "bad_check_digit"
    raise AssertionError(f"no check for {d.kind}")


def _assert_landed(defects: list[Defect], rows) -> None:
    """Each keyed defect landed under its key, every landed version showing it (a negative
    fee only comes with the exit version)."""
    by_key = _by_key(rows)
    assert defects
    for d in defects:
        versions = by_key.get(d.record_id)
        assert versions, f"{d} was not landed"
        shown = [_shows(v, d) for v in versions]
        assert any(shown) if d.kind == "out_of_range" else all(shown), d


def _of(sandbox, source: str, entity: str) -> list[Defect]:
    return [d for d in sandbox.defects() if d.source == source and d.entity == entity]


def test_smart_city_lands_its_defective_events(smart_city_env, tiny_sandbox, tmp_path):
    lake = Lake(tmp_path)
    client = SmartCitySettings.from_env().client()
    for day in DAYS:
        ingest_service_requests(client, lake, day)
    _assert_landed(_of(tiny_sandbox, "smart_city", "service_requests"), _rows(lake, "smart_city", "service_requests"))


def test_sharp_eyes_lands_its_defective_alarms_and_an_unreadable_start_on_the_window_day(tiny_sandbox, tmp_path):
    lake = Lake(tmp_path)
    client = SharpEyesSettings.from_env(tiny_sandbox.env()).client()
    ingest_days(client, lake, "events", DAYS[0], DAYS[-1], lookback=timedelta(0))
    defects = _of(tiny_sandbox, "sharp_eyes", "events")
    _assert_landed(defects, _rows(lake, "sharp_eyes", "events"))

    # an alarm whose startTime names no real moment lands on its request window's first day
    alarms = tiny_sandbox.stand_ins["sharp_eyes"].alarms.by_id
    late = max((d for d in defects if d.kind == "impossible_date"), key=lambda d: alarms[d.record_id].start)
    day = alarms[late.record_id].start.date()
    other = Lake(tmp_path / "one_day")
    ingest_days(client, other, "events", day, day, lookback=timedelta(hours=24))
    parts = {p for k, *_, p in _rows(other, "sharp_eyes", "events") if k == late.record_id}
    assert parts == {(day - timedelta(days=1)).isoformat()}


@pytest.mark.parametrize("collection", ["sessions", "violations"])
def test_smart_parking_lands_its_defective_records(tiny_sandbox, tmp_path, collection):
    settings = SmartParkingSettings.from_env(tiny_sandbox.env())
    lake = Lake(tmp_path)
    client = settings.client()
    for day in DAYS:
        ingest_parking_day(client, lake, collection, day, settings.pseudonymizer)
    _assert_landed(_of(tiny_sandbox, "smart_parking", collection), _rows(lake, "smart_parking", collection))


@pytest.mark.parametrize("table", ["households", "recipients"])
def test_civil_affairs_lands_its_defective_rows(tiny_sandbox, tmp_path, table):
    lake = Lake(tmp_path)
    engine = engine_for(tiny_sandbox.civil_affairs_url)
    try:
        ingest_table_days(engine, lake, table, date(2024, 1, 1), DAYS[-1], PSEUDO, now=tiny_sandbox.config.clock.now())
    finally:
        engine.dispose()
    defects = _of(tiny_sandbox, "civil_affairs", table)
    rows = _rows(lake, "civil_affairs", table)
    column = {"households": "hz_sfzh", "recipients": "sfzh"}[table]
    landed_bad = {k for k, _, _, p, _ in rows if json.loads(p)[f"{column}_check"] == "bad_check_digit"}
    assert landed_bad == {d.record_id for d in defects if d.kind == "invalid_id_check_digit"}
    if table == "recipients":
        _assert_landed(defects, rows)


def test_petitions_land_every_row_with_or_without_a_case_number(tiny_sandbox, tmp_path):
    lake = Lake(tmp_path)
    for f in pending_files(lake, Path(tiny_sandbox.petitions_inbox)):
        ingest_file(lake, f, PSEUDO, 10 * 1024 * 1024)
    rows = _rows(lake, "petitions", "cases")
    defects = _of(tiny_sandbox, "petitions", "cases")
    keyless = {
        f"{json.loads(cursor)['file']}#{stamp.split('#')[1]}": json.loads(payload)
        for key, stamp, cursor, payload, _ in rows
        if key is None
    }
    expected = {d.locator for d in defects if d.kind == "missing_record_key"}
    assert expected and set(keyless) == expected
    assert all(item["信访件编号"] == "" for item in keyless.values())
    _assert_landed([d for d in defects if d.record_id is not None], rows)
