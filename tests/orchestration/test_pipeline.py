"""The whole pipeline at `tiny` scale through Dagster, checked against the world's truth.

The stand-in knows where every event really happened (its WGS-84 point and grid); the
warehouse only sees GCJ-02 coordinates over HTTP. So equal grids and points mean the
conversion, the grid polygons and the point-in-polygon all work.
"""

from __future__ import annotations

import os
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest

from quality.suites import SUITES
from sandbox.clock import SHANGHAI
from tests.conftest import TINY_END, TINY_START, mart_tables
from warehouse.crs import haversine_m
from warehouse.duckdb import connect


@pytest.fixture(scope="module")
def built(tiny_warehouse):
    return tiny_warehouse


def _rows(settings, sql):
    con = connect(settings.warehouse_path, read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _quarantined(tiny_sandbox, source: str, entity: str) -> set[str]:
    """The records the stand-ins serve with a defect in every version: the warehouse
    quarantines them (an unmapped code is kept, not quarantined)."""
    return {
        d.record_id
        for d in tiny_sandbox.defects()
        if (d.source, d.entity) == (source, entity) and d.kind != "unmapped_code"
    }


def _visible(tiny_sandbox):
    """The Smart City events visible at the clock, less the quarantined ones."""
    sc = tiny_sandbox.stand_ins["smart_city"]
    clock = sc.clock.now()
    lo = datetime.combine(TINY_START, time(0), SHANGHAI)
    hi = datetime.combine(TINY_END, time(0), SHANGHAI)
    bad = _quarantined(tiny_sandbox, "smart_city", "service_requests")
    assert bad
    return {e.request_id: (e, vi) for e, vi in sc.events.updated_between(lo, hi, clock) if e.request_id not in bad}


def test_every_visible_event_is_in_the_fact_table_once(built, tiny_sandbox):
    settings, _ = built
    sql = "select source_record_id from marts.fct_governance_events where source_system = 'smart_city'"
    ids = [r[0] for r in _rows(settings, sql)]
    assert len(ids) == len(set(ids))
    assert set(ids) == set(_visible(tiny_sandbox))


def test_events_are_located_in_their_true_grid_at_their_true_point(built, tiny_sandbox):
    settings, _ = built
    truth = _visible(tiny_sandbox)
    rows = _rows(
        settings,
        "select source_record_id, grid_code, longitude, latitude, source_crs, "
        "reported_grid_code, grid_disagrees, township_code from marts.fct_governance_events "
        "where source_system = 'smart_city'",
    )
    assert rows
    for rid, grid, lon, lat, crs, reported, disagrees, township in rows:
        ev, _ = truth[rid]
        assert crs == "GCJ-02"
        assert grid == ev.grid_code
        assert township == "410204002"
        # the platform rounds GCJ-02 to 1e-6 degrees (about 0.1 m)
        assert haversine_m(lon, lat, ev.lon_wgs84, ev.lat_wgs84) < 0.2
        assert reported == ev.reported_grid_code
        assert disagrees == (ev.reported_grid_code != ev.grid_code)


def test_lifecycle_and_dispatch_tasks_match_the_transitions(built, tiny_sandbox):
    settings, _ = built
    truth = _visible(tiny_sandbox)
    n_transitions = sum(vi + 1 for _, vi in truth.values())
    n_tasks = sum(
        1 for e, vi in truth.values() for t in e.transitions[: vi + 1] if t.state in ("dispatched", "rerouted")
    )
    assert _rows(settings, "select count(*) from marts.fct_event_lifecycle")[0][0] == n_transitions
    assert (
        _rows(settings, "select count(*) from marts.fct_dispatch_tasks where source_system = 'smart_city'")[0][0]
        == n_tasks
    )
    rerouted = _rows(settings, "select count(*) from marts.fct_dispatch_tasks where outcome = 'rerouted'")[0][0]
    n_reroutes = sum(1 for e, vi in truth.values() for t in e.transitions[: vi + 1] if t.state == "rerouted")
    assert rerouted == n_reroutes


def test_the_gx_checks_of_every_raw_asset_ran_in_the_dagster_run(built, tiny_sandbox):
    from dagster import AssetCheckKey, DagsterInstance

    from orchestration.definitions import defs

    settings, _ = built

    instance = DagsterInstance.get()  # the fixture's DAGSTER_HOME
    history = instance.event_log_storage.get_asset_check_execution_history
    raw = [k for k in defs.resolve_asset_graph().get_all_asset_keys() if k.path[1:2] == ["raw"]]
    assert len(raw) == 18
    defective = {(d.source, d.entity) for d in tiny_sandbox.defects()}
    for key in raw:
        blocking = history(AssetCheckKey(key, "gx_blocking"), limit=1)
        assert blocking and blocking[0].status.value == "SUCCEEDED", key
        # the stand-ins serve a few defective records on purpose: their warnings check reports
        # them as the known share the warehouse quarantines, and passes
        warnings = history(AssetCheckKey(key, "gx_warnings"), limit=1)
        assert warnings and warnings[0].status.value == "SUCCEEDED", key
        evaluation = warnings[0].event.dagster_event.event_specific_data
        assert evaluation.severity.value == "WARN"
        assert evaluation.metadata["rows"].value >= 0
        known = evaluation.metadata["known_share"].value
        assert bool(known) == (tuple(key.path[::2]) in defective), (key, known)
        assert evaluation.metadata["beyond_known_share"].value == {}
        assert known == evaluation.metadata["failed_expectations"].value
        # the validation is kept and has its page in the GX Data Docs site, linked where
        # `govhub dev` serves it
        assert _docs_file(evaluation.metadata["data_docs"].value, settings).is_file(), key
        # the landing's size against its trailing days (or loads): the tiny world is steady
        volume = history(AssetCheckKey(key, "volume"), limit=1)
        assert volume and volume[0].status.value == "SUCCEEDED", key
        evaluation = volume[0].event.dagster_event.event_specific_data
        assert evaluation.severity.value == "WARN"
        assert evaluation.metadata["breaches"].value == []
        rows = evaluation.metadata["volumes"].value
        assert rows and all(r["records"] >= 0 for r in rows), key
        assert _docs_file(evaluation.metadata["data_docs"].value, settings).is_file(), key


def _docs_file(link: str, settings) -> Path:
    """The Data Docs page a check's link names (under where `govhub dev` serves the site)."""
    from orchestration.quality import quality_dir
    from warehouse.settings import DEFAULT_DATA_DOCS_URL

    assert link.startswith(DEFAULT_DATA_DOCS_URL + "/"), link
    return quality_dir(settings.lake_dir) / "data_docs" / link.removeprefix(DEFAULT_DATA_DOCS_URL + "/")


def test_a_clean_run_leaves_no_check_failed(built):
    """Green means healthy: the tiny world's run, its deliberate defects included (the known
    share, quarantined), leaves every asset check it evaluated passed; and the freshness
    checks, evaluated as the sensor evaluates them after the run, pass on the stand-ins'
    frozen clock however long ago, on the wall clock, it stopped."""
    from dagster import DagsterEventType, DagsterInstance, EventRecordsFilter

    from tests.orchestration.test_freshness import evaluate_freshness

    instance = DagsterInstance.get()
    assert os.environ["GOVHUB_SOURCES_FROZEN_AT"] == f"{TINY_END.isoformat()}T00:00:00+08:00"
    freshness = evaluate_freshness(instance)
    assert len(freshness) > 10
    records = instance.get_event_records(
        EventRecordsFilter(event_type=DagsterEventType.ASSET_CHECK_EVALUATION), limit=100_000
    )
    evaluations = [r.event_log_entry.dagster_event.event_specific_data for r in records]
    assert len(evaluations) > 100
    failed = [(e.asset_key.to_user_string(), e.check_name) for e in evaluations if not e.passed]
    assert failed == []


def test_validation_results_are_kept_per_run_with_a_data_docs_site(built):
    from orchestration.quality import quality_dir

    settings, _ = built
    root = quality_dir(settings.lake_dir)
    index = root / "data_docs" / "index.html"
    assert index.is_file()
    # every landed entity's suite (kept as <source>/<entity>/) and its volume suite (.../volume/)
    for source, entity in SUITES:
        kept = (root / "validations" / source / entity).rglob("*.json")
        volume = (root / "validations" / source / entity / "volume").rglob("*.json")
        assert {p.parts[-4] != "volume" for p in kept} == {True, False}, (source, entity)
        assert any(volume), (source, entity)
    html = index.read_text(encoding="utf-8")
    assert "smart_city.service_requests" in html or "service_requests" in html


def test_row_accounting_and_quarantine_show_as_checks_with_their_counts(built):
    from dagster import AssetCheckKey, AssetKey, DagsterInstance

    settings, _ = built
    history = DagsterInstance.get().event_log_storage.get_asset_check_execution_history
    totals = history(AssetCheckKey(AssetKey(["quarantine", "row_accounting"]), "row_accounting_totals"), limit=1)
    assert totals and totals[0].status.value == "SUCCEEDED"
    meta = totals[0].event.dagster_event.event_specific_data.metadata
    assert meta["unaccounted"].value == 0
    assert meta["landed"].value == meta["conformed"].value + meta["quarantined"].value
    landed = _rows(settings, "select sum(landed_rows) from quarantine.row_accounting")[0][0]
    assert meta["landed"].value == landed
    held = history(AssetCheckKey(AssetKey(["quarantine", "quarantine_records"]), "quarantine_by_reason"), limit=1)
    # the stand-ins' defects are held, the known share of what each entity landed: it passes
    assert held and held[0].status.value == "SUCCEEDED"
    evaluation = held[0].event.dagster_event.event_specific_data
    assert evaluation.severity.value == "WARN"
    assert evaluation.metadata["quarantined_rows"].value > 0 and evaluation.metadata["beyond_known_share"].value == {}
    by_reason = evaluation.metadata["by_entity_and_reason"].value
    counted = {(e, r): v["rows"] for e, reasons in by_reason.items() for r, v in reasons.items()}
    table = _rows(
        settings,
        "select source_system || '/' || entity, reason, count(*) from quarantine.quarantine_records group by all",
    )
    assert counted == {(e, r): n for e, r, n in table}


def test_alarm_responses_follow_each_pushed_alarm(built, tiny_sandbox):
    settings, _ = built
    se = tiny_sandbox.stand_ins["sharp_eyes"]
    clock = se.clock.now()
    pushed = {a.alarm_id: a for a in se.alarms.alarms if a.pushed_at and a.pushed_at <= clock}
    filed = {
        e.alarm_id: f"smart_city:{e.request_id}"
        for e in tiny_sandbox.stand_ins["smart_city"].events.events
        if e.alarm_id and e.reported_at <= clock
    }
    rows = _rows(
        settings,
        "select alarm_id, assigned_staff_id, pushed_at, arrived_at, response_band, grid_code, "
        "smart_city_event_id from marts.fct_alarm_responses",
    )
    assert rows and {r[0] for r in rows} == set(pushed)
    bands = set()
    for alarm_id, staff, pushed_at, arrived_at, band, grid, sc_event in rows:
        a = pushed[alarm_id]
        arrived = a.arrived_at if a.arrived_at and a.arrived_at <= clock else None
        closed = a.closed_at is not None and a.closed_at <= clock
        if arrived and arrived - a.pushed_at <= timedelta(minutes=30):
            expected = "within_30_min"
        elif arrived and arrived - a.pushed_at <= timedelta(minutes=60):
            expected = "within_60_min"
        elif arrived:
            expected = "later"
        else:
            expected = "no_arrival" if closed else "pending"
        assert (staff, pushed_at, arrived_at, band, grid) == (
            a.assigned_staff_id,
            a.pushed_at,
            arrived,
            expected,
            a.camera.grid_code,
        )
        assert sc_event == filed.get(alarm_id)
        bands.add(band)
    assert {"within_30_min", "within_60_min"} <= bands


def test_every_alarm_is_an_event_of_its_own_source(built, tiny_sandbox):
    settings, _ = built
    se = tiny_sandbox.stand_ins["sharp_eyes"]
    clock = se.clock.now()
    bad = _quarantined(tiny_sandbox, "sharp_eyes", "events")
    visible = {a.alarm_id: a for a in se.alarms.alarms if a.start <= clock and a.alarm_id not in bad}
    assert bad and len(visible) > 50
    rows = _rows(
        settings,
        "select source_record_id, grid_code, event_type_code, source_crs "
        "from marts.fct_governance_events where source_system = 'sharp_eyes'",
    )
    assert {r[0] for r in rows} == set(visible)
    unmapped = {d.record_id for d in tiny_sandbox.defects() if d.kind == "unmapped_code"}
    assert unmapped
    for rid, grid, event_type, crs in rows:
        assert grid == visible[rid].camera.grid_code and crs == "WGS-84"
        # a code the platform has only just introduced is kept without a sub-item
        assert event_type == (None if rid in unmapped else visible[rid].subitem_code)


def test_parking_violations_are_located_events_and_department_tasks(built, tiny_sandbox):
    settings, _ = built
    sp = tiny_sandbox.stand_ins["smart_parking"]
    bad = _quarantined(tiny_sandbox, "smart_parking", "violations")
    truth = {k: v for k, v in sp.data.truth("violations", sp.clock.now()).items() if k not in bad}
    assert bad and truth
    rows = _rows(
        settings,
        "select source_record_id, grid_code, source_crs, event_type_code, department_code "
        "from marts.fct_governance_events where source_system = 'smart_parking'",
    )
    assert rows and {r[0] for r in rows} == set(truth)
    for vid, grid, crs, event_type, dept in rows:
        v = truth[vid]
        assert crs == "BD-09" and grid == sp.data.lot_by_id[v["lot_id"]].grid_code  # BD-09 -> WGS-84 -> grid
        assert event_type is not None and dept == v["handling_department"]
    tasks = _rows(
        settings,
        "select source_record_id, department_code, outcome from marts.fct_dispatch_tasks "
        "where source_system = 'smart_parking'",
    )
    dispatched = {k: v for k, v in truth.items() if v["dispatch_time"]}
    assert {t[0] for t in tasks} == set(dispatched)
    for vid, dept, outcome in tasks:
        assert dept == dispatched[vid]["handling_department"]
        assert outcome == ("accepted" if dispatched[vid]["closed_time"] else "open")


def test_no_personal_data_of_any_source_reaches_any_table(built, tiny_sandbox):
    """Plates, residents' and petitioners' names, ID numbers and phones the stand-ins made."""
    settings, _ = built
    si = tiny_sandbox.stand_ins
    personal = set(si["smart_parking"].data.plates)
    for table, cols in (("households", ("hz_xm", "hz_sfzh", "lxdh", "jtzz")), ("recipients", ("xm", "sfzh"))):
        personal |= {r[c] for r in si["civil_affairs"].rows[table] for c in cols if r[c]}
    for case in si["petitions"].cases:
        personal |= {v[c] for _, v in case.versions for c in ("信访人姓名", "信访人身份证号", "信访人电话")}
    personal |= {s.phone for s in si["smart_city"].world.staff} | {s.name for s in si["smart_city"].world.staff}
    assert len(personal) > 100
    con = connect(settings.warehouse_path, read_only=True)
    try:
        columns = con.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where data_type = 'VARCHAR' and table_schema in ('staging', 'intermediate', 'marts')"
        ).fetchall()
        assert columns
        con.execute("create temp table personal as select unnest(?::varchar[]) as v", [sorted(personal)])
        for schema, table, column in columns:
            found = con.execute(
                f'select list(distinct "{column}") from {schema}.{table} where "{column}" in (select v from personal)'
            ).fetchone()[0]
            assert not found, f"{schema}.{table}.{column}"
    finally:
        con.close()


