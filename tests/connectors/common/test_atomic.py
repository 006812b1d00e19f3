"""Files written whole or not at all: a write that fails (here a disk that fills up half-way)
leaves the file before it as it was and no temporary file behind."""

from __future__ import annotations

import errno
from datetime import UTC, datetime

import pyarrow.parquet as pq
import pytest

from connectors.common.atomic import replaced_whole, write_text_whole
from connectors.common.lake import Lake, RawRecord


def _disk_full(*_args, **_kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


def test_a_write_that_fails_keeps_the_old_file_and_leaves_no_temporary_one(tmp_path):
    path = write_text_whole(tmp_path / "state.json", '{"v": 1}')
    with pytest.raises(OSError, match="No space left"), replaced_whole(path) as tmp:
        tmp.write_text('{"v": 2, "half', encoding="utf-8")
        _disk_full()
    assert path.read_text(encoding="utf-8") == '{"v": 1}'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.json"]


def test_a_landing_on_a_full_disk_leaves_no_file_and_no_commit(tmp_path, monkeypatch):
    lake = Lake(tmp_path)
    record = RawRecord(key="1", updated_at=None, payload='{"id": 1}', cursor="{}")
    lake.land("src", "things", "2026-10-01", "L1", [record], datetime.now(UTC))

    def half_then_full(table, where, **kwargs):
        open(where, "wb").write(b"PAR1 half a file")
        _disk_full()

    monkeypatch.setattr(pq, "write_table", half_then_full)
    with pytest.raises(OSError, match="No space left"):
        lake.land("src", "things", "2026-10-01", "L2", [record], datetime.now(UTC))
    day = lake.entity_dir("src", "things") / "lake_partition=2026-10-01"
    assert sorted(p.name for p in day.iterdir()) == ["L1-0000.parquet"]
    assert [c["load_id"] for c in lake.commits("src", "things")] == ["L1"]
