"""Incremental builds equal builds from scratch, step by step.

The tiny world is landed into a lake one step at a time: days in order, a rerun of a day, a
day out of order, late corrections (a Smart City event changed days later, a household of
the register changed years after it was registered, an application and a visit withdrawn,
a petition corrected by a later export, a record to quarantine, a landed file damaged on
disk), new versions of the grid
and department lists, a change of the points rules, and a build killed half-way. After
each step the warehouse is built incrementally (`dbt build`, its data tests included), and
a second warehouse is built from scratch from the same lake; every mart, the quarantine and
the row accounting must be equal, row for row (only `_loaded_at`, when a build wrote a row,
may differ).
"""

from __future__ import annotations

import signal
import subprocess
import time
from datetime import date
from pathlib import Path

import pytest

from connectors.common.lake import Lake
from tests.conftest import point_pipeline_at
from tests.dbt_project import lake_steps
from tests.dbt_project.dbt_cli import (
    DBT_PROJECT_DIR,
    as_of,
    dbt_command,
    dbt_env,
    local_day,
    project_with_new_rule_version,
)
from warehouse.compare import BUILD_COLUMNS, compare, differing
from warehouse.duckdb import connect

pytestmark = pytest.mark.slow

BUILD = ["build", "--exclude-resource-type", "unit_test"]
FROM_SCRATCH = ["build", "--exclude-resource-type", "unit_test", "--exclude-resource-type", "test"]
SCHEMAS = ("marts", "quarantine")