def test_petitions_show_the_newest_export_with_dates_parsed(built, tiny_sandbox):
    settings, _ = built
    exports = tiny_sandbox.stand_ins["petitions"]
    # cases exported with a defect (a missing case number among them) and petitioners' bad ID numbers
    bad = _quarantined(tiny_sandbox, "petitions", "cases") | {c.case_id for c in exports.cases if c.defect}
    truth = {k: v for k, v in exports.truth(tiny_sandbox.config.end).items() if k not in bad}
    assert truth
    rows = _rows(
        settings,
        "select case_id, registered_on, replied_on, satisfaction, extended, handling_due_on, mediator_staff_id "
        "from marts.fct_petitions",
    )
    assert rows and {r[0] for r in rows} == set(truth)
    world = tiny_sandbox.stand_ins["smart_city"].world
    mediated = 0
    for case_id, registered, replied, satisfaction, extended, due, mediator in rows:
        t = truth[case_id]
        assert (registered, replied, satisfaction or "", extended, due, mediator or "") == (
            t["登记日期"],
            t["答复日期"],
            t["满意度评价"],
            t["是否延期"] == "是",
            t["办结期限"],
            t["调解网格员"],
        )
        if mediator:  # the link to the grid worker who mediated: the case grid's worker that day
            mediated += 1
            assert mediator in world.staff_on(t["问题属地网格"], "fulltime_worker", registered)
    assert mediated
    corrected = [c for c in exports.cases if len([d for d, _ in c.versions if d < tiny_sandbox.config.end]) > 1]
    assert corrected  # some cases were corrected by a later file, and the newest version won above


