"""The bad-input corpus of every source (tests/connectors/<source>/corpus.py) landed beside
the tiny world and built: every malformed record ends in quarantine under the right reason
and field, a file that cannot be read is refused whole with its reason, a new field is kept
and reported, the build does not fail, and every landed row is accounted for."""

from __future__ import annotations

import json
import shutil

import pytest

from connectors.common.lake import Lake
from connectors.common.personal import Pseudonymizer
from connectors.petitions.files import InboxFile
from connectors.petitions.ingest import ingest_file
from quality.drift import new_fields
from tests.connectors.bad_input import land
from tests.connectors.civil_affairs import corpus as civil_affairs
from tests.connectors.petitions import corpus as petitions
from tests.connectors.sharp_eyes import corpus as sharp_eyes
from tests.connectors.smart_city import corpus as smart_city
from tests.connectors.smart_parking import corpus as smart_parking
from tests.dbt_project.dbt_cli import dbt_env, run_dbt
from warehouse.duckdb import connect

CORPORA = (smart_city, sharp_eyes, smart_parking, civil_affairs)
MAX_FILE_BYTES = 1_000_000


@pytest.fixture(scope="module")
def built(tiny_warehouse, tiny_sandbox, tmp_path_factory):
    settings, _ = tiny_warehouse
    root = tmp_path_factory.mktemp("bad_input")
    warehouse = root / "kaifeng.duckdb"
    shutil.copy(settings.warehouse_path, warehouse)
    shutil.copytree(settings.lake_dir, root / "lake", ignore=shutil.ignore_patterns("quality"))
    lake = Lake(root / "lake")
    cases, drift = [], {}
    for corpus in CORPORA:
        for case in corpus.cases(tiny_sandbox):
            land(lake, case, corpus.LANDINGS[case.entity])
            drift[case.name] = new_fields(
                lake.entity_dir(case.source, case.entity), lake.load_files(case.source, case.entity, case.load_ids)
            )
            cases.append(case)
    inbox = root / "inbox"
    inbox.mkdir()
    files = petitions.cases(tiny_sandbox)
    results = {}
    for f in files:
        path = inbox / f.file_name
        path.write_bytes(f.data)
        results[f.file_name] = ingest_file(
            lake,
            InboxFile(f.file_name, path, len(f.data)),
            Pseudonymizer("corpus-key-0123456789abcdef"),
            MAX_FILE_BYTES,
        )
    done = run_dbt(["build", "--exclude-resource-type", "unit_test"], dbt_env(warehouse, lake.root), root)
    assert done.returncode == 0, "the build failed on bad input:\n" + done.stdout[-4000:]
    con = connect(warehouse, read_only=True)
    yield con, cases, drift, files, results, lake
    con.close()


def test_every_bad_record_ends_in_quarantine_under_its_reason_and_field(built):
    con, cases, _, _, _, _ = built
    wrong = []
    for case in [c for c in cases if c.reason]:
        rows = con.execute(
            "select reason, field_name, offending_value from quarantine.quarantine_records "
            "where source_system = ? and entity = ? and load_id = ?",
            [case.source, case.entity, case.load_ids[-1]],
        ).fetchall()
        if [(r, f) for r, f, _ in rows] != [(case.reason, case.field_name)]:
            wrong.append((case.source, case.entity, case.name, rows))
        for earlier in case.load_ids[:-1]:  # what the defect contradicts was conformed
            accounted = con.execute(
                "select conformed_rows, quarantined_rows from quarantine.row_accounting where load_id = ?", [earlier]
            ).fetchall()
            if accounted != [(1, 0)]:
                wrong.append((case.source, case.entity, case.name + " (the first landing)", accounted))
    assert wrong == []
    kinds = {c.reason for c in cases if c.reason}
    assert kinds >= {
        "missing_record_key",
        "missing_required_field",
        "wrong_type",
        "unparseable_time",
        "impossible_date",
        "unknown_code",
        "out_of_range",
        "outside_kaifeng",
        "invalid_id_check_digit",
        "malformed_id_number",
        "conflicting_duplicate",
        "conflicting_keys",
    }
    named = con.execute(
        "select offending_value from quarantine.quarantine_records where reason = 'conflicting_keys' order by 1"
    ).fetchall()
    assert named == [('"grid_code"',), ('"lat"',)]  # the keys, never their values


def test_a_new_field_is_kept_in_the_payload_reported_and_the_record_conformed(built):
    con, cases, drift, _, _, lake = built
    drifted = [c for c in cases if c.new_fields]
    assert drifted
    for case in drifted:
        assert drift[case.name] == case.new_fields
        assert con.execute(
            "select conformed_rows, quarantined_rows from quarantine.row_accounting where load_id = ?",
            [case.load_ids[0]],
        ).fetchall() == [(1, 0)]
        (payload,) = con.execute(
            "select payload from read_parquet(?)", [lake.load_files(case.source, case.entity, case.load_ids)]
        ).fetchone()
        assert all(f in json.loads(payload) for f in case.new_fields)
    # the records without new fields report none
    assert all(drift[c.name] == [] for c in cases if not c.new_fields)


def test_bad_petition_rows_are_quarantined_and_unreadable_files_refused_whole(built):
    con, _, _, files, results, _ = built
    quarantined = {
        record: (reason, field, value)
        for record, reason, field, value in con.execute(
            "select record_id, reason, field_name, offending_value from quarantine.quarantine_records "
            "where source_system = 'petitions'"
        ).fetchall()
    }
    for f in files:
        if f.rejected:
            assert results[f.file_name].records == 0 and results[f.file_name].rejected
            reason, field, value = quarantined[f.file_name]
            assert (reason, field) == ("unreadable_file", "file") and value.startswith(f.rejected + ": ")
        for case_id, expected in f.rows.items():
            assert quarantined[case_id][:2] == expected, case_id
        for case_id in f.conformed:
            assert case_id not in quarantined, case_id
            found = con.execute("select count(*) from marts.fct_petitions where case_id = ?", [case_id]).fetchone()
            assert found == (1,), (f.name, case_id)


def test_nothing_landed_is_unaccounted_for(built):
    con = built[0]
    assert con.execute("select sum(unaccounted_rows) from quarantine.row_accounting").fetchone()[0] == 0
