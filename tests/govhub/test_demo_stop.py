"""`govhub demo` asked to stop in the middle of its run (SIGTERM, as `kill` sends it, or
Ctrl-C): it stops within seconds, says so in one line, and leaves nothing running of what it
started (the stand-ins, a dbt build, a step's process)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid

import pytest

from tests.govhub.test_dev import _marked

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["sigterm", "ctrl-c"])
def test_demo_stops_mid_run_when_asked_and_leaves_nothing_running(stop, tmp_path):
    mark = uuid.uuid4().hex
    env = {k: v for k, v in os.environ.items() if k not in ("DAGSTER_HOME", "GOVHUB_LAKE_DIR", "GOVHUB_REPORTS_DIR")}
    env["GOVHUB_TEST_MARK"] = mark
    cmd = [sys.executable, "-m", "govhub.cli", "demo", "--preset", "tiny", "--days", "3", "--end", "2026-10-04"]
    proc = subprocess.Popen(
        [*cmd, "--warehouse", str(tmp_path / "w" / "kaifeng.duckdb")],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # the signal reaches govhub demo only, as kill(1) would send it
    )
    lines: list[str] = []
    first_job = threading.Event()

    def read() -> None:
        for line in proc.stdout:
            lines.append(line)
            if " succeeded (run " in line:
                first_job.set()

    threading.Thread(target=read, daemon=True).start()
    try:
        assert first_job.wait(300), "".join(lines)[-3000:]
        assert len(_marked(mark)) >= 2  # the demo and its stand-ins at least
        asked = time.monotonic()
        proc.send_signal(stop)
        code = proc.wait(timeout=120)
        took = time.monotonic() - asked
        deadline = time.monotonic() + 10
        while _marked(mark) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert _marked(mark) == [], "processes govhub demo started are still running"
        out = "".join(lines)
        assert code == 128 + stop, out[-3000:]
        assert "Traceback" not in out, out[-3000:]
        assert out.rstrip().splitlines()[-1].startswith("govhub: stopped"), out[-3000:]
        print(f"stopped {took:.1f} s after {signal.Signals(stop).name}")
    finally:
        if proc.poll() is None:
            proc.kill()
        for pid in _marked(mark):
            os.kill(pid, signal.SIGKILL)
