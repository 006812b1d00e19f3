"""The stand-ins in a child process (`govhub sandbox serve`), as `govhub demo`, `govhub dev`
and the benchmark start them: the connectors reach them only over HTTP. The child dies with
its parent even when the parent is killed outright (Linux's parent-death signal)."""

from __future__ import annotations

import ctypes
import json
import signal
import subprocess
import sys
from datetime import date

PR_SET_PDEATHSIG = 1
try:  # loaded here, never between fork and exec
    _PRCTL = ctypes.CDLL(None, use_errno=True).prctl
except (OSError, AttributeError):  # not Linux
    _PRCTL = None


def die_with_parent() -> None:
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
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, preexec_fn=die_with_parent)
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
