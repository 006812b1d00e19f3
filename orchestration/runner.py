"""Running the pipeline through Dagster, the same jobs the schedules run, over Dagster's
public API (`govhub demo` and the tests run it; `govhub` only parses and prints).

The runs go to the Dagster instance in ``DAGSTER_HOME`` (default ``.dagster_home/`` beside
the warehouse file), so ``make dev`` shows them afterwards with their logs and metadata. A
``dagster.yaml`` already in ``DAGSTER_HOME`` is used as it is: copying
``orchestration/deploy/dagster.yaml`` there puts the runs in PostgreSQL (docs/deployment.md).

Each job runs in this process (``executor="in_process"``), or with Dagster's multiprocess
executor (``"multiprocess"``): every step in a process of its own, as a deployment runs
them.
"""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from warehouse.settings import PROJECT_ROOT

DAGSTER_YAML = """\
# Local Dagster instance of the hub (runs, event logs, schedules under this folder).
telemetry:
  enabled: false
"""
# The production instance (runs, event logs and schedules in PostgreSQL): copied into
# DAGSTER_HOME, dagster_instance() uses it as it is.
DEPLOY_DAGSTER_YAML = PROJECT_ROOT / "orchestration" / "deploy" / "dagster.yaml"

EXECUTORS = ("in_process", "multiprocess")
# The run config that picks the multiprocess side of the jobs' default executor
# (multi_or_in_process_executor): at most two steps of a run at once, each forked from a
# server process that has imported the definitions and Great Expectations once (Python's
# forkserver), instead of a fresh interpreter importing Dagster, dbt, GX and the definitions
# again for every step. The modules are named: left out, Dagster 1.13 preloads none of them
# (its "the job's module by default" reads an absent list as an empty one).
FORKSERVER_PRELOAD = ["orchestration.definitions", "great_expectations"]
MULTIPROCESS_RUN_CONFIG = {
    "execution": {
        "config": {
            "multiprocess": {
                "max_concurrent": 2,
                "start_method": {"forkserver": {"preload_modules": FORKSERVER_PRELOAD}},
            }
        }
    }
}


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


class PipelineError(RuntimeError):
    """Runs failed (named in the message); `retries` as run_pipeline returns them."""

    def __init__(self, message: str, retries: dict[str, int]) -> None:
        super().__init__(message)
        self.retries = retries


