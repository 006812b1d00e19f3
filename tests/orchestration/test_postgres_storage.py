"""The production instance: Dagster's runs, event log and schedules in PostgreSQL.

A fresh database on the machine's server (127.0.0.1:5432, see tests/servers.py), a
DAGSTER_HOME holding a copy of orchestration/deploy/dagster.yaml and the GOVHUB_DAGSTER_PG_*
variables pointing at it; then `govhub demo` at the tiny preset with the multiprocess
executor, as a user runs it (the `tiny_demo` of tests/conftest.py, whose output
tests/govhub/test_cli.py reads too). Everything is checked in the PostgreSQL tables themselves. A
server that cannot be reached fails the tests: they never skip.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import defaultdict

import psycopg
import pytest

from orchestration.runner import DEPLOY_DAGSTER_YAML, MULTIPROCESS_RUN_CONFIG
from tests.conftest import DAGSTER_DB, mart_tables

pytestmark = [pytest.mark.e2e, pytest.mark.servers]

DSN = f"postgresql://postgres@127.0.0.1:5432/{DAGSTER_DB}"
# the jobs the demo runs over a window holding a whole month (October 2026)
JOBS = {
    "smart_city_reference",
    "smart_city_events",
    "sharp_eyes_reference",
    "sharp_eyes_events",
    "smart_parking_reference",
    "smart_parking_events",
    "civil_affairs_events",
    "petitions_files",
    "warehouse_build",
    "points_close_month",
}


def _rows(sql: str, params=None) -> list[tuple]:
    with psycopg.connect(DSN) as con:
        return con.execute(sql, params).fetchall()


@pytest.fixture(scope="module")
def deployed(tiny_demo):
    """The demo run once against the PostgreSQL instance: (environment, DAGSTER_HOME)."""
    assert "points_close_month 2026-10 succeeded" in tiny_demo.done.stdout
    return tiny_demo.env, tiny_demo.home


def test_every_run_of_the_demo_succeeded_in_postgres(deployed):
    _, home = deployed
    runs = _rows("select pipeline_name, status from runs")
    assert {name for name, _ in runs} == JOBS
    assert [r for r in runs if r[1] != "SUCCESS"] == []
    # the copied dagster.yaml was used as it is: nothing in SQLite under DAGSTER_HOME
    assert (home / "dagster.yaml").read_text() == DEPLOY_DAGSTER_YAML.read_text()
    assert not (home / "history").exists() and not (home / "schedules").exists()


def test_the_runs_were_executed_by_the_multiprocess_executor(deployed):
    for name, body in _rows("select pipeline_name, run_body from runs"):
        run_config = json.loads(body)["run_config"]
        assert run_config["execution"] == MULTIPROCESS_RUN_CONFIG["execution"], name
    # every step started in a process of its own, none in the run's (the orchestrator's)
    pids: dict[str, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    for run_id, kind, step, event in _rows(
        "select run_id, dagster_event_type, step_key, event from event_logs "
        "where dagster_event_type in ('PIPELINE_START', 'STEP_START', 'STEP_WORKER_STARTED')"
    ):
        pids[run_id][kind if kind == "PIPELINE_START" else f"{kind}:{step}"].add(
            json.loads(event)["dagster_event"]["pid"]
        )
    assert len(pids) == len(JOBS)
    for run_id, by_kind in pids.items():
        (orchestrator,) = by_kind.pop("PIPELINE_START")
        steps = {k.split(":", 1)[1] for k in by_kind if k.startswith("STEP_START:")}
        workers = {k.split(":", 1)[1] for k in by_kind if k.startswith("STEP_WORKER_STARTED:")}
        assert steps and steps == workers, run_id
        step_pids = [p for k, ps in by_kind.items() if k.startswith("STEP_START:") for p in ps]
        assert orchestrator not in step_pids, run_id
        assert len(set(step_pids)) == len(steps), run_id


def test_the_mart_materializations_are_in_the_postgres_event_log(deployed):
    materialized = defaultdict(set)
    for key, name in _rows(
        "select e.asset_key, r.pipeline_name from event_logs e join runs r on r.run_id = e.run_id "
        "where e.dagster_event_type = 'ASSET_MATERIALIZATION'"
    ):
        materialized[tuple(json.loads(key))].add(name)
    for table in mart_tables():
        assert materialized[("marts", table)] == {"warehouse_build"}, table
    # the sources' landings, and the month closed with its scorecard
    assert materialized[("smart_city", "raw", "service_requests")] == {"smart_city_events"}
    assert materialized[("reports", "monthly_scorecard")] == {"points_close_month"}


def test_the_month_is_closed_as_a_partition_of_its_run(deployed):
    (run_id, partition), *more = _rows("select run_id, partition from runs where pipeline_name = 'points_close_month'")
    assert more == [] and partition == "2026-10-01"
    tags = dict(_rows("select key, value from run_tags where run_id = %s", (run_id,)))
    assert tags["dagster/partition"] == "2026-10-01"
    assert tags["govhub/writes"] == "warehouse"  # queued one at a time by the deployed run coordinator
    events = {
        tuple(json.loads(key)): partition
        for key, partition in _rows(
            "select distinct asset_key, partition from event_logs "
            "where run_id = %s and dagster_event_type = 'ASSET_MATERIALIZATION'",
            (run_id,),
        )
    }
    # the month's assets under its partition; the BI copy it publishes after them is one file
    published = events.pop(("bi", "published_copy"))
    assert published is None
    assert events and set(events.values()) == {"2026-10-01"}


def test_a_started_schedule_is_stored_in_postgres(deployed):
    env, _ = deployed
    dagster = os.path.join(os.path.dirname(sys.executable), "dagster")
    done = subprocess.run(
        [dagster, "schedule", "start", "warehouse_hourly", "-m", "orchestration.definitions"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "Started schedule warehouse_hourly" in done.stdout
    rows = _rows("select status, instigator_type, instigator_body from instigators")
    assert len(rows) == 1
    status, kind, body = rows[0]
    state = json.loads(body)
    assert (status, kind) == ("RUNNING", "SCHEDULE")
    assert state["origin"]["job_name"] == "warehouse_hourly"
    assert state["job_specific_data"]["cron_schedule"] == "15 * * * *"


def test_the_instance_backed_up_and_restored_as_docs_operations_says(deployed, tmp_path):
    """The pg_dump and pg_restore lines of docs/operations.md, run as written: the demo's
    instance dumped, then restored into another database, holds the same runs."""
    from pathlib import Path

    from tests.servers import database_url

    doc = (Path(__file__).resolve().parents[2] / "docs" / "operations.md").read_text(encoding="utf-8")
    block = doc[doc.index("```bash\nexport PGHOST") + len("```bash\n") :]
    lines = block[: block.index("```")].strip().splitlines()
    assert [line.split()[0] for line in lines] == ["export", "pg_dump", "pg_restore"]
    env, _ = deployed
    env = {**env, "DUMP": str(tmp_path / "dagster.dump")}
    subprocess.run(["bash", "-euc", "\n".join(lines[:2])], env=env, check=True)
    restored = f"{DAGSTER_DB}_restored"
    database_url("postgresql", restored, fresh=True)
    subprocess.run(
        ["bash", "-euc", "\n".join([lines[0], lines[2]])], env={**env, "GOVHUB_DAGSTER_PG_DB": restored}, check=True
    )
    with psycopg.connect(DSN.replace(DAGSTER_DB, restored)) as con:
        again = sorted(con.execute("select run_id, status from runs").fetchall())
    assert again == sorted(_rows("select run_id, status from runs")) and len(again) >= len(JOBS)
