"""Defective records the stand-ins serve on purpose, and the truth about them.

A scanner independent of how the defects are made reads what each stand-in serves and
flags every bad value it sees; its findings must be exactly the stand-ins' own truth.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, time, timedelta
from types import SimpleNamespace

import pytest
import shapely
from shapely.geometry import Polygon

from connectors.common.personal import id_number_check
from sandbox.civil_affairs.data import CATEGORIES, CivilAffairsData
from sandbox.clock import SHANGHAI
from sandbox.defects import ENTITY_KINDS, KINDS, Defect, pick
from sandbox.petitions.files import FORMS, PetitionFiles, file_name
from sandbox.serve import SandboxConfig, start_sandbox
from sandbox.sharp_eyes.alarms import EVENT_TYPES, SharpEyesAlarms
from sandbox.smart_city.events import SmartCityEvents
from sandbox.smart_parking.data import ParkingData
from sandbox.world import build_world
from sandbox.world.geography import BOUNDARIES_DIR
from sandbox.world.presets import get_preset
from tests.conftest import TINY_END, TINY_START
from warehouse.crs import bd09_to_gcj02

# Every kind the stand-ins must show at the tiny preset over the test window.
EXPECTED = {
    ("smart_city", "service_requests", "outside_kaifeng"),
    ("smart_city", "service_requests", "unparseable_time"),
    ("smart_city", "service_requests", "missing_required_field"),
    ("sharp_eyes", "events", "unknown_code"),
    ("sharp_eyes", "events", "impossible_date"),
    ("sharp_eyes", "events", "unmapped_code"),
    ("smart_parking", "violations", "outside_kaifeng"),
    ("smart_parking", "sessions", "impossible_date"),
    ("smart_parking", "sessions", "out_of_range"),
    ("civil_affairs", "recipients", "invalid_id_check_digit"),
    ("civil_affairs", "recipients", "unknown_code"),
    ("petitions", "cases", "missing_record_key"),
    ("petitions", "cases", "unparseable_time"),
    ("petitions", "cases", "unknown_code"),
}


def _kaifeng_gcj02() -> Polygon:
    geo = json.loads((BOUNDARIES_DIR / "410200.json").read_text(encoding="utf-8"))
    return Polygon(geo["coordinates"][0], geo["coordinates"][1:])


def _outside(outline: Polygon, lon, lat) -> bool:
    return not outline.covers(shapely.Point(float(lon), float(lat)))


def _not_a_time(value: str, fmt: str) -> str | None:
    """None when value is a real time in `fmt`, else the kind of defect it is."""
    try:
        datetime.strptime(value, fmt) if fmt != "iso" else datetime.fromisoformat(value)
        return None
    except ValueError:
        return "impossible_date" if re.match(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}", value) else "unparseable_time"


def scan(running) -> set[Defect]:
    """Every bad value the stand-ins serve for the window, found by looking at them."""
    outline = _kaifeng_gcj02()
    now = running.config.clock.now()
    return (
        _smart_city_defects(running.stand_ins["smart_city"], outline, now)
        | _sharp_eyes_defects(running.stand_ins["sharp_eyes"], now)
        | _smart_parking_defects(running.stand_ins["smart_parking"].data, outline, now)
        | _civil_affairs_defects(running.stand_ins["civil_affairs"], now)
        | _petitions_defects(running)
    )


def _smart_city_defects(sc, outline, now) -> set[Defect]:
    found = set()
    for ev in sc.events.events:
        vi = max(i for i, t in enumerate(ev.transitions) if t.at <= now)
        r = sc.render(ev, vi)
        if _outside(outline, r["long"], r["lat"]):
            found.add(Defect("smart_city", "service_requests", r["service_request_id"], "outside_kaifeng", "lat,long"))
        if kind := _not_a_time(r["requested_datetime"], "iso"):
            found.add(Defect("smart_city", "service_requests", r["service_request_id"], kind, "requested_datetime"))
        if r["service_code"] is None:
            found.add(
                Defect(
                    "smart_city", "service_requests", r["service_request_id"], "missing_required_field", "service_code"
                )
            )
    return found


def _sharp_eyes_defects(se, now) -> set[Defect]:
    found = set()
    for a in se.alarms.alarms:
        r = se._event(a, now)
        if r["eventLevel"] not in (1, 2, 3):
            found.add(Defect("sharp_eyes", "events", r["id"], "unknown_code", "eventLevel"))
        if kind := _not_a_time(r["startTime"], "iso"):
            found.add(Defect("sharp_eyes", "events", r["id"], kind, "startTime"))
        if r["eventType"] not in EVENT_TYPES:
            found.add(Defect("sharp_eyes", "events", r["id"], "unmapped_code", "eventType"))
    return found


def _smart_parking_defects(sp, outline, now) -> set[Defect]:
    found = set()
    for sid, r in sp.truth("sessions", now).items():
        if kind := _not_a_time(r["entry_time"], "%Y-%m-%d %H:%M:%S"):
            found.add(Defect("smart_parking", "sessions", sid, kind, "entry_time"))
        if r["fee_fen"] is not None and r["fee_fen"] < 0:
            found.add(Defect("smart_parking", "sessions", sid, "out_of_range", "fee_fen"))
    for vid, r in sp.truth("violations", now).items():
        if _outside(outline, *bd09_to_gcj02(r["longitude"], r["latitude"])):
            found.add(Defect("smart_parking", "violations", vid, "outside_kaifeng", "longitude,latitude"))
    return found


def _civil_affairs_defects(civil, now) -> set[Defect]:
    found = set()
    cutoff = now.replace(tzinfo=None)
    for table, pk, column in (("households", "jt_id", "hz_sfzh"), ("recipients", "dx_id", "sfzh")):
        for r in civil.rows[table]:
            if r["update_time"] > cutoff:
                continue
            if id_number_check(r[column]) == "bad_check_digit":
                found.add(Defect("civil_affairs", table, r[pk], "invalid_id_check_digit", column))
            if table == "recipients" and r["jzlb"] not in {c for c, _ in CATEGORIES}:
                found.add(Defect("civil_affairs", table, r[pk], "unknown_code", "jzlb"))
    return found


def _petitions_defects(running) -> set[Defect]:
    found = set()
    pf = running.stand_ins["petitions"]
    d = running.config.start
    while d < running.petitions_until:
        for i, r in enumerate(pf.rows_of(d)):
            key = r["信访件编号"]
            if not key:
                found.add(
                    Defect("petitions", "cases", None, "missing_record_key", "信访件编号", f"{file_name(d)}#{i:06d}")
                )
                continue
            if not isinstance(r["登记日期"], date):
                found.add(Defect("petitions", "cases", key, "unparseable_time", "登记日期"))
            if r["来源形式"] not in FORMS:
                found.add(Defect("petitions", "cases", key, "unknown_code", "来源形式"))
            if id_number_check(r["信访人身份证号"]) == "bad_check_digit":
                found.add(Defect("petitions", "cases", key, "invalid_id_check_digit", "信访人身份证号"))
        d += timedelta(days=1)
    return found


@pytest.fixture(scope="module")
def clean_sandbox():
    running = start_sandbox(SandboxConfig(preset="tiny", start=TINY_START, end=TINY_END, defects=False))
    yield running
    running.stop()


def test_every_kind_occurs_at_tiny_over_the_test_window(tiny_sandbox):
    defects = tiny_sandbox.defects()
    assert {(d.source, d.entity, d.kind) for d in defects} >= EXPECTED
    assert all(d.kind in KINDS for d in defects)
    for d in defects:
        assert (d.record_id is None) == (d.kind == "missing_record_key") == (d.locator is not None)


def test_the_truth_is_exactly_what_the_stand_ins_serve(tiny_sandbox):
    defects = tiny_sandbox.defects()
    assert len(defects) == len(set(defects))
    assert scan(tiny_sandbox) == set(defects)


def test_defects_are_a_small_share(tiny_sandbox):
    s = tiny_sandbox.stand_ins
    served = {
        ("smart_city", "service_requests"): len(s["smart_city"].events.events),
        ("sharp_eyes", "events"): len(s["sharp_eyes"].alarms.alarms),
        ("smart_parking", "sessions"): len(s["smart_parking"].data.sessions),
    }
    per_entity: dict[tuple[str, str], int] = {}
    for d in tiny_sandbox.defects():
        per_entity[(d.source, d.entity)] = per_entity.get((d.source, d.entity), 0) + 1
    for entity, n in served.items():
        assert 0 < per_entity[entity] <= 0.1 * n  # one a day at tiny


def test_records_others_refer_to_stay_clean(tiny_sandbox):
    s = tiny_sandbox.stand_ins
    bad = {d.record_id for d in tiny_sandbox.defects()}
    alarms = s["sharp_eyes"].alarms.alarms
    assert not any(a.pushed_at is not None for a in alarms if a.alarm_id in bad)
    assert not any(e.alarm_id and e.request_id in bad for e in s["smart_city"].events.events)
    paid = {p["dx_id"] for p in s["civil_affairs"].rows["payments"]}
    unknown = {d.record_id for d in tiny_sandbox.defects() if d.kind == "unknown_code" and d.source == "civil_affairs"}
    assert unknown and not unknown & paid


def test_without_defects_the_stand_ins_serve_none(clean_sandbox):
    assert clean_sandbox.defects() == []
    assert scan(clean_sandbox) == set()


def test_without_defects_the_world_is_otherwise_the_same(tiny_sandbox, clean_sandbox):
    bad = {d.record_id for d in tiny_sandbox.defects()}
    a, b = tiny_sandbox.stand_ins["smart_city"], clean_sandbox.stand_ins["smart_city"]
    now = tiny_sandbox.config.clock.now()
    assert [e.request_id for e in a.events.events] == [e.request_id for e in b.events.events]
    for ea, eb in zip(a.events.events, b.events.events):
        if ea.request_id not in bad:
            last = len(ea.transitions) - 1
            assert a.render(ea, last) == b.render(eb, last)
    sa, sb = tiny_sandbox.stand_ins["smart_parking"].data, clean_sandbox.stand_ins["smart_parking"].data
    ta, tb = sa.truth("sessions", now), sb.truth("sessions", now)
    assert ta.keys() == tb.keys()
    assert all(ta[k] == tb[k] for k in ta if k not in bad)


def _truth_of(world, start: date, end: date) -> list[Defect]:
    """The defects of a window, from the generators alone (no servers)."""
    alarms = SharpEyesAlarms(world, start, end)
    clock = datetime.combine(end, time(0), SHANGHAI)
    return [
        *SmartCityEvents(world, start, end, alarms.alarms).defects(),
        *alarms.defects(),
        *ParkingData(world, start, end).defects(),
        *CivilAffairsData(world, start, end).defects(clock),
        *PetitionFiles(world, start, end).defects(end),
    ]


def test_defects_are_deterministic_across_world_builds():
    fresh = build_world.__wrapped__  # bypass the cache: build the world twice for real
    a, b = fresh("tiny"), fresh("tiny")
    assert a is not b
    first, second = _truth_of(a, TINY_START, TINY_END), _truth_of(b, TINY_START, TINY_END)
    assert first == second and first


def test_the_same_petition_exports_are_the_same_bytes(tmp_path):
    """A real system's stored export reads the same every time it is fetched: exported twice
    (two seconds apart, so a time of writing would show), every file is byte for byte the
    same, the xlsx ones included,."""
    import time as clock

    exports = PetitionFiles(build_world("tiny"), date(2026, 10, 1), date(2026, 10, 5))
    first = {p.name: p.read_bytes() for p in exports.write_inbox(tmp_path / "a", date(2026, 10, 5))}
    clock.sleep(2.1)
    second = {p.name: p.read_bytes() for p in exports.write_inbox(tmp_path / "b", date(2026, 10, 5))}
    assert any(name.endswith(".xlsx") for name in first) and any(name.endswith(".csv") for name in first)
    assert first == second


def test_the_defects_of_a_day_do_not_depend_on_the_window():
    world = build_world("tiny")
    day = date(2026, 10, 3)
    whole = SmartCityEvents(world, TINY_START, TINY_END).defects()
    alone = SmartCityEvents(world, day, day + timedelta(days=1)).defects()
    assert alone == [d for d in whole if d.record_id.startswith(f"SC{day:%Y%m%d}")] != []
    whole_se = SharpEyesAlarms(world, TINY_START, TINY_END)
    alone_se = SharpEyesAlarms(world, day, day + timedelta(days=1))
    assert alone_se.defects() == [d for d in whole_se.defects() if whole_se.by_id[d.record_id].start.date() == day]


def test_city_rate_is_about_one_in_two_thousand():
    city = SimpleNamespace(preset=get_preset("city"), rng=build_world("tiny").rng)
    n = [
        len(pick(city, "smart_city", "service_requests", date(2026, 10, 1) + timedelta(days=i), 1800, range(1800)))
        for i in range(60)
    ]
    assert 0.5 * 0.9 * 60 <= sum(n) <= 1.5 * 0.9 * 60
    many = pick(city, "smart_parking", "sessions", date(2026, 10, 1), 200_000, range(200_000))
    assert 60 <= len(many) <= 140
    assert set(many.values()) == set(ENTITY_KINDS[("smart_parking", "sessions")])
