"""Every script answers `--help` with its usage, and a bad argument with one line."""

from __future__ import annotations

import subprocess
import sys

import pytest

from warehouse.settings import PROJECT_ROOT

SCRIPTS = sorted(p for p in (PROJECT_ROOT / "scripts").glob("*.py") if p.name != "benchlib.py")


def _run(script, *args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(script), *args], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("script", SCRIPTS, ids=[p.stem for p in SCRIPTS])
def test_every_script_answers_help_and_a_bad_argument_in_one_line(script):
    done = _run(script, "--help")
    assert done.returncode == 0 and done.stdout.startswith("usage:"), done.stderr[-2000:]
    bad = _run(script, "--no-such-option")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert bad.stderr.strip().splitlines()[-1].endswith("unrecognized arguments: --no-such-option") or (
        "error:" in bad.stderr.strip().splitlines()[-1]
    )
