"""A pipeline started in the background can still be stopped, and stops its helpers."""

from __future__ import annotations

import subprocess
import sys

from warehouse.settings import PROJECT_ROOT


def test_a_process_started_with_sigint_ignored_gets_the_stop_signals_back():
    script = (
        "import signal; signal.signal(signal.SIGINT, signal.SIG_IGN); signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        "from govhub.pipeline import stoppable_by_signals; stoppable_by_signals(); "
        "print(signal.getsignal(signal.SIGINT) is signal.default_int_handler, "
        "signal.getsignal(signal.SIGTERM) is signal.SIG_DFL)"
    )
    out = subprocess.run([sys.executable, "-c", script], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "True"]