def test_home_visits_and_applications_of_civil_affairs(built, tiny_sandbox):
    settings, _ = built
    civil = tiny_sandbox.stand_ins["civil_affairs"]
    cutoff = tiny_sandbox.config.clock.now().replace(tzinfo=None)
    households = {h["jt_id"]: h for h in civil.rows["households"]}
    visits = {v["zf_id"]: v for v in civil.rows["visits"] if v["update_time"] <= cutoff}
    rows = _rows(settings, "select visit_id, staff_id, grid_code from marts.fct_home_visits")
    assert rows and {r[0] for r in rows} == set(visits)
    for vid, staff, grid in rows:
        assert staff == visits[vid]["wgy_id"] and grid == households[visits[vid]["jt_id"]]["wg_bm"]
    apps = {a["sq_id"] for a in civil.rows["applications"] if a["update_time"] <= cutoff and not a["is_deleted"]}
    events = _rows(
        settings,
        "select source_record_id, grid_code from marts.fct_governance_events where source_system = 'civil_affairs'",
    )
    assert {e[0] for e in events} == apps and all(g is not None for _, g in events)


def test_reference_dimensions(built, tiny_sandbox):
    settings, _ = built
    world = tiny_sandbox.stand_ins["smart_city"].world
    levels = dict(_rows(settings, "select division_level, count(*) from marts.dim_division group by 1"))
    assert levels["township"] == 124 and levels["village"] == 2528 and levels["county"] == 9
    centres = _rows(
        settings,
        "select count(distinct command_centre_code) from marts.dim_division "
        "where command_level = 'county_command_centre'",
    )[0][0]
    assert centres == 10
    grids = _rows(settings, "select grid_code, area_km2, fulltime_worker_count, grid_leader_count from marts.dim_grid")
    assert sorted(g[0] for g in grids) == sorted(g.code for g in world.grids)
    assert all(a > 0 and leaders == 1 and ft == 1 for _, a, ft, leaders in grids)
    assert _rows(settings, "select count(*) from marts.dim_event_type")[0][0] == len(world.taxonomy)
    assert _rows(settings, "select count(*) from marts.dim_department")[0][0] == len(world.departments)


