"""What `govhub demo` shows while it runs: one line per job on the terminal, a bar of the
assets a running job has materialized (days landed, models built), and everything else
(Dagster's, dbt's and the libraries' own output) in a log file.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO


@contextlib.contextmanager
def output_to(log_path: Path) -> Iterator[TextIO]:
    """Send this process's standard output and error, and its children's, to `log_path`
    (file descriptors 1 and 2, so nothing that writes to them escapes); the stream it yields
    still writes to the terminal."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved_out, saved_err = os.dup(1), os.dup(2)
    terminal = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    with open(log_path, "a", encoding="utf-8") as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        try:
            yield terminal
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved_out, 1)
            os.dup2(saved_err, 2)
            os.close(saved_out)
            os.close(saved_err)
            terminal.close()


class RunBar:
    """`with bar(instance, job_name, expected):` around a run: a bar of the assets the run
    has materialized, of `expected`, drawn on `terminal` while the run goes (only when it is
    a terminal; the job's lines say the rest)."""

    def __init__(self, terminal: TextIO, every: float = 1.0) -> None:
        self.terminal = terminal
        self.every = every

    @contextlib.contextmanager
    def __call__(self, instance, job_name: str, expected: int) -> Iterator[None]:
        if not self.terminal.isatty() or expected < 2:
            yield
            return
        stop = threading.Event()
        watcher = threading.Thread(target=self._watch, args=(instance, job_name, expected, stop), daemon=True)
        watcher.start()
        try:
            yield
        finally:
            stop.set()
            watcher.join(timeout=5)

    def _watch(self, instance, job_name: str, expected: int, stop: threading.Event) -> None:
        from dagster import DagsterEventType, DagsterRunStatus, RunsFilter
        from tqdm import tqdm

        from orchestration.near_real_time import WAREHOUSE_JOB

        unit = "models" if job_name == WAREHOUSE_JOB else "assets"
        with tqdm(total=expected, desc=f"  {job_name}", unit=f" {unit}", file=self.terminal, leave=False) as bar:
            run_id, cursor, done = None, None, 0
            while not stop.wait(self.every):
                try:
                    if run_id is None:
                        runs = instance.get_runs(
                            RunsFilter(job_name=job_name, statuses=[DagsterRunStatus.STARTED]), limit=1
                        )
                        run_id = runs[0].run_id if runs else None
                        continue
                    found = instance.get_records_for_run(
                        run_id, cursor=cursor, of_type=DagsterEventType.ASSET_MATERIALIZATION
                    )
                except Exception:  # a busy storage: the next tick reads again  # noqa: BLE001
                    continue
                cursor = found.cursor
                done += len(found.records)
                bar.update(min(done, expected) - bar.n)
