"""The folders a run writes in are tried before it starts, and a run that a full disk stops
half-way ends in one line naming the disk."""

from __future__ import annotations

import errno
import sqlite3
from collections import namedtuple

import pytest

from connectors.common.errors import ConfigError
from govhub import cli
from warehouse import settings
from warehouse.settings import MIN_FREE_MIB, ensure_writable

Usage = namedtuple("Usage", "total used free")


def test_a_folder_that_cannot_be_made_or_written_is_named_in_one_line(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(ConfigError, match=r"^GOVHUB_LAKE_DIR: cannot write in .*a-file/lake: Not a directory$"):
        ensure_writable(blocker / "lake", "GOVHUB_LAKE_DIR")

    def read_only(*_args, **_kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(settings.tempfile, "mkstemp", read_only)
    with pytest.raises(ConfigError, match=r"^GOVHUB_WAREHOUSE_PATH: cannot write in .*: Read-only file system$"):
        ensure_writable(tmp_path / "wh", "GOVHUB_WAREHOUSE_PATH")


def test_a_disk_nearly_full_is_refused_before_the_run_starts(tmp_path, monkeypatch):
    monkeypatch.setattr(settings.shutil, "disk_usage", lambda _: Usage(2**30, 2**30 - 3 * 2**20, 3 * 2**20))
    with pytest.raises(
        ConfigError, match=rf"only 3 MiB free on the disk of .*; a run needs at least {MIN_FREE_MIB} MiB"
    ):
        ensure_writable(tmp_path, "GOVHUB_WAREHOUSE_PATH")
    assert [p.name for p in tmp_path.iterdir()] == []  # the try left nothing


@pytest.mark.parametrize(
    ("failure", "free_mib", "says"),
    [
        (sqlite3.OperationalError("disk I/O error"), 0, "govhub: the disk is full: "),
        (
            OSError(errno.ENOSPC, "No space left on device", "/wh/lake/x.parquet"),
            500,
            "govhub: cannot write /wh/lake/x.parquet: No space left on device",
        ),
        (
            OSError(errno.EROFS, "Read-only file system", "/wh/kaifeng.duckdb"),
            500,
            "govhub: cannot write /wh/kaifeng.duckdb: Read-only file system",
        ),
    ],
)
def test_a_run_stopped_by_the_disk_ends_in_one_line(failure, free_mib, says, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GOVHUB_WAREHOUSE_PATH", str(tmp_path / "kaifeng.duckdb"))
    monkeypatch.setenv("GOVHUB_LAKE_DIR", str(tmp_path / "lake"))
    monkeypatch.setattr(settings.shutil, "disk_usage", lambda _: Usage(2**30, 0, free_mib * 2**20))

    def stopped(_args):
        raise failure

    monkeypatch.setattr(cli, "cmd_docs", stopped)
    assert cli.main(["docs"]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith(says)


def test_a_failure_with_room_on_the_disk_is_not_blamed_on_it(tmp_path, monkeypatch):
    monkeypatch.setenv("GOVHUB_WAREHOUSE_PATH", str(tmp_path / "kaifeng.duckdb"))
    monkeypatch.setattr(cli, "cmd_docs", lambda _args: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        cli.main(["docs"])
