"""Freshness on a live clock (`scripts/bench.py`, part 6): from an event's appearance at a
stand-in to its row in the marts, under the real Dagster daemon and the near-real-time
sensor, as a deployment runs them.

1. The stand-ins serve the city world on the wall clock (`govhub sandbox serve --live`): a
   Smart City event becomes visible when its update time passes, a Sharp Eyes alarm is
   pushed to a worker when its push time passes. The world's daily volume is scaled so the
   hour measured comes nearer the city's busiest hour (`busiest_hour_scale`, at most x4): at
   05:00 a city reports a seventh of what it reports at 10:00, and a measurement at night
   would see a handful of events on an idle path.
2. The warehouse is prepared as a daily run would leave it (yesterday and today so far
   landed and built), then `dagster-daemon` runs the code location with the
   `near_real_time_sensor` started, for the minutes asked.
3. Each event first seen in that time is measured from its appearance (its first version's
   `updated_datetime`; an alarm's `pushTime`) to the end of the build that first wrote it
   (the `_loaded_at` stamp of its landed row, looked up in `meta.builds`), provided its
   row is in `fct_governance_events` (`fct_alarm_responses`) when the measurement ends.

    .venv/bin/python scripts/bench_live.py [--minutes 10] [--preset city] [--interval 5] [--as-is]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

INSTANCE_YAML = """\
telemetry:
  enabled: false
run_coordinator:
  module: dagster._core.run_coordinator
  class: QueuedRunCoordinator
  config:
    dequeue_interval_seconds: 1
    tag_concurrency_limits:
      - key: govhub/writes
        value: warehouse
        limit: 1
"""


@dataclass
class Freshness:
    table: str
    seconds: list[float]  # appearance to the end of the build that wrote the row, per record

    def percentile(self, p: float) -> float:
        s = sorted(self.seconds)
        return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]

    @property
    def p50(self) -> float:
        return statistics.median(self.seconds)

    @property
    def p95(self) -> float:
        return self.percentile(95)


@dataclass
class LiveRun:
    minutes: float
    interval: int
    runs: int
    failed_runs: int
    run_seconds: list[float]
    events: Freshness
    alarms: Freshness
    preset: str = "city"
    failures: list[str] = field(default_factory=list)  # the first lines of each failed run's error


def _sandbox(preset: str, start, end) -> tuple[subprocess.Popen, dict[str, str]]:
    cmd = [sys.executable, "-m", "govhub.cli", "sandbox", "serve", "--env-json", "--live", "--preset", preset]
    cmd += ["--start", start.isoformat(), "--end", end.isoformat()]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    line = proc.stdout.readline()
    if not line:
        raise RuntimeError(f"the live stand-ins did not start (exit {proc.wait()})")
    return proc, json.loads(line)


MAX_SCALE = 4  # the largest daily volume the scale curve (bench.py part 4) measures


def busiest_hour_scale(hour: int) -> int:
    """How many times the city's daily volume makes `hour` (Asia/Shanghai) as busy as its
    busiest hour, by the Smart City stand-in's profile of the day; at most MAX_SCALE."""
    from sandbox.smart_city.events import HOURLY

    return max(1, min(MAX_SCALE, round(float(HOURLY.max() / HOURLY[hour]))))


