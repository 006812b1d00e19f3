"""The performance benchmark (`make bench`): the workload of the spec measured on this
machine in one run, written to BENCHMARKS.md with the command, the machine and the date.

    .venv/bin/python scripts/bench.py [--quick] [--out BENCHMARKS.md]

1. Connectors: records/s each connector lands from its stand-in at `city` scale, against
   the fetch limit (the same requests sent again and the answers thrown away unread: for
   the register, the same query streamed and its rows dropped) and against dlt loading the
   same endpoint into DuckDB (scripts/bench_dlt.py). The stand-ins run in a process of their
   own and serve every answer from memory (`sandbox serve --cache`); each client reads once
   to warm them, then is timed.
2. End to end: `govhub demo` for the city month (sources to published scorecards: wall
   time, peak RSS of the whole process tree and per job), closing the month (and writing
   its scorecard) timed apart, then one more day on that warehouse as the daily run does it.
3. Transform: `dbt run --full-refresh` of every model on the month's warehouse against the
   same compiled SQL run straight in DuckDB (the floor).
4. Scale curve: one day from an empty warehouse at x1, x2 and x4 the city's daily volume.
5. A year: the city year backfilled end to end (Nov 2025 - Oct 2026, built a quarter at a
   time), then one more day on that warehouse: what a day costs once a year is held.
6. Freshness on a live clock (scripts/bench_live.py): the stand-ins on the wall clock, the
   Dagster daemon running the near-real-time sensor; from an event's (an alarm push's)
   appearance to its row in `fct_governance_events` (`fct_alarm_responses`). It runs
   first, on a machine that has run nothing else yet.

`--connectors` runs part 1 alone, into its own section (it has one in every run: `make bench`
writes it first). `--year` runs part 5 alone, into a section of its own, with `dbt run` of the year (every
model rebuilt: a full refresh) against its floor.

Nothing of the project's own warehouse is touched: every run works in a temporary folder
(or in `--keep DIR`, kept afterwards with its warehouses, lakes, Dagster runs and logs).
`--quick` uses fewer days and skips x4 (for trying the script, not for the figures).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from scripts.benchlib import Measured, machine, run_measured, write_section  # noqa: E402

START, END = "<!-- bench:start -->", "<!-- bench:end -->"
YEAR_START, YEAR_END = "<!-- bench-year:start -->", "<!-- bench-year:end -->"
ENGINES_START, ENGINES_END = "<!-- bench-engines:start -->", "<!-- bench-engines:end -->"
CONNECTORS_START, CONNECTORS_END = "<!-- bench-connectors:start -->", "<!-- bench-connectors:end -->"
BACKUP_START, BACKUP_END = "<!-- bench-backup:start -->", "<!-- bench-backup:end -->"
TRIES = 3  # each connector's read, fetch limit and dlt load: the best of this many runs
MONTH_FIRST = date(2026, 10, 1)  # the benchmark's month: October 2026, one whole month
MONTH_END = date(2026, 11, 1)


@dataclass
class Throughput:
    source: str
    entity: str
    records: int
    seconds: float
    fetch_seconds: float
    parse_seconds: float  # fetched and decoded into Python values, nothing more
    dlt_records: int | None = None
    dlt_seconds: float | None = None

    @property
    def rate(self) -> float:
        return self.records / self.seconds

    @property
    def fetch_rate(self) -> float:
        return self.records / self.fetch_seconds

    @property
    def parse_rate(self) -> float:
        return self.records / self.parse_seconds

    @property
    def dlt_rate(self) -> float | None:
        return None if not self.dlt_seconds else self.dlt_records / self.dlt_seconds


# --- 1. connectors ------------------------------------------------------------------------
@contextmanager
def recorded_requests():
    """Every HTTP request sent while inside, as sent (method, url, keyword arguments)."""
    import requests

    sent: list[tuple[str, str, dict]] = []
    original = requests.Session.request

    def record(self, method, url, **kwargs):
        sent.append(
            (method, url, {k: v for k, v in kwargs.items() if k in ("params", "data", "json", "headers", "auth")})
        )
        return original(self, method, url, **kwargs)

    requests.Session.request = record
    try:
        yield sent
    finally:
        requests.Session.request = original


def replay(connector, sent: list[tuple[str, str, dict]], parsed: bool = False) -> float:
    """Seconds to send `sent` again and read every answer's bytes without decoding them (with
    `parsed`, decoding each as the connectors do, `decode_json`), each with the headers the
    connector sends it again with (signed afresh, if signed)."""
    import requests

    from connectors.common.http import decode_json

    session = requests.Session()
    started = time.monotonic()
    for method, url, kwargs in sent:
        kwargs = dict(kwargs)
        kwargs["headers"] = connector.replayed_headers(method, url, dict(kwargs.get("headers") or {}))
        content = session.request(method, url, timeout=60, **kwargs).content
        if parsed:
            decode_json(content)
    return time.monotonic() - started


def _window(source: str, first: date, days: int):
    """The days the benchmark reads of a source: the month's, or for a source read by month
    (a register) its whole history, as the pipeline's first run reads it."""
    from connectors.common.contract import Window
    from connectors.registry import SOURCES
    from orchestration.partitions import PARTITIONS_START

    last = first + timedelta(days=days - 1)
    return Window(date.fromisoformat(PARTITIONS_START) if SOURCES[source].by_month() else first, last)


