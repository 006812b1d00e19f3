"""The raw lake: its commit log, its cursor state (how far a source has been read), and the
files set aside when they can no longer be read."""

from __future__ import annotations

from datetime import datetime

from connectors.common.lake import Lake, raw_table
from sandbox.clock import SHANGHAI


def test_read_through_follows_the_cursors_not_the_data(tmp_path):
    lake = Lake(tmp_path)
    assert lake.read_through("smart_city", "service_requests") is None
    # read by day: the latest day cursor, also for a last day that brought no record
    lake.write_state(
        "civil_affairs",
        "visits",
        {"partitions": {"2026-11-30": "2026-12-01T00:00:00+08:00", "2026-11-29": "2026-11-30T00:00:00+08:00"}},
    )
    assert lake.read_through("civil_affairs", "visits") == datetime(2026, 12, 1, tzinfo=SHANGHAI)
    assert not lake.entity_dir("civil_affairs", "visits").exists()
    # read in windows: the end of the last window read
    lake.write_state("sharp_eyes", "events", {"fetched_until": "2026-11-15T08:30:00+08:00"})
    assert lake.read_through("sharp_eyes", "events") == datetime(2026, 11, 15, 8, 30, tzinfo=SHANGHAI)


def test_payload_text_is_the_compact_unescaped_json_of_the_record():
    import json

    from sqlalchemy.sql.elements import quoted_name

    from connectors.common.lake import payload_text

    records = [
        {"id": 1, "名称": "开封市龙亭区", "nested": {"a": [1, 2.5, None, True]}, "s": 'quote " and \\ and \n'},
        {quoted_name("update_time", None): "2026-10-01T08:00:00+08:00", "emoji": "😀", "empty": {}},
        {"z": 1, "a": 2},  # the source's key order is kept
    ]
    for r in records:
        text = payload_text(r)
        assert text == json.dumps(r, ensure_ascii=False, separators=(",", ":"))
        assert json.loads(text) == r


def _record(i: int):
    from connectors.common.lake import RawRecord

    return RawRecord(key=str(i), updated_at=None, payload=f'{{"id": {i}}}', cursor="{}")


def test_every_landing_is_committed_in_order_with_its_files_and_rows(tmp_path):
    from datetime import UTC

    lake = Lake(tmp_path)
    now = datetime.now(UTC)
    lake.land("src", "things", "2026-10-01", "L1", [_record(i) for i in range(5)], now, batch_rows=2)
    lake.land("src", "things", "2026-10-02", "L1", [], now)
    lake.land("src", "things", "2026-10-01", "L2", [_record(9)], now)
    commits = lake.commits("src", "things")
    assert [(c["load_id"], c["lake_partition"], c["row_count"], len(c["files"])) for c in commits] == [
        ("L1", "2026-10-01", 5, 3),
        ("L1", "2026-10-02", 0, 1),
        ("L2", "2026-10-01", 1, 1),
    ]
    times = [datetime.fromisoformat(c["committed_at"]) for c in commits]
    assert times == sorted(times) and len(set(times)) == 3
    assert lake.uncommitted_files("src", "things") == []
    assert lake.format_version() == 2


def test_a_load_lands_a_day_once(tmp_path):
    import pytest

    lake = Lake(tmp_path)
    lake.land("src", "things", "2026-10-01", "L1", [_record(1)], datetime.now())
    with pytest.raises(ValueError, match="already landed"):
        lake.land("src", "things", "2026-10-01", "L1", [_record(2)], datetime.now())


def test_files_of_a_load_that_died_before_its_commit_are_not_committed(tmp_path):
    lake = Lake(tmp_path)
    lake.land("src", "things", "2026-10-01", "L1", [_record(1)], datetime.now())
    # a second load died after writing its first file: no commit names it
    lake._write(
        lake.entity_dir("src", "things") / "lake_partition=2026-10-01" / "L2-0000.parquet",
        raw_table("L2", datetime.now(), [_record(2)]),
    )
    assert [p.name for p in lake.uncommitted_files("src", "things")] == ["L2-0000.parquet"]
    assert [c["load_id"] for c in lake.commits("src", "things")] == ["L1"]


def test_a_lake_without_a_commit_log_is_upgraded_with_every_file_committed(tmp_path):
    import os

    lake = Lake(tmp_path)
    d = lake.entity_dir("src", "things")
    for i, (day, load) in enumerate([("2026-10-01", "L1"), ("2026-10-02", "L1"), ("2026-10-01", "L2")]):
        path = d / f"lake_partition={day}" / f"{load}-0000.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        lake._write(path, raw_table(load, datetime.now(), [_record(i), _record(i + 10)]))
        os.utime(path, (1_000_000 + i, 1_000_000 + i))
    assert lake.format_version() == 1
    assert lake.upgrade() == 3
    assert lake.format_version() == 2
    assert [(c["load_id"], c["lake_partition"], c["row_count"]) for c in lake.commits("src", "things")] == [
        ("L1", "2026-10-01", 2),
        ("L1", "2026-10-02", 2),
        ("L2", "2026-10-01", 2),
    ]
    assert lake.upgrade() == 0  # nothing twice


def test_a_lake_written_by_a_newer_format_is_refused_and_left_as_it_is(tmp_path):
    import json

    import pytest

    from connectors.common.errors import ConfigError

    lake = Lake(tmp_path)
    lake.entity_dir("src", "things").mkdir(parents=True)
    (tmp_path / "_lake.json").write_text(json.dumps({"format": 3}) + "\n")
    with pytest.raises(ConfigError, match="format 3, written by a newer version"):
        lake.upgrade()
    assert json.loads((tmp_path / "_lake.json").read_text()) == {"format": 3}
    assert not (tmp_path / "_log" / "src").exists()