def dagster_instance():
    """The Dagster instance in DAGSTER_HOME (default `.dagster_home/` beside the warehouse
    file: one instance per warehouse, so the runs of one never show beside another's). A
    dagster.yaml already there is used as it is (in production, a copy of
    DEPLOY_DAGSTER_YAML: PostgreSQL storage); without one, the local instance (SQLite
    files under DAGSTER_HOME, telemetry off) is written there."""
    from dagster import DagsterInstance

    from warehouse.settings import WarehouseSettings

    if not os.environ.get("DAGSTER_HOME"):
        os.environ["DAGSTER_HOME"] = str(WarehouseSettings.from_env().warehouse_path.parent / ".dagster_home")
    home = Path(os.environ["DAGSTER_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "dagster.yaml").exists():
        (home / "dagster.yaml").write_text(DAGSTER_YAML, encoding="utf-8")
    return DagsterInstance.get()


def stoppable_by_signals() -> None:
    """A process started in the background (`nohup ... &`) ignores SIGINT. Dagster maps
    SIGTERM to the SIGINT handler during a run, so SIGTERM would be ignored too, and so by
    every process the run starts: the log tails it stops with SIGTERM after each step would
    live on, each step waiting for them. Give SIGINT and SIGTERM their defaults back (only
    the main thread may)."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    if signal.getsignal(signal.SIGTERM) is signal.SIG_IGN:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


def job_runner(executor: str, instance):
    """run(job_name, tags, asset_selection=None) -> the result of one run of that job of
    `orchestration.definitions`, on `instance`, with `executor` ("in_process" or
    "multiprocess"). A failed run returns its result; it does not raise.

    The multiprocess executor starts a process per step, which gets the job again from
    job_named (a reconstructable job) and reports to the same instance: a persistent one
    (DAGSTER_HOME), which dagster_instance() always is."""
    stoppable_by_signals()
    if executor == "in_process":

        def run(job_name: str, tags: dict[str, str], asset_selection=None):
            return _unless_stopped(
                job_named(job_name).execute_in_process(
                    instance=instance, tags=tags, raise_on_error=False, asset_selection=asset_selection
                )
            )

    elif executor == "multiprocess":
        from dagster import build_reconstructable_job, execute_job

        def run(job_name: str, tags: dict[str, str], asset_selection=None):
            # each step's process gets the job again from job_named(job_name), in this module
            job = build_reconstructable_job(
                __name__, job_named.__name__, (job_name,), reconstructor_working_directory=str(PROJECT_ROOT)
            )
            return _unless_stopped(
                execute_job(
                    job,
                    instance=instance,
                    run_config=MULTIPROCESS_RUN_CONFIG,
                    tags=tags,
                    raise_on_error=False,
                    asset_selection=asset_selection,
                )
            )

    else:
        raise ValueError(f"executor must be one of {', '.join(EXECUTORS)}, not {executor!r}")
    return run


def build_warehouse(full_refresh: bool = False, executor: str = "in_process") -> None:
    """One run of the warehouse_build job (the lake's upgrade and checks, dbt build, the BI
    copies published; from scratch with `full_refresh`) on the instance of DAGSTER_HOME;
    PipelineError naming the failed steps when it fails."""
    from orchestration.dbt.assets import FULL_REFRESH_TAG
    from orchestration.near_real_time import WAREHOUSE_JOB

    run = job_runner(executor, dagster_instance())
    result = run(WAREHOUSE_JOB, {FULL_REFRESH_TAG: "true"} if full_refresh else {})
    if not result.success:
        failed = [e.step_key for e in result.all_events if e.is_step_failure]
        raise PipelineError(f"{WAREHOUSE_JOB} failed (run {result.run_id}; steps {', '.join(failed)})", {})


def job_named(name: str):
    """The job `name` of `orchestration.definitions` (how a step's process gets its job)."""
    from orchestration.definitions import defs

    return defs.resolve_job_def(name)


def _unless_stopped(result):
    """The run's result, unless the process was asked to stop while it ran (Dagster ends such
    a run as failed): then KeyboardInterrupt, so that no further job starts."""
    if StopSignals.requested() is not None:
        raise KeyboardInterrupt
    return result


def backfill_chunk_days() -> int:
    """GOVHUB_BACKFILL_CHUNK_DAYS: a long window is landed and built this many days at a time
    (default 92), so a backfill's build holds a quarter of new data at most, not a year."""
    from connectors.common.errors import ConfigError

    text = os.environ.get("GOVHUB_BACKFILL_CHUNK_DAYS", "").strip() or "92"
    if not text.isdigit() or int(text) < 1:
        raise ConfigError(f"GOVHUB_BACKFILL_CHUNK_DAYS must be a whole number of days, not {text!r}")
    return int(text)


def chunks(start: date, end: date, days: int) -> list[tuple[date, date]]:
    """[start, end) cut into consecutive windows of at most `days` days."""
    out = []
    while start < end:
        out.append((start, min(end, start + timedelta(days=days))))
        start = out[-1][1]
    return out


@dataclass
class _Progress:
    """What the runs of a pipeline have come to: failures, and the retries the connectors made."""

    failed_jobs: list[str] = field(default_factory=list)
    failed_assets: set = field(default_factory=set)
    retries: dict[str, int] = field(default_factory=dict)
    watch: Callable = None


@contextlib.contextmanager
def _no_watch(instance, job_name: str, expected: int):
    yield


def _expected_materializations(defs, job_name: str, tags: dict[str, str], selection) -> int:
    """How many materializations a successful run of the job makes: one per asset, one per
    partition of an asset run over a range of partitions."""
    from dagster import PartitionKeyRange

    from orchestration.partitions import RANGE_END_TAG, RANGE_START_TAG

    if selection is None:
        job = next(j for j in defs.jobs if j.name == job_name)
        selection = job.selection.resolve(defs.resolve_asset_graph())
    span = PartitionKeyRange(tags.get(RANGE_START_TAG), tags.get(RANGE_END_TAG))
    total = 0
    for key in selection:
        partitions = defs.resolve_assets_def(key).partitions_def
        try:
            total += len(partitions.get_partition_keys_in_range(span)) if partitions and span.start else 1
        except Exception:  # a range this asset's partitions do not name  # noqa: BLE001
            total += 1
    return total


def run_pipeline(
    start: date, end: date, progress: Callable[[str], None] = print, executor: str = "in_process", watch=None
) -> dict[str, int]:
    """Land [start, end) from every source, then build the warehouse; the retries the
    connectors made, per source. `executor`: "in_process" (every run in this process) or
    "multiprocess" (every step of a run in a process of its own; see job_runner). A window
    longer than GOVHUB_BACKFILL_CHUNK_DAYS is landed and built a chunk at a time (the builds
    are incremental: each costs its chunk).

    A source whose run fails (a source down, or a landing that fails a blocking check) does
    not stop the others: every job runs, the warehouse is built without the assets the
    failure reaches, and at the end a PipelineError names every failed run.

    `watch`, when given, is a context manager factory `watch(instance, job_name, expected)`
    entered around each run: `expected` is how many materializations the run makes when it
    succeeds (a progress bar's total)."""
    from orchestration.near_real_time import WAREHOUSE_JOB

    instance = dagster_instance()
    run = job_runner(executor, instance)
    state = _Progress(watch=watch or _no_watch)
    windows = chunks(start, end, backfill_chunk_days())
    for lo, hi in windows:
        if len(windows) > 1:
            progress(f"days {lo} .. {hi - timedelta(days=1)}")
        for job_name, tags in _landing_steps(instance, lo, hi):
            _run_step(run, instance, job_name, tags, progress, state)
        _run_step(run, instance, WAREHOUSE_JOB, {}, progress, state)
    # Close every calendar month wholly inside the window (the scores the centre publishes)
    # and write its scorecard; a month whose data is not complete yet is refused by the
    # asset and named below.
    if not state.failed_jobs:
        for first in complete_months(start, end):
            _close_month(run, first, progress, state)
    if state.failed_jobs:
        raise PipelineError("runs failed: " + "; ".join(state.failed_jobs), state.retries)
    return state.retries


def _landing_steps(instance, start: date, end: date) -> list[tuple[str, dict | Callable]]:
    """The landing jobs of [start, end) with their run tags, source by source in the
    registry's order, whole lists first (a callable: the runs of a source landed by file,
    asked for when its step comes up, as the files then complete are known)."""
    from orchestration.partitions import RANGE_END_TAG, RANGE_START_TAG
    from orchestration.sources import all_sources, events_job_name, reference_job_name

    last = end - timedelta(days=1)
    steps: list[tuple[str, dict | Callable]] = []
    for s in all_sources():
        name = s.source.name
        if s.snapshots:
            steps.append((reference_job_name(name), {}))
        if s.by_time:
            # a source scheduled by month (a register) is read over its whole history on the
            # first run (its rows changed long before the window), the window's months after
            by_month = s.source.by_month()
            first = _history_from(s.source, start) if by_month else start.isoformat()
            until = last.replace(day=1) if by_month else last
            steps.append(
                (
                    events_job_name(name),
                    {RANGE_START_TAG: first, RANGE_END_TAG: until.isoformat()},
                )
            )
        steps.extend((job, s.file_runs) for job in s.file_jobs)
    return steps


def _run_step(
    run, instance, job_name: str, tags: dict | Callable, progress: Callable[[str], None], state: _Progress
) -> None:
    """One job: the warehouse build without what a failed landing reaches; the outcome noted."""
    from orchestration.dbt.assets import warehouse_models
    from orchestration.definitions import defs
    from orchestration.near_real_time import WAREHOUSE_JOB

    if callable(tags):
        runs = tags(instance)
        if not runs:
            progress(f"{job_name}: no new file in the inbox")
        for tags in runs:
            _run_step(run, instance, job_name, tags, progress, state)
        return
    selection = None
    if job_name == WAREHOUSE_JOB and state.failed_assets:
        reach = _reach(defs, state.failed_assets)
        selection = sorted(k for k in warehouse_models.keys if k not in reach)
        progress(f"building the warehouse without the {len(reach)} assets the failure reaches")
    progress(f"running {job_name} ...")
    expected = _expected_materializations(defs, job_name, tags, selection)
    with state.watch(instance, job_name, expected):
        result = run(job_name, tags, selection)
    counted = set()  # a run over many partitions reports its step's metadata on each
    for event in result.get_asset_materialization_events():
        m = event.materialization
        if "retries" in m.metadata and m.asset_key not in counted:
            counted.add(m.asset_key)
            source = m.asset_key.path[0]
            state.retries[source] = state.retries.get(source, 0) + int(m.metadata["retries"].value)
    if not result.success:
        failed = [e.step_key for e in result.all_events if e.is_step_failure]
        state.failed_jobs.append(f"{job_name} (run {result.run_id}; failed steps: {failed})")
        state.failed_assets |= _failed_step_assets(defs, failed)
        progress(f"{job_name} FAILED (run {result.run_id[:8]}); failed steps: {failed}")
        return
    progress(f"{job_name} succeeded (run {result.run_id[:8]})")
    _progress_published(result, progress)


def _close_month(run, first: date, progress: Callable[[str], None], state: _Progress) -> None:
    """The points job for the month of `first`: the scores, the scorecard, the BI copy."""
    from orchestration.partitions import PARTITION_TAG
    from orchestration.points.assets import POINTS_JOB
    from orchestration.reports.assets import MONTHLY_SCORECARD

    progress(f"running {POINTS_JOB} {first:%Y-%m} ...")
    result = run(POINTS_JOB, {PARTITION_TAG: first.isoformat()})
    if not result.success:
        state.failed_jobs.append(f"{POINTS_JOB} {first:%Y-%m} (run {result.run_id})")
        progress(f"{POINTS_JOB} {first:%Y-%m} FAILED (run {result.run_id[:8]})")
        return
    progress(f"{POINTS_JOB} {first:%Y-%m} succeeded (run {result.run_id[:8]})")
    for m in _materializations(result, MONTHLY_SCORECARD):
        progress(f"scorecard {first:%Y-%m}: {m.metadata['workbook'].path}, {m.metadata['report'].path}")
    _progress_published(result, progress)


def _history_from(source, start: date) -> str:
    """The first month of a source read by month: the partitions' first on a lake that has
    never read it, else the window's first month."""
    from connectors.common.lake import Lake
    from orchestration.partitions import PARTITIONS_START
    from warehouse.settings import WarehouseSettings

    lake = Lake(WarehouseSettings.from_env().lake_dir)
    if all(lake.read_through(source.name, e.name) is not None for e in source.entities if e.by_time):
        return start.replace(day=1).isoformat()
    return PARTITIONS_START


def _progress_published(result, progress: Callable[[str], None]) -> None:
    """The published copies a run wrote (orchestration/bi), as progress lines."""
    from orchestration.bi.assets import PUBLISHED_COPY

    for m in _materializations(result, PUBLISHED_COPY):
        line = f"published {m.metadata['duckdb_copy'].path}"
        if "postgres_tables" in m.metadata:
            line += f" and {m.metadata['postgres_tables'].value} tables ({m.metadata['postgres_rows'].value:,} rows) to PostgreSQL"
        progress(line)


def _materializations(result, key) -> list:
    """The materializations of the asset `key` in the run's result."""
    return [e.materialization for e in result.get_asset_materialization_events() if e.asset_key == key]


def complete_months(start: date, end: date) -> list[date]:
    """The first days of the calendar months wholly inside [start, end)."""
    from warehouse.scores import next_month

    first = start if start.day == 1 else next_month(start)
    out = []
    while next_month(first) <= end:
        out.append(first)
        first = next_month(first)
    return out


def _failed_step_assets(defs, step_keys: list[str]) -> set:
    """The assets the failed steps materialize (a step is the op of its assets)."""
    from dagster import AssetsDefinition

    by_op = {}
    for a in defs.assets or ():
        if isinstance(a, AssetsDefinition):
            by_op.setdefault(a.op.name, set()).update(a.keys)
    return set().union(*(by_op.get(step, set()) for step in step_keys))


def _reach(defs, failed: set) -> set:
    """The failed assets and everything downstream of them: it would be built from what
    they landed, so a source whose landing failed a blocking check does not reach the
    warehouse while the other sources still do."""
    from dagster import AssetSelection

    return AssetSelection.assets(*failed).downstream().resolve(defs.resolve_asset_graph())
