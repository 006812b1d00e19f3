"""Quarantine and row accounting on the tiny pipeline, against the stand-ins' own truth.

The stand-ins serve a few defective records on purpose and know which (sandbox.defects).
The warehouse must put exactly those in quarantine, each under the right reason and field,
keep an unmapped code as an event (counted, not quarantined), and account for every landed
row: landed = conformed + quarantined, per source, entity, partition and load.
"""

from __future__ import annotations

import duckdb

from sandbox.defects import ENTITY_KINDS


def _expected(tiny_sandbox) -> set[tuple[str, str, str, str]]:
    """(source, entity, record id, reason) of every defect the warehouse must quarantine."""
    return {
        (d.source, d.entity, d.record_id if d.record_id is not None else d.locator, d.kind)
        for d in tiny_sandbox.defects()
        if d.kind != "unmapped_code"
    }


def test_the_quarantine_holds_exactly_the_defects_the_stand_ins_served(con, tiny_sandbox):
    got = set(
        con.execute(
            "select distinct source_system, entity, record_id, reason from quarantine.quarantine_records"
        ).fetchall()
    )
    expected = _expected(tiny_sandbox)
    assert got == expected
    # every kind each entity is dealt shows within the tiny window, under its own reason
    dealt = {(s, e, k) for (s, e), kinds in ENTITY_KINDS.items() for k in kinds if k != "unmapped_code"}
    assert dealt <= {(s, e, reason) for s, e, _, reason in got}
    assert ("civil_affairs", "recipients", "invalid_id_check_digit") in {(s, e, r) for s, e, _, r in got}


def test_each_quarantine_row_names_the_field_value_load_and_reason(con, tiny_sandbox):
    fields = {(d.source, d.entity, d.kind): d.field for d in tiny_sandbox.defects()}
    rows = con.execute(
        "select source_system, entity, reason, field_name, offending_value, load_id, reason_description "
        "from quarantine.quarantine_records"
    ).fetchall()
    assert rows
    for source, entity, reason, field, value, load_id, description in rows:
        assert field == fields[(source, entity, reason)]
        assert load_id and description
        assert value is not None or reason in ("missing_required_field", "missing_record_key")
    # offending values are shown as served: a time that is no time, a masked ID number
    values = {(r[0], r[2]): r[4] for r in rows}
    assert values[("petitions", "unparseable_time")] == "不详"
    assert "*" in values[("civil_affairs", "invalid_id_check_digit")]


def test_row_accounting_balances_for_every_entity_and_load(con):
    rows = con.execute(
        "select source_system, entity, landed_rows, conformed_rows, quarantined_rows, unaccounted_rows "
        "from quarantine.row_accounting"
    ).fetchall()
    assert {(s, e) for s, e in ENTITY_KINDS} <= {(s, e) for s, e, *_ in rows}
    assert all(u == 0 and landed == c + q for *_, landed, c, q, u in rows)
    assert (
        sum(q for *_, q, _ in rows) == con.execute("select count(*) from quarantine.quarantine_records").fetchone()[0]
    )


def test_row_accounting_counts_what_is_in_the_lake(con, tiny_warehouse):
    settings, _ = tiny_warehouse
    lake = settings.lake_dir / "raw"
    accounted = dict(
        con.execute(
            "select source_system || '/' || entity, sum(landed_rows) from quarantine.row_accounting group by 1"
        ).fetchall()
    )
    in_lake = {}
    for entity_dir in sorted(p for p in lake.glob("*/*") if p.is_dir()):
        n = duckdb.sql(f"select count(*) from read_parquet('{entity_dir}/**/*.parquet')").fetchone()[0]
        if n:  # an entity whose loads were all empty has no rows to account for
            in_lake[f"{entity_dir.parent.name}/{entity_dir.name}"] = n
    assert in_lake and accounted == in_lake


def test_an_unmapped_code_is_kept_and_counted(con, tiny_sandbox):
    unmapped = {d.record_id for d in tiny_sandbox.defects() if d.kind == "unmapped_code"}
    assert unmapped
    rows = con.execute(
        "select source_record_id, event_type_code, source_event_code from marts.fct_governance_events "
        "where source_system = 'sharp_eyes' and event_type_code is null"
    ).fetchall()
    assert {r[0] for r in rows} == unmapped
    codes = {r[2] for r in rows}
    counted = dict(
        con.execute(
            "select source_event_code, event_count from quarantine.unmapped_source_codes where code_set = 'event_type' and source_system = 'sharp_eyes'"
        ).fetchall()
    )
    assert set(counted) == codes and sum(counted.values()) == len(unmapped)