def test_committed_files_that_cannot_be_read_are_set_aside_once_and_named_in_the_log(tmp_path):
    from datetime import UTC

    import pyarrow as pa
    import pyarrow.parquet as pq

    lake = Lake(tmp_path)
    now = datetime.now(UTC)
    lake.land("src", "things", "2026-10-01", "L1", [_record(i) for i in range(5)], now, batch_rows=2)
    lake.land("src", "things", "2026-10-01", "L2", [_record(9)], now)
    lake.land("src", "other", "2026-10-02", "L3", [_record(7)], now)
    assert lake.set_aside_unreadable() == []
    lake.land("src", "things", "2026-10-03", "L4", [_record(i) for i in range(3)], now, batch_rows=2)
    lake.land("src", "other", "2026-10-03", "L5", [_record(8)], now)
    day = lake.entity_dir("src", "things") / "lake_partition=2026-10-03"
    (day / "L4-0001.parquet").write_bytes(b"PAR1 cut short")  # its 1 row
    (lake.entity_dir("src", "other") / "lake_partition=2026-10-03" / "L5-0000.parquet").unlink()
    # an earlier file, checked already, is not read again
    (lake.entity_dir("src", "things") / "lake_partition=2026-10-01" / "L2-0000.parquet").write_bytes(b"")
    found = lake.set_aside_unreadable()
    assert [(f["entity"], f["load_id"], f["unreadable_file"], f["unreadable_rows"]) for f in found] == [
        ("other", "L5", "L5-0000.parquet", 1),
        ("things", "L4", "L4-0001.parquet", 1),
    ]
    assert found[0]["unreadable_error"] == "the file is missing" and found[1]["unreadable_error"]
    assert (tmp_path / "unreadable" / "src" / "things" / "lake_partition=2026-10-03" / "L4-0001.parquet").exists()
    assert [p.name for p in day.iterdir()] == ["L4-0000.parquet"]
    logged = [c for c in lake.commits("src", "things") if c.get("unreadable_file")]
    assert [(c["load_id"], c["files"], c["row_count"]) for c in logged] == [("L4", [], 0)]
    assert lake.uncommitted_files("src", "things") == []
    assert lake.set_aside_unreadable() == []
    # a readable file without the lake's columns is set aside too
    lake.land("src", "things", "2026-10-04", "L6", [_record(1)], now)
    pq.write_table(
        pa.table({"id": [1]}), lake.entity_dir("src", "things") / "lake_partition=2026-10-04" / "L6-0000.parquet"
    )
    (wrong,) = lake.set_aside_unreadable()
    assert wrong["unreadable_error"] == "its columns are not the lake's (id)" and wrong["unreadable_rows"] == 1


def test_batches_and_single_records_land_alike_in_their_order(tmp_path):
    from datetime import UTC

    import pyarrow.parquet as pq

    from connectors.common.lake import RawBatch

    lake = Lake(tmp_path)
    batch = RawBatch(["1", "2", None], ["t1", "t2", None], [b'{"id":1}', '{"id":2}', b'{"id":null}'], '{"page":1}')
    lake.land("src", "things", "2026-10-01", "L1", [_record(0), batch, _record(3)], datetime.now(UTC), batch_rows=2)
    (commit,) = lake.commits("src", "things")
    assert (commit["row_count"], len(commit["files"])) == (5, 3)
    folder = lake.entity_dir("src", "things") / "lake_partition=2026-10-01"
    rows = [r for f in commit["files"] for r in pq.read_table(folder / f).to_pylist()]
    assert [(r["record_key"], r["record_updated_at"], r["payload"], r["source_cursor"]) for r in rows] == [
        ("0", None, '{"id": 0}', "{}"),
        ("1", "t1", '{"id":1}', '{"page":1}'),
        ("2", "t2", '{"id":2}', '{"page":1}'),
        (None, None, '{"id":null}', '{"page":1}'),
        ("3", None, '{"id": 3}', "{}"),
    ]


def test_a_write_that_fails_commits_nothing_from_it_on(tmp_path, monkeypatch):
    """The writer threads write files in parallel; a day is committed only once all of its
    files are in place, and once a write has failed nothing more is committed."""
    from datetime import UTC

    import pytest

    from connectors.common.lake import RawBatch

    lake = Lake(tmp_path)
    write = Lake._write

    def failing(path, table):
        if path.parent.name.endswith("10-02") and path.name.endswith("0001.parquet"):
            raise OSError("No space left on device")
        return write(path, table)

    monkeypatch.setattr(Lake, "_write", staticmethod(failing))
    rows = RawBatch([str(i) for i in range(5)], [None] * 5, [f'{{"id":{i}}}' for i in range(5)], "{}")
    with pytest.raises(OSError, match="No space left"):
        with lake.landing("src", "things", "L1", datetime.now(UTC), batch_rows=2) as landing:
            for day in ("2026-10-01", "2026-10-02", "2026-10-03"):
                landing.add(day, rows)
                landing.finish(day)
    # the day before may be committed or not (its commit may come after the failure); the
    # failed day and the days after it are not, and their files stay uncommitted (unread)
    assert [c["lake_partition"] for c in lake.commits("src", "things")] in ([], ["2026-10-01"])
    assert "lake_partition=2026-10-02" in {p.parent.name for p in lake.uncommitted_files("src", "things")}
    assert not list(tmp_path.rglob("*.tmp"))  # no half-written file left behind
