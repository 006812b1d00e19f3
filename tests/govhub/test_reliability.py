"""The whole pipeline under faults and crashes ends where a calm, uninterrupted run ends.

- **Chaos equals calm**: the tiny world through every stand-in's `chaos` profile (and the
  civil-affairs register on PostgreSQL behind the proxy that loses connections) builds the
  same marts, compared by content, as without faults; staging holds the same record
  versions per source (nothing lost, nothing doubled).
- **Crash and resume**: the ingestion killed at a failpoint (a page received and not landed,
  a batch just landed, everything landed and the cursor not moved) or the process tree
  killed in the middle of the dbt run, then run again: the same marts, table for table.

- **Chaos equals calm for any seed and window end**: the five connectors, as `govhub ingest`
  runs them with the demo's page sizes, land the same record versions from chaos stand-ins
  as from calm ones, for several worlds (seeds) and windows, the register in its embedded
  SQLite file (whose owner locks it once) and the window's last export written slowly; the
  next run lands what a file still being written held back.

The whole-pipeline runs use small pages so that every read pages, and share one calm
reference.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import date

import pytest

from connectors.common.lake import Lake
from sandbox.petitions.files import EXTRA_COLUMN
from tests.conftest import TINY_END, TINY_START, point_pipeline_at
from tests.connectors.acceptance import SMALL_PAGES, landed, sandbox, without_field
from tests.connectors.acceptance import SOURCES as CONNECTORS
from tests.servers import database_url
from warehouse.compare import compare, differing

pytestmark = [pytest.mark.e2e, pytest.mark.servers]

SOURCES = ("smart_city", "sharp_eyes", "smart_parking", "civil_affairs", "petitions")
# the faults a connector answers by asking again (the others by reading a list again or
# waiting for a file)
RETRIED = {
    "http_429",
    "http_5xx",
    "timeout",
    "dropped_connection",
    "truncated_json",
    "invalid_json",
    "envelope_error",
    "signature_rejected",
    "token_expired",
    "connection_lost",
    "database_locked",
}
RUN = (
    "import json; from datetime import date; from orchestration.runner import run_pipeline; "
    f"r = run_pipeline(date.fromisoformat('{TINY_START}'), date.fromisoformat('{TINY_END}'), print); "
    "print('retries ' + json.dumps(r))"
)


def _retries(stdout: str) -> dict[str, int]:
    """The retries per source the run reported on its last line."""
    import json

    return json.loads(stdout.strip().splitlines()[-1].removeprefix("retries "))


def _pipeline_env(root, running) -> dict[str, str]:
    with pytest.MonkeyPatch.context() as mp:
        point_pipeline_at(mp, root, running)
        for k, v in SMALL_PAGES.items():
            mp.setenv(k, v)
        return dict(os.environ)


def _run(env: dict[str, str], timeout: float = 900) -> subprocess.CompletedProcess:
    """The pipeline over the tiny window in a process of its own (as `govhub demo` runs it)."""
    return subprocess.run([sys.executable, "-c", RUN], env=env, capture_output=True, text=True, timeout=timeout)


def _world(tmp_path_factory, name: str, faults: str | None = None):
    """A root folder and a running sandbox whose register is a fresh PostgreSQL database."""
    running = sandbox(faults=faults, civil_affairs_url=database_url("postgresql", f"govhub_{name}", fresh=True))
    return tmp_path_factory.mktemp(name), running


@pytest.fixture(scope="module")
def calm(tmp_path_factory):
    root, running = _world(tmp_path_factory, "calm")
    try:
        done = _run(_pipeline_env(root, running))
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    finally:
        running.stop()
    return root / "kaifeng.duckdb"


def _per_source(diffs) -> dict[str, Counter]:
    out = {s: Counter() for s in SOURCES}
    for d in diffs:
        source = d.table.removeprefix("stg_").split("__")[0]
        if source in out:
            out[source].update(lost=d.missing, doubled=d.extra, versions=d.reference_rows)
    return out


def test_the_whole_pipeline_under_chaos_builds_the_marts_of_a_calm_run(calm, tmp_path_factory):
    root, running = _world(tmp_path_factory, "chaos", faults="chaos")
    try:
        done = _run(_pipeline_env(root, running))
        report = running.fault_report()
    finally:
        running.stop()
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    for source in SOURCES:
        assert sum(report.get(source, {}).values()) > 0, f"no fault reached {source}: {report}"
    marts = compare(calm, root / "kaifeng.duckdb", "marts")
    assert len(marts) >= 19 and differing(marts) == []
    stg = [d for d in compare(calm, root / "kaifeng.duckdb", "staging") if d.table.startswith("stg_")]
    per_source = _per_source(stg)
    retries = _retries(done.stdout)
    print(f"\n{'source':15s} {'faults injected':60s} retries versions  lost  doubled")
    for source in SOURCES:
        c = per_source[source]
        faults = ", ".join(f"{k} {v}" for k, v in sorted(report.get(source, {}).items()))
        print(
            f"{source:15s} {faults:60s} {retries.get(source, 0):>7} {c['versions']:>8} {c['lost']:>5} {c['doubled']:>7}"
        )
    # a source answered with an error, a broken body or a lost connection tried again
    for source in SOURCES:
        met = sum(n for fault, n in report.get(source, {}).items() if fault in RETRIED)
        assert retries.get(source, 0) >= met, (source, report.get(source), retries)
    assert all(c["lost"] == 0 and c["doubled"] == 0 for c in per_source.values()), per_source
    assert all(c["versions"] > 0 for c in per_source.values())


def test_a_run_killed_in_its_build_and_run_again_builds_the_marts_of_an_uninterrupted_run(calm, tmp_path_factory):
    """The whole process tree killed a few seconds into the dbt build, then run again. Every
    failpoint of a connector (between pages, after a batch landed, landed but the cursor not
    moved) is killed and run again at connector level, in tests/connectors/test_acceptance.py."""
    rng = random.Random("crash-dbt")
    root, running = _world(tmp_path_factory, "crash_dbt")
    try:
        env = _pipeline_env(root, running)
        proc = subprocess.Popen(
            [sys.executable, "-c", RUN], env=env, stdout=subprocess.PIPE, text=True, start_new_session=True
        )
        for line in proc.stdout:
            if "running warehouse_build" in line:
                break
        time.sleep(rng.uniform(4, 12))
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
        assert proc.returncode == -signal.SIGKILL
        resumed = _run(env)
        assert resumed.returncode == 0, resumed.stdout[-3000:] + resumed.stderr[-3000:]
    finally:
        running.stop()
    diffs = compare(calm, root / "kaifeng.duckdb", "marts")
    assert len(diffs) >= 19 and differing(diffs) == []


# (seed, first day, first day after): the demo's own failing command among them (seed 7, a
# window ending the day before the run, its last export still being written)
SWEEP = [
    (7, date(2026, 11, 27), date(2026, 12, 2)),
    (11, date(2026, 10, 27), date(2026, 11, 1)),
    (23, date(2026, 9, 28), date(2026, 10, 3)),
]


def _land_window(running, root, start, end) -> dict[str, dict[str, set[tuple]]]:
    """Each source's record versions after a run over [start, end) and the next run (which
    lands a file that was still being written)."""
    lake = Lake(root)
    with pytest.MonkeyPatch.context() as mp:
        for k, v in running.env().items():
            mp.setenv(k, v)
        for source in CONNECTORS.values():
            source.read(lake, start, end)
        running.stand_ins["petitions"].wait_written()
        CONNECTORS["petitions"].read(lake, start, end)
    # one export comes with a column more (fault bad_files): the same rows, one field more
    return {
        name: {
            e: {(k, u, without_field(p, EXTRA_COLUMN)) for k, u, p in landed(lake, name, e)} for e in source.entities
        }
        for name, source in CONNECTORS.items()
    }


@pytest.mark.parametrize(("seed", "start", "end"), SWEEP, ids=[f"seed{s}-to-{e}" for s, _, e in SWEEP])
def test_chaos_lands_what_calm_lands_for_any_seed_and_window(seed, start, end, tmp_path):
    versions, report = {}, {}
    for profile in ("none", "chaos"):
        running = sandbox(faults=profile, seed=seed, start=start, end=end)
        try:
            versions[profile] = _land_window(running, tmp_path / profile, start, end)
            report = running.fault_report()
        finally:
            running.stop()
    assert running.notes == ["civil_affairs: connection_lost needs a database server; SQLite has no connection to lose"]
    assert report["civil_affairs"]["database_locked"] == 1 and report["petitions"]["file_in_progress"] == 1
    for source in SOURCES:
        assert sum(report.get(source, {}).values()) > 0, f"no fault reached {source}: {report}"
    for source, entities in versions["none"].items():
        assert any(entities.values()), f"{source}: the window holds nothing, the test would prove nothing"
        for entity, calm_versions in entities.items():
            chaos_versions = versions["chaos"][source][entity]
            lost, extra = calm_versions - chaos_versions, chaos_versions - calm_versions
            assert not lost and not extra, f"{source}.{entity}: {len(lost)} lost, {len(extra)} not in the calm run"