def measure(tmp: Path, preset: str = "city", minutes: float = 10.0, interval: int = 5, busiest: bool = True) -> LiveRun:
    from connectors.common.timezone import SHANGHAI

    today = datetime.now(SHANGHAI).date()
    k = busiest_hour_scale(datetime.now(SHANGHAI).hour) if busiest and "x" not in preset else 1
    preset = f"{preset}x{k}" if k > 1 else preset
    sandbox, sandbox_env = _sandbox(preset, today - timedelta(days=1), today + timedelta(days=1))
    home = tmp / "dagster"
    home.mkdir(parents=True)
    (home / "dagster.yaml").write_text(INSTANCE_YAML, encoding="utf-8")
    env = {
        **os.environ,
        **sandbox_env,
        "DAGSTER_HOME": str(home),
        "GOVHUB_WAREHOUSE_PATH": str(tmp / "warehouse" / "kaifeng.duckdb"),
        "GOVHUB_NEAR_REAL_TIME_SECONDS": str(interval),
    }
    env.pop("GOVHUB_LAKE_DIR", None)
    daemon = None
    try:
        # the warehouse as the daily run leaves it: yesterday and today so far, built
        prepare = (
            "from datetime import date, timedelta; from orchestration.runner import run_pipeline; "
            f"run_pipeline(date.fromisoformat('{today - timedelta(days=1)}'), date.fromisoformat('{today + timedelta(days=1)}'), "
            "progress=lambda m: print(m, flush=True))"
        )
        log = tmp / "prepare.log"
        with log.open("w") as out:
            done = subprocess.run(
                [sys.executable, "-c", prepare], env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT
            )
        if done.returncode != 0:
            lines = log.read_text(errors="replace").splitlines()
            why = [line for line in lines if "Error" in line or "FAILED" in line or " ERROR " in line][:20]
            raise RuntimeError("preparing the live warehouse failed (" + str(log) + "):\n" + "\n".join(why))
        subprocess.run(_sensor("start"), env=env, cwd=ROOT, check=True, capture_output=True)
        began = datetime.now(SHANGHAI)
        daemon = subprocess.Popen(
            [str(Path(sys.executable).parent / "dagster-daemon"), "run", "-m", "orchestration.definitions"],
            env=env,
            cwd=ROOT,
            stdout=open(tmp / "daemon.log", "w"),  # noqa: SIM115 - closed with the process
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        time.sleep(minutes * 60)
        ended = datetime.now(SHANGHAI)
        # no new run, and the one going (if any) ends as a deployment's would, not cut off
        subprocess.run(_sensor("stop"), env=env, cwd=ROOT, check=True, capture_output=True)
        _wait_for_runs(env, timeout=180)
    finally:
        if daemon is not None:
            os.killpg(daemon.pid, signal.SIGTERM)
            try:
                daemon.wait(timeout=120)
            except subprocess.TimeoutExpired:
                os.killpg(daemon.pid, signal.SIGKILL)
        sandbox.terminate()
        sandbox.wait(timeout=60)
    runs, failed, seconds, failures = _runs(env)
    warehouse = Path(env["GOVHUB_WAREHOUSE_PATH"])
    return LiveRun(
        minutes,
        interval,
        runs,
        failed,
        seconds,
        _freshness(warehouse, "fct_governance_events", began, ended),
        _freshness(warehouse, "fct_alarm_responses", began, ended),
        preset,
        failures,
    )


def _sensor(action: str) -> list[str]:
    """`dagster sensor start|stop` of the near-real-time sensor."""
    dagster = str(Path(sys.executable).parent / "dagster")
    return [dagster, "sensor", action, "-m", "orchestration.definitions", "near_real_time_sensor"]


_GOING = """
from dagster import DagsterInstance, DagsterRunStatus, RunsFilter
going = [DagsterRunStatus.QUEUED, DagsterRunStatus.NOT_STARTED, DagsterRunStatus.STARTING, DagsterRunStatus.STARTED]
print(len(DagsterInstance.get().get_run_records(RunsFilter(job_name="near_real_time", statuses=going))))
"""


def _wait_for_runs(env: dict[str, str], timeout: float) -> None:
    """Until no near_real_time run is queued or going (at most `timeout` seconds)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        out = subprocess.run([sys.executable, "-c", _GOING], env=env, cwd=ROOT, capture_output=True, text=True)
        if out.returncode == 0 and out.stdout.strip().splitlines()[-1] == "0":
            return
        time.sleep(2)


_RUNS = """
import json
from dagster import DagsterEventType, DagsterInstance, RunsFilter
i = DagsterInstance.get()
rows = []
for r in i.get_run_records(RunsFilter(job_name="near_real_time")):
    error = ""
    if r.dagster_run.status.value == "FAILURE":
        failures = i.all_logs(r.dagster_run.run_id, of_type={DagsterEventType.STEP_FAILURE, DagsterEventType.RUN_FAILURE})
        error = " | ".join((e.dagster_event.message or "")[:300] for e in failures[:2])
    rows.append([r.dagster_run.status.value, (r.end_time or 0) - (r.start_time or 0), error])
print(json.dumps(rows))
"""


def _runs(env: dict[str, str]) -> tuple[int, int, list[float], list[str]]:
    """The near_real_time runs of the instance: how many, how many failed, the seconds of
    those that succeeded, and why each failed one failed."""
    out = subprocess.run([sys.executable, "-c", _RUNS], env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    rows = json.loads(out.stdout.strip().splitlines()[-1])
    done = [s for status, s, _ in rows if status == "SUCCESS"]
    failures = [error for status, _, error in rows if status == "FAILURE"]
    return len(rows), len(failures), done, failures


# first landed version of each record, when it appeared at the source, and the row's table
_LANDED = {
    "fct_governance_events": (
        "select b.service_request_id as key, min(b._loaded_at) as stamp, min(b.requested_at) as appeared "
        "from staging.base_smart_city__service_requests as b group by 1",
        "select distinct source_record_id as key from marts.fct_governance_events where source_system = 'smart_city'",
    ),
    "fct_alarm_responses": (
        "select b.alarm_id as key, min(b._loaded_at) as stamp, min(b.pushed_at) as appeared "
        "from staging.base_sharp_eyes__alarm_handling as b where b.pushed_at is not null group by 1",
        "select alarm_id as key from marts.fct_alarm_responses",
    ),
}


def _freshness(warehouse: Path, table: str, began: datetime, ended: datetime) -> Freshness:
    from warehouse.duckdb import connect

    landed, present = _LANDED[table]
    con = connect(warehouse, read_only=True)
    try:
        rows = con.execute(
            f"""
            with landed as ({landed}),
            builds as (
                select stamp_us, finished_at_us as finished_us from meta.builds where status = 'success'
            )
            select epoch(l.appeared), epoch(l.stamp),
                   (select min(finished_us) from builds where stamp_us >= epoch_us(l.stamp)) / 1e6
            from landed as l
            join ({present}) as p using (key)
            where l.appeared >= ? and l.appeared < ?
            """,
            [began, ended - timedelta(minutes=1)],
        ).fetchall()
    finally:
        con.close()
    return Freshness(table, [finished - appeared for appeared, _, finished in rows if finished is not None])


def main() -> int:
    import tempfile

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--minutes", type=float, default=10)
    ap.add_argument("--preset", default="city")
    ap.add_argument("--interval", type=int, default=5, help="GOVHUB_NEAR_REAL_TIME_SECONDS (default 5)")
    ap.add_argument("--as-is", action="store_true", help="the preset's volume at this hour, not the busiest hour's")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="govhub-live-") as tmp:
        run = measure(Path(tmp), args.preset, args.minutes, args.interval, busiest=not args.as_is)
    print(f"preset {run.preset}")
    for f in (run.events, run.alarms):
        if f.seconds:
            print(f"{f.table}: {len(f.seconds)} records, p50 {f.p50:.1f} s, p95 {f.p95:.1f} s")
    median = f"median {statistics.median(run.run_seconds):.1f} s" if run.run_seconds else "none succeeded"
    print(f"{run.runs} near_real_time runs ({run.failed_runs} failed), {median}")
    for error in run.failures:
        print(f"failed: {error}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
