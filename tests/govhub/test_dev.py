"""`govhub dev`: its URLs first, its Dagster instance beside its warehouse, and on SIGTERM
or Ctrl-C nothing left running of what it started (the webserver, the daemon, their code
servers, the stand-ins)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import uuid

import pytest

from govhub.processes import processes_with

pytestmark = pytest.mark.e2e


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _marked(mark: str) -> list[int]:
    """The processes whose environment carries `mark` (every process govhub dev started
    inherits it)."""
    return processes_with("GOVHUB_TEST_MARK", mark)


def _wait_for(url: str, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                if r.status == 200:
                    return True
        except OSError:
            time.sleep(1)
    return False


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["sigterm", "ctrl-c"])
def test_dev_prints_its_urls_first_and_leaves_nothing_running_when_stopped(stop, tiny_sandbox, tmp_path):
    mark = uuid.uuid4().hex
    ui, docs = _free_port(), _free_port()
    warehouse = tmp_path / "w" / "kaifeng.duckdb"
    env = {k: v for k, v in os.environ.items() if k not in ("DAGSTER_HOME", "GOVHUB_LAKE_DIR")}
    env.update(tiny_sandbox.env(), GOVHUB_TEST_MARK=mark)  # a running sandbox: reused, none started
    cmd = [sys.executable, "-m", "govhub.cli", "dev", "--warehouse", str(warehouse)]
    proc = subprocess.Popen(
        [*cmd, "--port", str(ui), "--docs-port", str(docs)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # a signal from this test reaches govhub dev only, as kill(1) would
    )
    try:
        first = proc.stdout.readline()
        assert first.startswith(f"Dagster UI    http://127.0.0.1:{ui}"), first
        assert proc.stdout.readline().startswith(f"GX Data Docs  http://127.0.0.1:{docs}/index.html")
        rest: list[str] = []  # read on, so that the pipe never fills
        threading.Thread(target=lambda: rest.extend(proc.stdout), daemon=True).start()
        assert _wait_for(f"http://127.0.0.1:{ui}/server_info", 240), "the UI did not come up"
        assert (warehouse.parent / ".dagster_home" / "dagster.yaml").exists()  # the warehouse's own instance
        assert len(_marked(mark)) >= 3  # govhub dev, dagster dev, the webserver and the daemon
        proc.send_signal(stop)
        assert proc.wait(timeout=150) == 0, "".join(rest)[-3000:]
        deadline = time.monotonic() + 10
        while _marked(mark) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert _marked(mark) == [], "processes govhub dev started are still running"
        with socket.socket() as s:  # nothing listens on its port any more (closed connections may linger)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", ui))
    finally:
        if proc.poll() is None:
            proc.kill()
        for pid in _marked(mark):
            os.kill(pid, signal.SIGKILL)