class Steps:
    def __init__(self, root: Path, lake: Lake) -> None:
        self.root = root
        self.lake = lake
        self.incremental = root / "incremental" / "kaifeng.duckdb"
        self.reference = root / "reference" / "kaifeng.duckdb"
        self.project = DBT_PROJECT_DIR
        for wh in (self.incremental, self.reference):
            wh.parent.mkdir(parents=True, exist_ok=True)

    def _start(self, warehouse: Path, args: list[str]) -> subprocess.Popen:
        scratch = warehouse.parent
        return subprocess.Popen(
            dbt_command(args, scratch, self.project, partial_parse=True),
            env=dbt_env(warehouse, self.lake.root),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def build(self) -> None:
        """The incremental build and, beside it, a build from scratch of the same lake; as
        before every build of the pipeline, lake files that cannot be read are set aside."""
        self.lake.set_aside_unreadable()
        for f in self.reference.parent.glob("kaifeng.duckdb*"):
            f.unlink()
        today = as_of(local_day())  # both count one day as today, should midnight fall between them
        runs = [self._start(self.incremental, BUILD + today), self._start(self.reference, FROM_SCRATCH + today)]
        for run, name in zip(runs, ("incremental", "from scratch"), strict=True):
            out, _ = run.communicate(timeout=900)
            assert run.returncode == 0, f"the {name} build failed:\n{out[-6000:]}"

    def assert_equal(self) -> None:
        for schema in SCHEMAS:
            diffs = compare(self.reference, self.incremental, schema, ignore=BUILD_COLUMNS)
            assert {d.table for d in diffs} >= ({"fct_governance_events"} if schema == "marts" else {"row_accounting"})
            assert differing(diffs) == [], f"{schema}: the incremental build differs from the build from scratch"

    def query(self, sql: str) -> list[tuple]:
        con = connect(self.incremental, read_only=True)
        try:
            return con.execute(sql).fetchall()
        finally:
            con.close()


@pytest.fixture(scope="module")
def steps(tiny_sandbox, tmp_path_factory):
    root = tmp_path_factory.mktemp("incremental")
    with pytest.MonkeyPatch.context() as mp:
        point_pipeline_at(mp, root, tiny_sandbox)
        yield Steps(root, Lake(root / "lake"))


def test_01_first_days_build_from_scratch(steps):
    lake_steps.land_days(steps.lake, date(2026, 10, 1), date(2026, 10, 2), register_from=lake_steps.REGISTER_START)
    steps.build()
    steps.assert_equal()


def test_02_the_next_day_builds_only_what_it_brings(steps):
    before = dict(steps.query("select event_id, _loaded_at from marts.fct_governance_events"))
    lake_steps.land_days(steps.lake, date(2026, 10, 3), date(2026, 10, 3))
    steps.build()
    steps.assert_equal()
    after = dict(steps.query("select event_id, _loaded_at from marts.fct_governance_events"))
    kept = [e for e in before if after.get(e) == before[e]]
    new = [e for e in after if e not in before]
    # the earlier days' events that the new day left alone were not written again
    assert kept and new, (len(kept), len(new))
    (first_rows,) = steps.query(
        "select count(distinct _loaded_at) from staging.base_smart_city__service_requests where lake_partition = '2026-10-01'"
    )
    assert first_rows == (1,)


def test_03_a_rerun_lands_the_same_versions_again(steps):
    lake_steps.land_days(steps.lake, date(2026, 10, 3), date(2026, 10, 3))
    steps.build()
    steps.assert_equal()
    (repeats,) = steps.query("select sum(repeat_rows) from quarantine.row_accounting")
    assert repeats[0] > 0


def test_04_a_day_out_of_order(steps):
    lake_steps.land_days(steps.lake, date(2026, 10, 5), date(2026, 10, 5))
    steps.build()
    steps.assert_equal()
    lake_steps.land_days(steps.lake, date(2026, 10, 4), date(2026, 10, 4))
    steps.build()
    steps.assert_equal()


def test_05_late_corrections_and_withdrawals(steps):
    on = date(2026, 10, 5)
    lake_steps.smart_city_late_update(steps.lake, on)
    lake_steps.civil_affairs_late_updates(steps.lake, on)
    lake_steps.petition_correction(steps.lake, date(2026, 10, 6))
    lake_steps.smart_city_bad_record(steps.lake, on)
    damaged = lake_steps.corrupt_landing(steps.lake, on)
    steps.build()
    steps.assert_equal()
    assert steps.query(
        "select field_name, offending_value like '%-0000.parquet: %(2 rows set aside)' from quarantine.quarantine_records "
        f"where reason = 'unreadable_file' and load_id = '{damaged}'"
    ) == [("lake_file", True)]
    assert steps.query(
        f"select landed_rows, conformed_rows, quarantined_rows, unreadable_rows from quarantine.row_accounting where load_id = '{damaged}'"
    ) == [(2, 0, 0, 2)]
    (withdrawn,) = steps.query("select count(*) from staging.stg_civil_affairs__applications where is_deleted")
    assert withdrawn[0] == 1


def test_06_new_versions_of_the_grid_and_department_lists(steps):
    lake_steps.reference_changes(steps.lake, date(2026, 10, 4))
    steps.build()
    steps.assert_equal()
    assert steps.query("select count(*) from marts.dim_grid where version_no = 2")[0][0] == 1


def test_07_a_rule_change_builds_what_the_rules_reach(steps, tmp_path):
    project, version = project_with_new_rule_version(tmp_path, "R1", "2026-10-04", multiplier_parttime="1.500")
    before = dict(
        steps.query(
            "select line_id, points from marts.fct_worker_points_ledger where qualifying_on < date '2026-10-04'"
        )
    )
    steps.project = project
    try:
        steps.build()
        steps.assert_equal()
    finally:
        steps.project = DBT_PROJECT_DIR
    after = dict(
        steps.query(
            "select line_id, points from marts.fct_worker_points_ledger where qualifying_on < date '2026-10-04'"
        )
    )
    assert after == before  # the days before the new version scored as they were
    (rescored,) = steps.query(
        f"select count(*) from marts.fct_worker_points_ledger where rule_id = 'R1' and rule_version = {version}"
    )
    assert rescored[0] > 0
    # back to the project's own rules: the ledger is built again from them
    steps.build()
    steps.assert_equal()


def test_08_a_build_killed_half_way_is_repaired_by_the_next(steps):
    lake_steps.smart_city_late_update(steps.lake, date(2026, 10, 5))
    run = steps._start(steps.incremental, BUILD)
    killed = False
    for line in run.stdout:
        if "START sql incremental model marts.fct_governance_events" in line:
            time.sleep(0.2)
            run.send_signal(signal.SIGKILL)
            killed = True
            break
    run.wait(timeout=300)
    assert killed, "the build ended before it reached fct_governance_events"
    steps.build()
    steps.assert_equal()