def _read(source: str, first: date, days: int) -> Callable[[Path], int]:
    """The connector's read of the benchmark's entity of `source`: records landed."""
    from connectors.common.lake import Lake
    from connectors.registry import SOURCES

    c = SOURCES[source]

    def read(lake_dir: Path) -> int:
        with c.from_env() as connector:
            return sum(
                r.records for r in connector.read(Lake(lake_dir), c.benchmark_entity, _window(source, first, days))
            )

    return read


def _fetch_limit(source: str, first: date, days: int, sent: list, parsed: bool = False) -> float:
    """Seconds to fetch what the read fetched, nothing done with it (with `parsed`, decoded
    into Python values too): the connector's own measure where it has one (a database query
    streamed, files read), else its recorded HTTP requests replayed."""
    from connectors.registry import SOURCES

    c = SOURCES[source]
    with c.from_env() as connector:
        own = connector.fetch_limit(c.benchmark_entity, _window(source, first, days), parsed=parsed)
        return own if own is not None else replay(connector, sent, parsed)


def _dlt(source: str, first: date, days: int, tmp: Path) -> tuple[int, float]:
    """dlt's load of the same endpoint, TRIES times (the stand-in already warm): the best
    run's records and seconds."""
    runs = []
    for i in range(TRIES):
        target = tmp / f"dlt-{source}-{i}" / "peer.duckdb"
        target.parent.mkdir(parents=True)
        done = subprocess.run(
            [sys.executable, str(ROOT / "scripts" / "bench_dlt.py"), source, first.isoformat(), str(days), str(target)],
            capture_output=True,
            text=True,
            env=os.environ,
        )
        if done.returncode != 0:
            raise RuntimeError(f"dlt {source} failed: {done.stderr[-2000:]}")
        out = json.loads(done.stdout.strip().splitlines()[-1])
        runs.append((out["records"], out["seconds"]))
    return min(runs, key=lambda r: r[1])


def bench_connectors(preset: str, first: date, days: int, tmp: Path) -> list[Throughput]:
    from connectors.registry import SOURCES
    from sandbox.process import SandboxProcess
    from sandbox.world import DEFAULT_SEED
    from scripts.bench_dlt import peer

    sandbox = SandboxProcess(preset, DEFAULT_SEED, first, first + timedelta(days=days), cache=True)
    saved = dict(os.environ)
    os.environ.update(sandbox.env)
    rows = []
    try:
        for source, c in SOURCES.items():
            entity = c.benchmark_entity
            read = _read(source, first, days)
            with recorded_requests() as sent:
                read(tmp / f"{source}-warm")
            timed = []
            for i in range(TRIES):
                started = time.monotonic()
                records = read(tmp / f"{source}-timed-{i}")
                timed.append(time.monotonic() - started)
            seconds = min(timed)
            fetch = min(_fetch_limit(source, first, days, sent) for _ in range(TRIES))
            parse = min(_fetch_limit(source, first, days, sent, parsed=True) for _ in range(TRIES))
            row = Throughput(source, entity, records, seconds, fetch, parse)
            if peer(source):
                row.dlt_records, row.dlt_seconds = _dlt(source, first, days, tmp)
            rows.append(row)
            print(
                f"  {source}: {records:,} in {seconds:.2f}s (of {', '.join(f'{t:.2f}' for t in timed)}); "
                f"fetch {fetch:.2f}s, parsed {parse:.2f}s; dlt {row.dlt_seconds}",
                flush=True,
            )
    finally:
        os.environ.clear()
        os.environ.update(saved)
        sandbox.stop()
    return rows


# --- 2-4. end to end, transform, scale -------------------------------------------------------
@dataclass
class Run:
    name: str
    wall: float  # the whole command, stand-ins' start included
    peak: int  # the whole process tree
    peak_platform: int  # the tree without the stand-ins (they are the sources)
    pipeline: float  # from the stand-ins up to the marts published
    steps: dict[str, float]
    step_peaks: dict[str, int]  # the platform's peak RSS while each job ran


def demo(name: str, tmp: Path, args: list[str], dagster_home: Path) -> Run:
    """`govhub demo ARGS` measured; its step times from the progress lines."""
    env = {**os.environ, "DAGSTER_HOME": str(dagster_home)}
    for k in ("GOVHUB_WAREHOUSE_PATH", "GOVHUB_LAKE_DIR", "GOVHUB_REPORTS_DIR"):
        env.pop(k, None)
    dagster_home.mkdir(parents=True, exist_ok=True)
    log = tmp / f"{name}.log"
    m = run_measured(
        [sys.executable, "-m", "govhub.cli", "demo", *args],
        env,
        log,
        apart="sandbox serve",
        step_line=r"\] running (\S+(?: \d{4}-\d{2})?) \.\.\.$",
    )
    if m.code != 0:
        raise RuntimeError(f"{name}: the demo failed (exit {m.code}):\n{log.read_text()[-3000:]}")
    marks = progress_marks(log)
    up = next(t for t, msg in marks if msg.startswith("stand-ins up"))
    done = next(t for t, msg in marks if msg.startswith("done"))
    return Run(name, m.wall, m.peak, m.peak_without, done - up, step_times(marks), m.step_peaks)