def test_no_personal_names_or_phones_reach_the_marts(built, tiny_sandbox):
    settings, _ = built
    world = tiny_sandbox.stand_ins["smart_city"].world
    names = _rows(settings, "select distinct staff_name_masked from marts.dim_grid_staff")
    real = {s.name for s in world.staff}
    assert names and not ({n for (n,) in names} & real)
    for table in mart_tables():
        cols = [
            c
            for (c,) in _rows(
                settings,
                "select column_name from information_schema.columns "
                f"where table_schema = 'marts' and table_name = '{table}'",
            )
        ]
        assert not {"name", "phone", "staff_name"} & set(cols)


@pytest.mark.e2e
@pytest.mark.servers  # the rerun publishes to PostgreSQL too, read by BI meanwhile (tests/warehouse/test_publish.py)
def test_rerunning_the_whole_pipeline_changes_no_mart(tiny_rerun):
    assert tiny_rerun.errors == []
    before, after = tiny_rerun.raw_before, tiny_rerun.raw_after
    entity, files = "smart_city/service_requests", "petitions/cases"
    assert after[entity] == 2 * before[entity] > 0  # raw is append-only: the rerun is a second load
    assert after[files] == before[files] > 0  # a petition file is landed once, not on every run
    # the build stamps (_loaded_at) included: a rerun that changes nothing restamps nothing
    for t in mart_tables():
        assert tiny_rerun.marts_after[t] == tiny_rerun.marts_before[t], t
