"""The processes `govhub` starts and must not leave behind: the stand-ins in a child process,
a foreground tool (`dagster dev`, `dbt docs serve`) stopped with everything it started, and
the GX Data Docs site served from a thread.

A child started here dies with its parent even when the parent is killed outright (Linux's
parent-death signal), and a foreground tool runs in a process group of its own, so that a
stop reaches the processes it started too.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path
from typing import IO

PR_SET_PDEATHSIG = 1
try:  # loaded here, never between fork and exec
    _PRCTL = ctypes.CDLL(None, use_errno=True).prctl
except (OSError, AttributeError):  # not Linux
    _PRCTL = None


def _die_with_parent() -> None:
    """In the child before it runs: SIGTERM when the parent dies (Linux; elsewhere nothing)."""
    if _PRCTL is not None:
        _PRCTL(PR_SET_PDEATHSIG, signal.SIGTERM)


class SandboxProcess:
    """`govhub sandbox serve` in a child process: the connectors reach it only over HTTP."""

    def __init__(
        self, preset: str, seed: int, start: date, end: date, faults: str | None = None, cache: bool = False
    ) -> None:
        cmd = [
            sys.executable,
            "-m",
            "govhub.cli",
            "sandbox",
            "serve",
            "--env-json",
            "--preset",
            preset,
            "--seed",
            str(seed),
            "--start",
            start.isoformat(),
            "--end",
            end.isoformat(),
            *(["--faults", faults] if faults else []),
            *(["--cache"] if cache else []),
        ]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, preexec_fn=_die_with_parent)
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the sandbox did not start (exit code {self.proc.wait()})")
        self.env: dict[str, str] = json.loads(line)
        self.report: dict = {"faults": {}, "notes": []}

    def stop(self) -> None:
        """Stop the stand-ins; `report` then holds the faults they injected."""
        if self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            out, _ = self.proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return
        for line in (out or "").splitlines():
            if line.startswith("{"):
                self.report = json.loads(line)


MARK = "GOVHUB_STARTED_BY"  # every process a foreground tool starts inherits it


class Stopped(Exception):
    """The command was asked to stop (Ctrl-C or SIGTERM) and did."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


class StopSignals:
    """Ctrl-C and SIGTERM asking this process to stop: each raises KeyboardInterrupt where it
    lands, and is noted whichever handler holds it then. Dagster puts in its own handler for
    the length of a run (SIGTERM mapped to it) and ends an interrupted run as failed, returning
    as from any other failure; the signal's number still reaches the pipe that Python's C-level
    handler writes every signal to (signal.set_wakeup_fd), so that what runs the jobs can tell
    a stop from a failure and go no further. Leaving the block on KeyboardInterrupt raises
    Stopped with the signal."""

    STOPS = (signal.SIGINT, signal.SIGTERM)
    _current: StopSignals | None = None

    def __init__(self) -> None:
        self._read, self._write = os.pipe()
        for fd in (self._read, self._write):
            os.set_blocking(fd, False)
        self.received: list[int] = []

    def __enter__(self) -> StopSignals:
        self._wakeup = signal.set_wakeup_fd(self._write, warn_on_full_buffer=False)
        self._handlers = {s: signal.signal(s, self._interrupt) for s in self.STOPS}
        StopSignals._current = self
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        signum = self.first()
        StopSignals._current = None
        for s, handler in self._handlers.items():
            signal.signal(s, handler)
        signal.set_wakeup_fd(self._wakeup)
        os.close(self._read)
        os.close(self._write)
        if exc_type is KeyboardInterrupt:
            raise Stopped(signum or signal.SIGINT) from None

    @staticmethod
    def _interrupt(signum, frame) -> None:
        raise KeyboardInterrupt

    def first(self) -> int | None:
        """The first stop signal received so far, or None."""
        with contextlib.suppress(BlockingIOError):
            self.received.extend(os.read(self._read, 1024))
        return next((s for s in self.received if s in self.STOPS), None)

    @classmethod
    def requested(cls) -> int | None:
        """The stop signal the process has received while one was listening, or None."""
        return cls._current.first() if cls._current is not None else None


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
        preexec_fn=_die_with_parent,
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


def serve_data_docs(site: Path, port: int) -> str:
    """Serve the GX Data Docs site on localhost from a thread, so the `data_docs` links of
    the asset checks open from the UI; its URL. Pages are served with their scripts, styles
    and fonts from the installed assets instead of CDNs (quality/site.py): no network needed."""
    import functools
    import mimetypes
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
    from urllib.parse import unquote, urlsplit

    from quality.site import asset_file, offline_page

    site.mkdir(parents=True, exist_ok=True)

    class Site(SimpleHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

        def do_GET(self) -> None:
            path = unquote(urlsplit(self.path).path)
            asset = asset_file(path)
            if asset is not None:
                return self._send(asset.read_bytes(), mimetypes.guess_type(asset.name)[0] or "application/octet-stream")
            page = Path(self.translate_path(self.path))
            if page.is_dir():
                page = page / "index.html"
            if page.suffix == ".html" and page.is_file():
                return self._send(offline_page(page.read_text(encoding="utf-8")).encode(), "text/html; charset=utf-8")
            return super().do_GET()

        def _send(self, body: bytes, content_type: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", port), functools.partial(Site, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}"
