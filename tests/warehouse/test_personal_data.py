"""No personal data and no secret reaches what BI can read, the Dagster event log of the
pipeline's runs, its logs, the kept validations and Data Docs, or even the raw lake.

What is looked for is what the stand-ins generated: residents' and petitioners' ID numbers,
phones, names and addresses, plate numbers, grid staff's phones and full names; and the
secrets of the run (API key, app secret, client secret, pseudonym key). Numbers and
addresses are searched as substrings; names, short enough to occur inside other words,
as whole values in tables and as substrings of three characters or more in text.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from dagster import DagsterInstance
from dagster._serdes import serialize_value

from warehouse.duckdb import connect
from warehouse.publish import BI_SCHEMAS, LINK_NAME


def _sensitive(running) -> dict[str, set[str]]:
    civil = running.stand_ins["civil_affairs"].rows
    petitions = running.stand_ins["petitions"]
    parking = running.stand_ins["smart_parking"].data
    clock = running.config.clock.now()
    out = {"number": set(), "name": set(), "secret": set()}
    for rows in civil.values():
        for r in rows:
            out["number"].update(str(r[c]) for c in ("hz_sfzh", "sfzh", "lxdh", "jtzz") if r.get(c))
            out["name"].update(str(r[c]) for c in ("hz_xm", "xm") if r.get(c))
    d = petitions.start
    while d < running.petitions_until:
        for r in petitions.rows_of(d):
            out["number"].update(str(r[c]) for c in ("信访人身份证号", "信访人电话") if r.get(c))
            if r.get("信访人姓名"):
                out["name"].add(str(r["信访人姓名"]))
        d = d.fromordinal(d.toordinal() + 1)
    for collection in ("sessions", "violations"):
        out["number"].update(
            r["plate_number"] for r in parking.truth(collection, clock).values() if r.get("plate_number")
        )
    for person in running.stand_ins["smart_city"].world.staff:
        out["number"].add(person.phone)
        out["name"].add(person.name)
    c = running.config
    out["secret"] = {c.smart_city_api_key, c.sharp_eyes_app_secret, c.smart_parking_client_secret, c.pseudonym_key}
    out["number"] = {v for v in out["number"] if len(v) >= 7}
    return out


def _finder(values: set[str]):
    pattern = re.compile("|".join(re.escape(v) for v in sorted(values, key=len, reverse=True)))
    return lambda text: pattern.findall(text)


@pytest.fixture(scope="module")
def sensitive(tiny_sandbox):
    found = _sensitive(tiny_sandbox)
    assert len(found["number"]) > 100 and len(found["name"]) > 50 and all(found["secret"])
    return found


def test_no_table_bi_can_read_holds_personal_data(tiny_warehouse, sensitive):
    settings, _ = tiny_warehouse
    published = settings.warehouse_path.parent / "published" / LINK_NAME
    con = connect(published, read_only=True)
    try:
        numbers = _finder(sensitive["number"] | sensitive["secret"])
        hits, cells = [], 0
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables where table_schema in ?",
            [list(BI_SCHEMAS)],
        ).fetchall()
        assert len(tables) >= 19
        for schema, table in tables:
            cols = [
                c
                for (c, t) in con.execute(
                    "select column_name, data_type from information_schema.columns where table_schema = ? "
                    "and table_name = ?",
                    [schema, table],
                ).fetchall()
                if t == "VARCHAR"
            ]
            for col in cols:
                for (value,) in con.execute(
                    f'select distinct "{col}" from "{schema}"."{table}" where "{col}" is not null'
                ).fetchall():
                    cells += 1
                    if value in sensitive["name"] or numbers(value):
                        hits.append((schema, table, col, value))
        assert cells > 1000
        assert hits == []
    finally:
        con.close()


def _texts(settings) -> dict[str, str]:
    """Every text the runs left: the Dagster event log, captured logs, dbt logs, the kept
    validations and Data Docs, and the raw lake's payloads."""
    out = {}
    instance = DagsterInstance.get()  # the pipeline fixture's DAGSTER_HOME
    for run in instance.get_runs():
        out[f"event log of run {run.run_id}"] = "\n".join(
            (e.user_message or "") + "\n" + (serialize_value(e.dagster_event) if e.dagster_event else "")
            for e in instance.all_logs(run.run_id)
        )
    home = Path(instance.root_directory)
    for path in [*home.rglob("*.out"), *home.rglob("*.err"), *home.rglob("*.log")]:
        out[str(path)] = path.read_text(encoding="utf-8", errors="replace")
    quality = settings.lake_dir / "quality"
    for path in [*quality.rglob("*.json"), *quality.rglob("*.html")]:
        out[str(path)] = path.read_text(encoding="utf-8", errors="replace")
    con = connect(":memory:")
    out["raw lake payloads"] = "\n".join(
        p
        for (p,) in con.execute(
            f"select payload from read_parquet('{settings.lake_dir}/raw/*/*/*/*.parquet')"
        ).fetchall()
    )
    con.close()
    return out


def test_no_log_event_log_validation_or_landing_holds_personal_data_or_secrets(tiny_warehouse, sensitive):
    settings, _ = tiny_warehouse
    texts = _texts(settings)
    assert any(k.startswith("event log") for k in texts) and len(texts["raw lake payloads"]) > 100_000
    find = _finder(sensitive["number"] | sensitive["secret"] | {n for n in sensitive["name"] if len(n) >= 3})
    hits = {where: sorted(set(find(text)))[:5] for where, text in texts.items()}
    assert {where: found for where, found in hits.items() if found} == {}


def test_the_check_would_see_personal_data_where_it_was(sensitive):
    """The finder is not blind: a raw value placed in a text is found."""
    number = next(iter(sensitive["number"]))
    assert _finder(sensitive["number"])(json.dumps({"x": f"… {number} …"}, ensure_ascii=False)) == [number]


def test_the_sources_type_personal_data_into_free_text(tiny_sandbox, sensitive):
    """What the connectors scrub is there to scrub: the stand-ins' free text (Smart City
    descriptions and lifecycle notes, home-visit findings, petition summaries) carries phone
    and ID numbers of the people above, as people type them."""
    find = _finder(sensitive["number"])
    civil = tiny_sandbox.stand_ins["civil_affairs"].rows
    petitions = tiny_sandbox.stand_ins["petitions"]
    smart_city = tiny_sandbox.stand_ins["smart_city"]
    texts = {
        "home-visit findings": [r["zfqk"] for r in civil["visits"]],
        "petition summaries": [r["内容摘要"] for c in petitions.cases for _, r in c.versions],
        "event descriptions": [e.description for e in smart_city.events.events],
        "lifecycle notes": [t.note for e in smart_city.events.events for t in e.transitions],
    }
    typed = {where: sum(bool(find(t)) for t in values) for where, values in texts.items()}
    assert all(n > 0 for n in typed.values()), typed
