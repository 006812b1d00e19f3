"""What the quality checks cost: one `govhub demo` at `city` scale, its time split into the
checks and everything else, written to BENCHMARKS.md.

    .venv/bin/python scripts/bench_checks.py [--preset city] [--out BENCHMARKS.md]

The demo runs in a fresh temporary warehouse, lake and Dagster instance (the project's own
are not touched). Every check runs in the demo's one process, one after another, so their
times add up; the figures come from the run itself:

- GX landing suites and volume judgements: the `validation_seconds` each check reports in
  its metadata (the blocking and warning checks share one validation: counted once);
- dbt data tests: the sum of their execution times in the build's run_results.json (dbt
  runs two threads, so the sum is an upper bound of their share of the wall time);
- check-only steps (freshness, row accounting, quarantine): their step durations in the
  Dagster event log.

"Checks add" is their time over the time of the run without them: checks / (wall - checks).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from scripts.benchlib import machine, run_measured, write_section  # noqa: E402

START, END = "<!-- bench_checks:start -->", "<!-- bench_checks:end -->"


def check_times(dagster_home: Path) -> dict[str, float]:
    """Seconds spent in checks, by kind, over every run in the instance."""
    os.environ["DAGSTER_HOME"] = str(dagster_home)
    from dagster import DagsterInstance

    from orchestration.near_real_time import WAREHOUSE_JOB

    instance = DagsterInstance.get()
    times = {"gx_landing_suites": 0.0, "volume": 0.0, "check_steps": 0.0, "dbt_tests": 0.0}
    for run in instance.get_runs():
        _add_run_checks(times, instance.all_logs(run.run_id))
        if run.job_name == WAREHOUSE_JOB:
            times["dbt_tests"] += _dbt_test_seconds(run.run_id)
    return times


def _add_run_checks(times: dict[str, float], entries) -> None:
    """Add one run's GX check seconds (by the checks' own metadata) and the time of its steps
    that only check (they materialize nothing) to `times`."""
    from dagster import DagsterEventType

    starts: dict[str, float] = {}
    asset_steps = set()
    check_names = {"gx_blocking": "gx_landing_suites", "volume": "volume"}
    for entry in entries:
        event = entry.dagster_event
        if event is None:
            continue
        kind = event.event_type
        if kind == DagsterEventType.ASSET_MATERIALIZATION:
            asset_steps.add(event.step_key)
        elif kind == DagsterEventType.ASSET_CHECK_EVALUATION:
            data = event.event_specific_data
            seconds = data.metadata.get("validation_seconds")
            name = check_names.get(data.asset_check_key.name)
            if seconds is not None and name is not None:
                times[name] += seconds.value
        elif kind == DagsterEventType.STEP_START:
            starts[event.step_key] = entry.timestamp
        elif kind == DagsterEventType.STEP_SUCCESS and event.step_key in starts and event.step_key not in asset_steps:
            times["check_steps"] += entry.timestamp - starts[event.step_key]


def _dbt_test_seconds(run_id: str) -> float:
    """The seconds dbt's data tests took in the warehouse build `run_id` (its run_results.json)."""
    total = 0.0
    for results in (ROOT / "dbt_project" / "target").glob(f"warehouse_models-{run_id[:7]}-*/run_results.json"):
        for r in json.loads(results.read_text())["results"]:
            if r["unique_id"].startswith("test."):
                total += r["execution_time"]
    return total


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--preset", default="city")
    ap.add_argument("--out", type=Path, default=ROOT / "BENCHMARKS.md")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="govhub-bench-checks-") as tmp:
        tmp = Path(tmp)
        env = {**os.environ, "DAGSTER_HOME": str(tmp / "dagster")}
        for k in ("GOVHUB_WAREHOUSE_PATH", "GOVHUB_LAKE_DIR"):
            env.pop(k, None)
        cmd = [sys.executable, "-m", "govhub.cli", "demo", "--preset", args.preset]
        cmd += ["--warehouse", str(tmp / "warehouse" / "kaifeng.duckdb")]
        (tmp / "dagster").mkdir()
        m = run_measured(cmd, env, tmp / "demo.log")
        wall, peak, code = m.wall, m.peak, m.code
        if code != 0:
            print((tmp / "demo.log").read_text()[-4000:], file=sys.stderr)
            print(f"bench_checks: the demo failed (exit {code})", file=sys.stderr)
            return 1
        times = check_times(tmp / "dagster")
    checks = sum(times.values())
    rows = [
        ("GX landing suites (18 entities)", times["gx_landing_suites"]),
        ("volume judgements (GX)", times["volume"]),
        ("dbt data tests (sum over 2 threads)", times["dbt_tests"]),
        ("check-only steps (freshness, accounting)", times["check_steps"]),
        ("all checks", checks),
    ]
    lines = [
        f"## Quality checks at `{args.preset}` scale",
        "",
        f"Command: `.venv/bin/python scripts/bench_checks.py --preset {args.preset}` "
        f"(runs `govhub demo --preset {args.preset}` in a fresh temporary warehouse)",
        f"Machine: {machine()}",
        f"Date: {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}",
        "",
        "| part | seconds | share of the demo's wall time |",
        "|---|---:|---:|",
        *[f"| {name} | {s:.1f} | {s / wall:.1%} |" for name, s in rows],
        f"| demo wall time | {wall:.1f} | 100% |",
        "",
        f"Checks add **{checks / (wall - checks):.1%}** to the time of the run without them "
        f"({wall - checks:.1f} s); peak RSS of the process tree {peak / 1024**3:.2f} GB.",
    ]
    text = "\n".join(lines)
    write_section(args.out, text, START, END)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
