"""The foreground tools `govhub` starts (`dagster dev`, `dbt docs serve`, Superset) and must
not leave behind: each is stopped with everything it started.

A tool started here dies with its parent even when the parent is killed outright (Linux's
parent-death signal, sandbox/process.py), and runs in a process group of its own, so that
a stop reaches the processes it started too. (The stand-ins' child process is
sandbox/process.py's; the run's stop signals, orchestration/runner.py's.)
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import IO

from sandbox.process import die_with_parent

MARK = "GOVHUB_STARTED_BY"  # every process a foreground tool starts inherits it


def run_in_foreground(
    cmd: list[str], grace: float = 45.0, env: dict[str, str] | None = None, output: IO[bytes] | None = None
) -> int:
    """Run `cmd` until it ends or this process is asked to stop (Ctrl-C, SIGTERM, SIGHUP),
    its output to `output` (default: this process's).
    A stop goes to the tool's whole process group as SIGINT (the tools shut down cleanly on
    it), then SIGTERM after `grace` seconds, then SIGKILL; a process it started in a session
    of its own, left behind, is found by the mark in its environment and killed: nothing it
    started is left."""
    mark = f"{os.getpid()}-{time.monotonic_ns()}"
    proc = subprocess.Popen(
        cmd,
        env={**(env or os.environ), MARK: mark},
        stdout=output,
        stderr=subprocess.STDOUT if output is not None else None,
        start_new_session=True,
        preexec_fn=die_with_parent,
    )
    stopping = threading.Event()

    def ask_to_stop(*_) -> None:
        stopping.set()

    previous = {s: signal.signal(s, ask_to_stop) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    try:
        while proc.poll() is None and not stopping.wait(0.2):
            pass
        if proc.poll() is None:
            stop_group(proc, grace)
        return 0 if stopping.is_set() else proc.returncode
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        stop_group(proc, grace)  # whatever the tool left in its group
        for pid in processes_with(MARK, mark):  # and outside it
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def processes_with(variable: str, value: str) -> list[int]:
    """The live processes (this one aside) whose environment has variable=value (Linux: /proc)."""
    needle = f"{variable}={value}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if needle in (entry / "environ").read_bytes().split(b"\0"):
                if (entry / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
                    found.append(int(entry.name))
        except OSError:
            continue
    return found


def stop_group(proc: subprocess.Popen, grace: float) -> None:
    """SIGINT, then SIGTERM, then SIGKILL to the process group `proc` leads, each time
    waiting (`grace` seconds, then 5) for the whole group to end."""
    for sig, wait in ((signal.SIGINT, grace), (signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
        if not _group_alive(proc):
            return
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + wait
        while _group_alive(proc) and time.monotonic() < deadline:
            time.sleep(0.1)


def _group_alive(proc: subprocess.Popen) -> bool:
    """Whether any process of the group `proc` leads is left (the leader reaped when it ended)."""
    proc.poll()
    try:
        os.killpg(proc.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True