def backfill(name: str, tmp: Path, preset: str, days: int) -> tuple[Run, Path]:
    """The `days` before the benchmark's month end landed into an empty warehouse of its own."""
    wh = tmp / name / "warehouse" / "kaifeng.duckdb"
    args = ["--preset", preset, "--end", MONTH_END.isoformat(), "--days", str(days), "--warehouse", str(wh)]
    return demo(name, tmp, args, tmp / name / "dagster"), wh


def day_after(name: str, tmp: Path, preset: str, days: int, backfilled: str) -> Run:
    """The day after a backfill of `days` days, as the daily run lands it on that warehouse:
    the stand-ins serve the backfill's days and the new one, the pipeline reads the new day."""
    wh = tmp / backfilled / "warehouse" / "kaifeng.duckdb"
    args = ["--preset", preset, "--end", (MONTH_END + timedelta(days=1)).isoformat(), "--days", str(days + 1)]
    args += ["--land-from", MONTH_END.isoformat(), "--keep", "--warehouse", str(wh)]
    return demo(name, tmp, args, tmp / backfilled / "dagster")


def progress_marks(log: Path) -> list[tuple[float, str]]:
    """The demo's progress lines ('[  12.3s] running X ...') as (seconds, message)."""
    import re

    return [
        (float(m.group(1)), m.group(2))
        for m in re.finditer(r"^\[\s*([\d.]+)s\] (.*)$", log.read_text(encoding="utf-8", errors="replace"), re.M)
    ]


def step_times(marks: list[tuple[float, str]]) -> dict[str, float]:
    """Seconds per job from the progress marks."""
    out: dict[str, float] = {}
    for (t, msg), (t2, _) in zip(marks, marks[1:]):
        if msg.startswith("running "):
            job = msg.removeprefix("running ").removesuffix(" ...")
            out[job] = out.get(job, 0.0) + t2 - t
    return out


def dbt_versus_floor(warehouse: Path, tmp: Path) -> tuple[float, float, int]:
    """(dbt run seconds, the same compiled SQL straight in DuckDB, models) on a copy: every
    model rebuilt from the lake (`--full-refresh`), so both sides compute the same thing (an
    incremental run's SQL replayed as `create table as` would compute only what is new)."""
    import shutil

    from warehouse.dbt_cli import dbt_env, run_dbt

    copy = tmp / "dbt" / "kaifeng.duckdb"
    copy.parent.mkdir()
    shutil.copy(warehouse, copy)
    env = dbt_env(copy, warehouse.parent / "lake")
    started = time.monotonic()
    done = run_dbt(["run", "--full-refresh"], env, tmp / "dbt", timeout=3600)
    dbt_seconds = time.monotonic() - started
    if done.returncode != 0:
        raise RuntimeError("dbt run failed:\n" + done.stdout[-3000:])
    manifest = json.loads((tmp / "dbt" / "dbt_target" / "manifest.json").read_text())
    floor, n = run_compiled(manifest, tmp / "dbt" / "dbt_target", copy)
    return dbt_seconds, floor, n


def run_compiled(manifest: dict, target: Path, warehouse: Path) -> tuple[float, int]:
    """Every model's compiled SQL, in dependency order, as the statements dbt-duckdb
    would issue (create or replace table/view ... as), in one DuckDB connection."""
    from graphlib import TopologicalSorter

    from warehouse.duckdb import connect

    models = {k: v for k, v in manifest["nodes"].items() if v["resource_type"] == "model"}
    order = TopologicalSorter(
        {k: [d for d in v["depends_on"]["nodes"] if d in models] for k, v in models.items()}
    ).static_order()
    con = connect(warehouse)
    started = time.monotonic()
    for uid in order:
        node = models[uid]
        sql = (target / "compiled" / node["package_name"] / node["original_file_path"]).read_text()
        kind = "view" if node["config"]["materialized"] == "view" else "table"
        con.execute(f'create schema if not exists "{node["schema"]}"')
        con.execute(f'create or replace {kind} "{node["schema"]}"."{node["alias"]}" as {sql}')
    seconds = time.monotonic() - started
    con.close()
    return seconds, len(models)


