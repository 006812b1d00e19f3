"""Petitions connector on an inbox of export files: completeness, encodings, bad files."""

from __future__ import annotations

import json
import os
from datetime import date

import duckdb
import pytest

from connectors.common.lake import Lake
from connectors.common.personal import Pseudonymizer
from connectors.petitions import UnreadableFile, complete_files, ingest_file, pending_files, read_rows
from sandbox.petitions.files import HEADERS, PetitionFiles
from sandbox.world import build_world

PSEUDO = Pseudonymizer("petitions-test-key-0123456789")
LIMIT = 10 * 1024 * 1024


@pytest.fixture(scope="module")
def exports():
    return PetitionFiles(build_world("tiny"), date(2026, 10, 1), date(2026, 10, 6))


@pytest.fixture
def inbox(exports, tmp_path):
    exports.write_inbox(tmp_path / "inbox", date(2026, 10, 6))
    return tmp_path / "inbox"


def _drop(inbox, name: str, data: bytes, done: bool = True):
    (inbox / name).write_bytes(data)
    if done:
        (inbox / f"{name}.done").touch()


def test_csv_in_gb18030_and_xlsx_both_read_with_their_chinese_headers(inbox, exports):
    files = complete_files(inbox)
    assert {f.name.rsplit(".", 1)[1] for f in files} == {"csv", "xlsx"}
    for f in files:
        rows = read_rows(f, LIMIT)
        expected = exports.rows_of(date(int(f.name[4:8]), int(f.name[8:10]), int(f.name[10:12])))
        assert [r["信访件编号"] for r in rows] == [e["信访件编号"] for e in expected]
        assert all(set(HEADERS) <= set(r) for r in rows)
        assert [r["信访人姓名"] for r in rows] == [e["信访人姓名"] for e in expected]


def test_utf8_with_bom_is_read_too(inbox):
    _drop(
        inbox,
        "信访件_20261010.csv",
        ("\ufeff" + ",".join(HEADERS) + "\r\nXF1,来信" + "," * (len(HEADERS) - 2) + "\r\n").encode("utf-8"),
    )
    f = next(f for f in complete_files(inbox) if f.name == "信访件_20261010.csv")
    assert read_rows(f, LIMIT)[0]["信访件编号"] == "XF1"


def test_a_file_still_being_written_is_not_picked_up(inbox):
    _drop(inbox, "信访件_20261011.csv", "信访件编号\r\n".encode("gb18030"), done=False)
    (inbox / "信访件_20261012.csv.part").write_bytes(b"x")
    names = {f.name for f in complete_files(inbox)}
    assert "信访件_20261011.csv" not in names and not any(n.endswith(".part") for n in names)


def test_bad_files_fail_with_a_message_naming_the_problem(inbox):
    _drop(inbox, "信访件_20261013.csv", b"")
    _drop(inbox, "信访件_20261014.csv", ",".join(HEADERS).encode("utf-16"))
    _drop(inbox, "信访件_20261015.csv", "信访件编号,来源形式\r\nXF9,来信\r\n".encode("gb18030"))
    _drop(inbox, "信访件_20261016.xlsx", b"PK\x03\x04 not really a workbook")
    _drop(inbox, "信访件_20261018.csv", b"\xff\xfd\xfe,\x80\xff")
    files = {f.name: f for f in complete_files(inbox)}
    for name, reason, message in [
        ("信访件_20261013.csv", "empty_file", "empty"),
        ("信访件_20261014.csv", "wrong_encoding", "is UTF-16 text, not UTF-8 or GB18030"),
        ("信访件_20261018.csv", "wrong_encoding", "neither UTF-8 nor GB18030"),
        ("信访件_20261015.csv", "missing_column", "问题属地网格"),
        ("信访件_20261016.xlsx", "not_a_workbook", "not a readable xlsx"),
    ]:
        with pytest.raises(UnreadableFile, match=message) as caught:
            read_rows(files[name], LIMIT)
        assert caught.value.reason == reason and name in str(caught.value)
    with pytest.raises(UnreadableFile, match="over the limit") as caught:
        read_rows(
            files["信访件_20261013.csv"].__class__("big.csv", files["信访件_20261015.csv"].path, LIMIT + 1), LIMIT
        )
    assert caught.value.reason == "too_large"


def test_a_file_that_cannot_be_read_is_landed_as_a_rejection_and_the_run_goes_on(inbox, tmp_path):
    _drop(inbox, "信访件_20261013.csv", b"")
    _drop(
        inbox,
        "信访件_20261019.csv",
        (",".join(HEADERS) + "\r\nXF3,来信" + "," * (len(HEADERS) - 2) + "\r\n").encode("gb18030"),
    )
    lake = Lake(tmp_path / "lake")
    results = {f.name: ingest_file(lake, f, PSEUDO, LIMIT) for f in pending_files(lake, inbox)}
    assert results["信访件_20261013.csv"].rejected == "is empty" and results["信访件_20261013.csv"].records == 0
    assert results["信访件_20261019.csv"].rejected is None and results["信访件_20261019.csv"].records == 1
    rejected = duckdb.sql(f"select record_key, payload from read_parquet('{lake.glob('petitions', 'rejected_files')}')")
    ((key, payload),) = rejected.fetchall()
    assert key == "信访件_20261013.csv" and json.loads(payload)["reason"] == "empty_file"
    assert pending_files(lake, inbox) == []  # refused once; read again only when re-exported


def test_an_extra_column_is_kept(inbox):
    _drop(
        inbox,
        "信访件_20261017.csv",
        (",".join([*HEADERS, "备注"]) + "\r\n" + "XF2," + "," * (len(HEADERS) - 1) + "新增列\r\n").encode("gb18030"),
    )
    f = next(f for f in complete_files(inbox) if f.name == "信访件_20261017.csv")
    assert read_rows(f, LIMIT)[0]["备注"] == "新增列"


def test_names_that_could_escape_the_inbox_are_ignored(inbox, tmp_path):
    outside = tmp_path / "outside.csv"
    outside.write_bytes(",".join(HEADERS).encode("gb18030"))
    os.symlink(outside, inbox / "信访件_20261018.csv")
    (inbox / "信访件_20261018.csv.done").touch()
    (inbox / "..evil.csv.done").touch()
    assert "信访件_20261018.csv" not in {f.name for f in complete_files(inbox)}


def test_each_file_lands_once_pseudonymized_and_a_changed_file_again(inbox, exports, tmp_path):
    lake = Lake(tmp_path / "lake")
    pending = pending_files(lake, inbox)
    assert len(pending) == 5
    for f in pending:
        ingest_file(lake, f, PSEUDO, LIMIT)
    assert pending_files(lake, inbox) == []
    rows = duckdb.sql(
        f"select record_key, record_updated_at, payload from read_parquet('{lake.glob('petitions', 'cases')}')"
    ).fetchall()
    names = {c.versions[0][1]["信访人姓名"] for c in exports.cases}
    for _, stamp, payload in rows:
        item = json.loads(payload)
        assert "信访人姓名" not in item and "信访人身份证号" not in item and "信访人电话" not in item
        assert not any(n in payload for n in names)
        assert stamp[:8].isdigit() and stamp[8] == "#"
    first = sorted(f.name for f in complete_files(inbox))[0]
    with open(inbox / first, "ab") as fh:
        fh.write(b" ")
    assert [f.name for f in pending_files(lake, inbox)] == [first]
