"""Commands that only read never wait for a build: they read the published copy, and where
the warehouse itself is held by a writer they say so in one line, naming it."""

from __future__ import annotations

import subprocess
import sys

import pytest

from warehouse.duckdb import WarehouseBusy, connect, connect_for_reading, ensure_readable
from warehouse.publish import LINK_NAME


@pytest.fixture
def writer(tmp_path):
    """A process holding the warehouse open for writing, as a build does."""
    path = tmp_path / "kaifeng.duckdb"
    con = connect(path)
    con.execute("create schema marts; create table marts.t as select 1 as x")
    con.close()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, time; c = duckdb.connect({str(path)!r}); print('ready', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout.readline().strip() == "ready"
    yield path, proc.pid
    proc.kill()
    proc.wait()


def test_a_held_warehouse_is_named_with_its_writer_in_one_line(writer):
    path, pid = writer
    with pytest.raises(WarehouseBusy) as err:
        ensure_readable(path)
    message = str(err.value)
    assert "\n" not in message and f"process {pid} (python" in message and str(path) in message
    with pytest.raises(WarehouseBusy, match=f"process {pid}"):
        connect_for_reading(path)


def test_readers_read_the_published_copy_while_the_warehouse_is_held(writer):
    path, _ = writer
    published = path.parent / "published" / LINK_NAME
    published.parent.mkdir()
    con = connect(published)
    con.execute("create schema marts; create table marts.t as select 2 as x")
    con.close()
    con, read = connect_for_reading(path)
    try:
        assert read == published and con.execute("select x from marts.t").fetchone() == (2,)
    finally:
        con.close()


def test_points_explain_while_a_build_writes_ends_in_one_line(writer, monkeypatch):
    path, pid = writer
    monkeypatch.setenv("GOVHUB_WAREHOUSE_PATH", str(path))
    done = subprocess.run(
        [sys.executable, "-m", "govhub.cli", "points", "explain", "--worker", "GS0000001", "--month", "2026-10"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and f"process {pid}" in done.stderr and "Traceback" not in done.stderr