# --- the warehouse on DuckDB and on Spark ----------------------------------------------------
def dbt_build_measured(name: str, target: str, warehouse: Path, lake: Path, tmp: Path) -> Measured:
    """`dbt build --target TARGET` (seeds, models, data tests) over `lake`, measured: wall
    time and peak RSS of the dbt process tree (the Spark JVM included)."""
    from warehouse.dbt_cli import DBT, DBT_PROJECT_DIR, dbt_env

    env = dbt_env(warehouse, lake)
    env.update(GOVHUB_SPARK_WAREHOUSE_DIR=str(tmp / name / "spark"), GOVHUB_SPARK_MASTER="local[2]")
    env.setdefault("GOVHUB_SPARK_DRIVER_MEMORY", "8g")
    cmd = [str(DBT), "--no-use-colors", "build", "--target", target, "--exclude-resource-type", "unit_test"]
    cmd += ["--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)]
    cmd += ["--target-path", str(tmp / name / "target"), "--log-path", str(tmp / name / "logs"), "--no-partial-parse"]
    (tmp / name).mkdir(parents=True, exist_ok=True)
    m = run_measured(cmd, env, tmp / name / "build.log")
    if m.code != 0:
        raise RuntimeError(f"dbt build --target {target} failed:\n{(tmp / name / 'build.log').read_text()[-3000:]}")
    return m


def bench_engines(preset: str, tmp: Path) -> str:
    """The city month landed once, then built by dbt on DuckDB and on Spark (local[2]) from
    the same lake, and the Spark marts compared with DuckDB's."""
    import shutil

    from orchestration.dbt.project import ensure_manifest
    from warehouse.compare import compare_parquet_tables
    from warehouse.summary import mart_tables

    days = (MONTH_END - MONTH_FIRST).days
    month, wh = backfill("month", tmp, preset, days)
    lake = wh.parent / "lake"
    copy = tmp / "duckdb" / "kaifeng.duckdb"
    copy.parent.mkdir(parents=True)
    shutil.copy(wh, copy)
    duck = dbt_build_measured("duckdb", "duckdb", copy, lake, tmp)
    spark = dbt_build_measured("spark", "spark", copy, lake, tmp)
    diffs = compare_parquet_tables(
        copy, tmp / "spark" / "spark" / "tables", "marts", list(mart_tables(ensure_manifest()))
    )
    equal = [d for d in diffs if not (d.missing or d.extra or d.types)]
    rows = sum(d.reference_rows for d in diffs)
    lake_mb = sum(f.stat().st_size for f in (lake / "raw").rglob("*.parquet")) / 1e6
    gb = 1024**3
    lines = [
        "## The warehouse on DuckDB and on Spark",
        "",
        "Command: `.venv/bin/python scripts/bench.py --engines`",
        f"Machine: {machine()}",
        f"Date: {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}",
        "",
        f"The {preset} month ({MONTH_FIRST:%Y-%m}, {days} days) landed once ({month.pipeline:.0f} s, "
        f"{lake_mb:.0f} MB of Parquet in the lake), then `dbt build --exclude-resource-type unit_test` "
        "(seeds, models, data tests) over that lake on each engine:",
        "",
        "| engine | dbt build | peak RSS (dbt and its JVM) |",
        "|---|---:|---:|",
        f"| DuckDB (target `duckdb`) | {duck.wall:.0f} s | {duck.peak / gb:.2f} GB |",
        f"| Spark `local[2]` (target `spark`, driver 8 GB) | {spark.wall:.0f} s | {spark.peak / gb:.2f} GB |",
        "",
        f"Spark took **{spark.wall / duck.wall:.1f}x** DuckDB's time on this machine. Marts equal by content "
        f"and column types: **{len(equal)} of {len(diffs)}** ({rows:,} rows on DuckDB).",
    ]
    for d in diffs:
        if d not in equal:
            lines.append(f"- {d.table}: {d.missing} missing, {d.extra} extra, types {d.types}")
    return "\n".join(lines)


# --- closing a month -----------------------------------------------------------------------------
def closing(warehouse: Path, tmp: Path, month: str) -> tuple[float, float, float]:
    """(seconds to close `month` again on a copy of the warehouse, seconds to write its
    scorecard, whether the rescoring reproduced the closed figures)."""
    import shutil

    from reports import write_scorecard
    from warehouse.duckdb import connect
    from warehouse.scores import close_month

    copy = tmp / "closing" / "kaifeng.duckdb"
    copy.parent.mkdir(parents=True)
    shutil.copy(warehouse, copy)
    con = connect(copy)
    try:
        started = time.monotonic()
        scoring = close_month(con, month, "bench")
        close_seconds = time.monotonic() - started
        started = time.monotonic()
        write_scorecard(con, month, tmp / "closing" / "reports")
        report_seconds = time.monotonic() - started
    finally:
        con.close()
    return close_seconds, report_seconds, bool(scoring.reproduced)


# --- the report -------------------------------------------------------------------------------
GB = 1024**3


def _run_row(label: str, r: Run) -> str:
    return f"| {label} | {r.pipeline:.0f} s | {r.wall:.0f} s | {r.peak_platform / GB:.2f} GB | {r.peak / GB:.2f} GB |"


def _memory(run: Run) -> str:
    top = sorted(run.step_peaks.items(), key=lambda kv: -kv[1])
    return ", ".join(f"{k} {v / GB:.2f} GB" for k, v in top)


def connectors_report(connectors: list[Throughput], quick: bool, preset: str, days: int) -> str:
    """Section 1: the connectors against their fetch limit, their fetch-and-parse floor and
    dlt, with their targets."""
    lines = [
        f"## Connectors at `{preset}` scale",
        "",
        f"Command: `make bench` (part 1), or alone: `.venv/bin/python scripts/bench.py --connectors"
        f"{' --quick' if quick else ''}{'' if preset == 'city' else ' --preset ' + preset}`",
        f"Machine: {machine()}",
        f"Date: {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}",
        "",
        f"Records/s landed from {days} days of each source's benchmark entity (a register: its whole history), the "
        f"stand-ins serving from memory; each figure the best of {TRIES} runs in this one run. *Fetch limit*: the "
        "same requests sent again (signed afresh) and the answers' bytes thrown away unread; for the register its "
        "query streamed and the rows dropped; for the inbox its files read. *Fetched and parsed*: the same, each "
        "answer also decoded into Python values as the connector decodes it (`decode_json`; the rows as the "
        "database driver gives them; each file read as a CSV or a workbook): what any reader in Python does before "
        "its own work begins.",
        "",
        "| source / entity | records | connector rec/s | fetch limit rec/s | of the limit "
        "| fetched and parsed rec/s | of that | dlt rec/s | x dlt |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for c in connectors:
        dlt = f"{c.dlt_rate:,.0f}" if c.dlt_rate else "—"
        x = f"{c.rate / c.dlt_rate:.1f}x" if c.dlt_rate else "—"
        lines.append(
            f"| {c.source} / {c.entity} | {c.records:,} | {c.rate:,.0f} | {c.fetch_rate:,.0f} | "
            f"{c.rate / c.fetch_rate:.0%} | {c.parse_rate:,.0f} | {c.rate / c.parse_rate:.0%} | {dlt} | {x} |"
        )
    rows = [
        (
            "every connector >= 50% of its fetch limit",
            min(c.rate / c.fetch_rate for c in connectors) >= 0.5,
            ", ".join(f"{c.source} {c.rate / c.fetch_rate:.0%}" for c in connectors),
        ),
        (
            "every connector >= 5x dlt",
            all(c.rate / c.dlt_rate >= 5 for c in connectors if c.dlt_rate),
            ", ".join(f"{c.source} {c.rate / c.dlt_rate:.1f}x" for c in connectors if c.dlt_rate),
        ),
    ]
    lines += ["", "| target | holds | measured |", "|---|---|---|"]
    lines += [f"| {name} | {'yes' if ok else '**no**'} | {figure} |" for name, ok, figure in rows]
    return "\n".join(lines)


def report(month, close, day, dbt, scale, year, year_day, live, quick: bool, preset: str) -> str:
    lines = [
        f"## Performance at `{preset}` scale",
        "",
        f"Command: `make bench` (`.venv/bin/python scripts/bench.py{' --quick' if quick else ''}"
        f"{'' if preset == 'city' else ' --preset ' + preset}`)",
        f"Machine: {machine()}",
        f"Date: {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}",
        "",
        "Section 1, the connectors, is measured in the same run and written apart (Connectors, above).",
    ]
    lines += [
        "",
        "### 2. End to end (sources to published scorecards)",
        "",
        "`pipeline` runs from the stand-ins being up to the marts published (what the platform does);",
        "`wall` is the whole `govhub demo` command, the stand-ins' start (building their world) included.",
        "Peak RSS is sampled every 0.5 s over the command's process tree, and over that tree without the",
        "stand-ins' process (they are the sources, not the platform); per job, the platform's peak while it ran.",
        "",
        "| run | pipeline | wall | peak RSS, platform | peak RSS, with the stand-ins |",
        "|---|---:|---:|---:|---:|",
        _run_row(f"city month ({MONTH_FIRST:%Y-%m}), empty warehouse", month),
        _run_row("one more city day on that warehouse", day),
        "",
        "Where the month's time goes: " + _steps(month),
        "",
        "Where its memory goes (peak per job): " + _memory(month),
        "",
        "Where the day's time goes: " + _steps(day),
        "",
        f"Closing the month ({MONTH_FIRST:%Y-%m}) again on that warehouse: **{close[0]:.1f} s** "
        f"(reproduced the closed figures: {'yes' if close[2] else 'no'}); writing its scorecard (workbook and HTML "
        f"report): {close[1]:.1f} s.",
        "",
        "### 3. Transform",
        "",
        f"`dbt run --full-refresh` of the {dbt[2]} models on the month's warehouse (every model rebuilt "
        f"from the lake): **{dbt[0]:.1f} s**; the same compiled "
        f"SQL straight in DuckDB: **{dbt[1]:.1f} s**; dbt takes **{dbt[0] / dbt[1]:.2f}x** the floor.",
        "",
        "### 4. Scale curve (one day, empty warehouse)",
        "",
        "| daily volume | pipeline | x the x1 time | peak RSS, platform | with the stand-ins | wall |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    base = scale[0][1].pipeline
    for k, r in scale:
        lines.append(
            f"| x{k} | {r.pipeline:.0f} s | {r.pipeline / base:.2f} | {r.peak_platform / GB:.2f} GB "
            f"| {r.peak / GB:.2f} GB | {r.wall:.0f} s |"
        )
    lines += ["", "Where the x4 day's time goes: " + _steps(scale[-1][1])]
    if year is not None:
        first = MONTH_END - timedelta(days=365)
        lines += [
            "",
            "### 5. A year held",
            "",
            "| run | pipeline | wall | peak RSS, platform | peak RSS, with the stand-ins |",
            "|---|---:|---:|---:|---:|",
            _run_row(f"city year {first} .. {MONTH_END - timedelta(days=1)}, empty warehouse", year),
            _run_row("one more city day on that warehouse", year_day),
            "",
            "Where the year's time goes: " + _steps(year),
            "",
            "Where its memory goes (peak per job): " + _memory(year),
            "",
            "Where the day's time goes: " + _steps(year_day),
            "",
            f"The day costs **{year_day.pipeline / day.pipeline:.2f}x** the same day on the month-held warehouse.",
        ]
    if live is not None:
        lines += [
            "",
            "### 6. Freshness on a live clock",
            "",
            f"The stand-ins on the wall clock with the `{live.preset}` world (its daily volume scaled so the hour "
            "measured carries the city's busiest hour); `dagster-daemon` with the near-real-time sensor every "
            f"{live.interval} s, for {live.minutes:.0f} minutes: {live.runs} `near_real_time` runs "
            f"({live.failed_runs} failed), "
            + (f"{statistics.median(live.run_seconds):.0f} s each (median)" if live.run_seconds else "none succeeded")
            + ". From appearance at the source to the end of the build that wrote the row:",
            "",
            "| table | records measured | p50 | p95 | worst |",
            "|---|---:|---:|---:|---:|",
            *[
                f"| `{f.table}` | {len(f.seconds)} | {f.p50:.0f} s | {f.p95:.0f} s | {max(f.seconds):.0f} s |"
                for f in (live.events, live.alarms)
                if f.seconds
            ],
            *[f"\nA failed run: {error}" for error in live.failures],
        ]
    lines += ["", "### Targets", "", *targets(month, close, day, dbt, scale, year, year_day, live)]
    return "\n".join(lines)


def _steps(run: Run) -> str:
    return ", ".join(f"{k} {v:.0f} s" for k, v in sorted(run.steps.items(), key=lambda kv: -kv[1]))


def targets(month, close, day, dbt, scale, year, year_day, live) -> list[str]:
    """The performance targets against the figures measured: each holds or not."""
    x4 = dict(scale).get(4)
    rows = [
        ("dbt <= 3x the floor", dbt[0] / dbt[1] <= 3, f"{dbt[0] / dbt[1]:.2f}x (the month)"),
        ("closing a month <= 10 s", close[0] <= 10, f"{close[0]:.1f} s (its scorecard apart: {close[1]:.1f} s)"),
    ]
    runs = [month, day] + [r for _, r in scale]
    if year is not None:
        rows += [
            (
                "one more city day, a year held <= 60 s",
                year_day.pipeline <= 60,
                f"{year_day.pipeline:.0f} s (pipeline)",
            ),
            (
                "that day <= 1.2x the day on the month-held warehouse",
                year_day.pipeline <= 1.2 * day.pipeline,
                f"{year_day.pipeline / day.pipeline:.2f}x ({year_day.pipeline:.0f} s against {day.pipeline:.0f} s)",
            ),
            ("the year's backfill <= 34.4 min", year.pipeline <= 34.4 * 60, f"{year.pipeline / 60:.1f} min (pipeline)"),
        ]
        runs += [year, year_day]
    rows.append(
        (
            "peak RSS of the platform <= 2 GB (month, day, scale" + (", year, day after it)" if year else ")"),
            max(r.peak_platform for r in runs) <= 2 * GB,
            ", ".join(f"{r.name} {r.peak_platform / GB:.2f}" for r in runs) + " GB",
        )
    )
    if x4 is not None:
        base = dict(scale)[1]
        rows += [
            (
                "peak RSS flat across x1/x2/x4 (within 25%)",
                x4.peak_platform <= 1.25 * base.peak_platform,
                " / ".join(f"{r.peak_platform / GB:.2f}" for _, r in scale) + " GB",
            ),
            ("x4 data <= 4.5x the time", x4.pipeline / base.pipeline <= 4.5, f"{x4.pipeline / base.pipeline:.2f}x"),
        ]
    if live is not None and live.events.seconds and live.alarms.seconds:
        worst50 = max(live.events.p50, live.alarms.p50)
        worst95 = max(live.events.p95, live.alarms.p95)
        rows += [
            ("freshness p50 <= 30 s", worst50 <= 30, f"events {live.events.p50:.0f} s, alarms {live.alarms.p50:.0f} s"),
            ("freshness p95 <= 60 s", worst95 <= 60, f"events {live.events.p95:.0f} s, alarms {live.alarms.p95:.0f} s"),
        ]
    out = ["| target | holds | measured |", "|---|---|---|"]
    out += [f"| {name} | {'yes' if ok else '**no**'} | {figure} |" for name, ok, figure in rows]
    return out


def bench_year(preset: str, tmp: Path) -> str:
    """The backfill of a year and its transform against the floor (a full refresh)."""
    days = 365
    print("year: backfill", flush=True)
    year, wh = backfill("year", tmp, preset, days)
    print("year: transform", flush=True)
    dbt = dbt_versus_floor(wh, tmp)
    first = MONTH_END - timedelta(days=days)
    return "\n".join(
        [
            f"## A year at `{preset}` scale",
            "",
            f"Command: `.venv/bin/python scripts/bench.py --year{'' if preset == 'city' else ' --preset ' + preset}`",
            f"Machine: {machine()}",
            f"Date: {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}",
            "",
            "| run | pipeline | wall | peak RSS, platform | with the stand-ins |",
            "|---|---:|---:|---:|---:|",
            _run_row(f"backfill {first} .. {MONTH_END - timedelta(days=1)} ({days} days), empty warehouse", year),
            "",
            "Where the backfill's time goes: " + _steps(year),
            "",
            "Where its memory goes (peak per job): " + _memory(year),
            "",
            f"`dbt run` of the {dbt[2]} models on the year's warehouse (every model rebuilt: a full refresh): "
            f"**{dbt[0]:.1f} s**; the same compiled SQL straight in DuckDB: **{dbt[1]:.1f} s**; dbt takes "
            f"**{dbt[0] / dbt[1]:.2f}x** the floor.",
        ]
    )


def _timed(fn, *args):
    started = time.monotonic()
    result = fn(*args)
    return result, time.monotonic() - started


def _govhub(args: list[str], warehouse: Path, lake: Path, **env: str) -> tuple[float, str]:
    """A govhub command on the warehouse and lake given (its own Dagster instance beside
    them): (its seconds, its output); RuntimeError when it fails."""
    env = {
        **os.environ,
        "GOVHUB_WAREHOUSE_PATH": str(warehouse),
        "GOVHUB_LAKE_DIR": str(lake),
        "DAGSTER_HOME": str(warehouse.parent / ".dagster_home"),
        **env,
    }
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "govhub.cli", *args], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"govhub {' '.join(args)} failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    return time.monotonic() - started, done.stdout


def _restored(backup_dir: Path, into: Path) -> float:
    """`govhub restore --from` the backup into an empty place, the build included: its seconds."""
    return _govhub(["restore", "--from", str(backup_dir)], into / "kaifeng.duckdb", into / "lake")[0]


# The retention the benchmark applies the day after its month: one month kept of everything
# the default policy names (its periods, years, would remove nothing here), so that what ended
# before the month began goes (the registers' history, the alarms of the days before it read
# again by the lookback) and the month's closed points are kept, and checked.
BENCH_RETENTION = "[closed_months]\nkeep_months = 1\n"


def _bench_policy(into: Path) -> Path:
    from warehouse.retention import load_policy

    text = BENCH_RETENTION
    for rule in load_policy().rules:
        text += f'\n[entities."{rule.entity}"]\n'
        text += "".join(
            f"{name} = 1\n"
            for name in ("superseded_after_months", "expire_after_months")
            if getattr(rule, name) is not None
        )
        text += f'ended_field = "{rule.ended_field}"\n' if rule.ended_field else ""
    into.write_text(text, encoding="utf-8")
    return into


def bench_backup(preset: str, tmp: Path) -> str:
    """The month backfilled and closed, backed up (then again, nothing new), restored into an
    empty place and built again; the restored marts compared with the originals."""
    from orchestration.dbt.project import ensure_manifest
    from warehouse.backup import backup
    from warehouse.compare import BUILD_COLUMNS, compare, differing
    from warehouse.summary import mart_tables

    days = (MONTH_END - MONTH_FIRST).days
    print("backup: the month", flush=True)
    _, wh = backfill("month", tmp, preset, days)
    lake = wh.parent / "lake"
    print("backup: backup, again, restore", flush=True)
    first, first_s = _timed(backup, lake, wh, tmp / "backup")
    again, again_s = _timed(backup, lake, wh, tmp / "backup")
    restore_s = _restored(tmp / "backup", tmp / "restored")
    tables = list(mart_tables(ensure_manifest()))
    diffs = differing(compare(wh, tmp / "restored" / "kaifeng.duckdb", "marts", tables=tables, ignore=BUILD_COLUMNS))
    scores = differing(compare(wh, tmp / "restored" / "kaifeng.duckdb", "scores", ignore=()))
    print("backup: key rotation, retention, backup again", flush=True)
    keys = {"GOVHUB_NEW_PSEUDONYM_KEY": "bench-rotated-key-0123456789"}
    if not os.environ.get("GOVHUB_PSEUDONYM_KEY"):
        keys = {}  # the lake keeps its own key: the command makes the new one
    rotate_s, rotate_out = _govhub(["keys", "rotate"], wh, lake, **keys)
    policy = _bench_policy(tmp / "retention.toml")
    as_of = (MONTH_END + timedelta(days=1)).isoformat()
    retention_s, retention_out = _govhub(
        ["retention", "apply", "--as-of", as_of], wh, lake, GOVHUB_RETENTION_FILE=str(policy)
    )
    after, after_s = _timed(backup, lake, wh, tmp / "backup")
    mib = 2**20
    return "\n".join(
        [
            f"## Backup and restore of the `{preset}` month",
            "",
            f"Command: `.venv/bin/python scripts/bench.py --backup{'' if preset == 'city' else ' --preset ' + preset}`",
            f"Machine: {machine()}",
            f"Date: {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}",
            "",
            f"The month {MONTH_FIRST:%Y-%m} ({days} days) backfilled into an empty warehouse, its points closed "
            f"({', '.join(first.closed_months) or 'none'}), then:",
            "",
            "| step | time | size |",
            "|---|---:|---:|",
            f"| `govhub backup` into an empty folder | {first_s:.1f} s | {first.bytes / mib:.0f} MiB in {first.files} files |",
            f"| the same backup again (nothing new landed: {again.copied_files} lake files copied, "
            f"{again.copied_bytes / mib:.1f} MiB; the closed months exported again) | {again_s:.1f} s | |",
            f"| `govhub restore` into an empty lake and a new warehouse, the build included | {restore_s:.1f} s | |",
            "",
            f"The restored warehouse's {len(tables)} marts equal the originals: "
            f"**{'yes' if not diffs else 'no: ' + ', '.join(d.table for d in diffs)}**; its closed months, "
            f"bit for bit: **{'yes' if not scores else 'no'}**.",
            "",
            "Then, on the original:",
            "",
            "| step | time |",
            "|---|---:|",
            f"| `govhub keys rotate`, the build from scratch included | {rotate_s:.1f} s |",
            f"| `govhub retention apply --as-of {as_of}` (every period one month), the build from scratch "
            f"included | {retention_s:.1f} s |",
            f"| `govhub backup` into the same folder again ({after.copied_files} rewritten lake files copied, "
            f"{after.copied_bytes / mib:.0f} MiB) | {after_s:.1f} s |",
            "",
            "The rotation:",
            "",
            "```",
            *[line for line in rotate_out.splitlines() if line.startswith(("rotated", "warehouse built"))],
            "```",
            "",
            "The retention run:",
            "",
            "```",
            *retention_out.strip().splitlines(),
            "```",
        ]
    )


def _workdir(keep: Path | None):
    """The folder the benchmark works in: `keep` (made, and kept), else a temporary one."""
    if keep is None:
        return tempfile.TemporaryDirectory(prefix="govhub-bench-")
    keep.mkdir(parents=True, exist_ok=True)
    return contextlib.nullcontext(str(keep.resolve()))


def connectors_section(args, tmp: Path) -> None:
    """Part 1, measured and written to its own section."""
    days = 3 if args.quick else 7
    connectors = bench_connectors(args.preset, MONTH_FIRST, days, tmp / "connectors")
    text = connectors_report(connectors, args.quick, args.preset, days)
    write_section(args.out, text, CONNECTORS_START, CONNECTORS_END)
    print(text, flush=True)


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=ROOT / "BENCHMARKS.md")
    ap.add_argument("--quick", action="store_true", help="fewer days, no x4: try the script, not the figures")
    ap.add_argument("--preset", default="city", help="the world (default city; tiny to try the script)")
    ap.add_argument("--year", action="store_true", help="the year's backfill and transform (its own section)")
    ap.add_argument("--engines", action="store_true", help="the month built on DuckDB and on Spark (its own section)")
    ap.add_argument("--connectors", action="store_true", help="part 1 alone, the connectors (its own section)")
    ap.add_argument("--backup", action="store_true", help="backup and restore of the month (its own section)")
    ap.add_argument(
        "--keep",
        type=Path,
        metavar="DIR",
        help="work in DIR (new or empty) and keep it: the warehouses, lakes, Dagster runs and logs, to profile afterwards",
    )
    return ap


def main() -> int:
    ap = _parser()
    args = ap.parse_args()
    if args.keep and args.keep.exists() and any(args.keep.iterdir()):
        ap.error(f"--keep: {args.keep} is not empty")
    started = time.monotonic()
    if args.connectors:
        with _workdir(args.keep) as tmp:
            connectors_section(args, Path(tmp))
        return 0
    # the parts that take a section of their own
    for wanted, part, start, end in (
        (args.engines, bench_engines, ENGINES_START, ENGINES_END),
        (args.year, bench_year, YEAR_START, YEAR_END),
        (args.backup, bench_backup, BACKUP_START, BACKUP_END),
    ):
        if wanted:
            with _workdir(args.keep) as tmp:
                text = part(args.preset, Path(tmp))
            text += f"\n\nThis part of the benchmark took {(time.monotonic() - started) / 60:.1f} minutes."
            write_section(args.out, text, start, end)
            print(text)
            return 0
    with _workdir(args.keep) as tmp:
        tmp = Path(tmp)
        # first, while the machine has run nothing else yet: the live clock's hour decides
        # the volume (bench_live.busiest_hour_scale), and the rest does not depend on it
        print("6. freshness on a live clock", flush=True)
        from scripts.bench_live import measure

        try:
            live = measure(tmp / "live", args.preset, 3 if args.quick else 10)
        except Exception as exc:  # the other figures are still measured and written
            print(f"freshness could not be measured: {exc}", flush=True)
            live = None
        print("1. connectors", flush=True)
        connectors_section(args, tmp)
        print("2. end to end: the city month", flush=True)
        days = 7 if args.quick else (MONTH_END - MONTH_FIRST).days
        month, wh = backfill("month", tmp, args.preset, days)
        close = closing(wh, tmp, f"{MONTH_FIRST:%Y-%m}") if not args.quick else (0.0, 0.0, True)
        day = day_after("day", tmp, args.preset, days, "month")
        print("3. transform", flush=True)
        dbt = dbt_versus_floor(wh, tmp)
        print("4. scale curve", flush=True)
        scale = [
            (k, backfill(f"x{k}", tmp, args.preset if k == 1 else f"{args.preset}x{k}", 1)[0])
            for k in ((1, 2) if args.quick else (1, 2, 4))
        ]
        year = year_day = None
        if not args.quick:
            print("5. a year", flush=True)
            year, _ = backfill("year", tmp, args.preset, 365)
            year_day = day_after("year-day", tmp, args.preset, 365, "year")
    text = report(month, close, day, dbt, scale, year, year_day, live, args.quick, args.preset)
    text += f"\n\nThe whole benchmark took {(time.monotonic() - started) / 60:.1f} minutes."
    write_section(args.out, text, START, END)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
