"""Retention (warehouse/retention.py, `govhub retention apply`, the monthly Dagster job) on a
copy of the tiny demo (October 2026 landed and closed): run as of 2026-11-20 with one month
kept, the assistance records that ended before October are gone from the lake and from every
table of the warehouse and its BI copy, and the closed October scores again bit for bit; run
again as of 2026-12-20 by the monthly job and the build its sensor asks for, October is past
too: its closed month and the versions and records that ended before November are gone.
Each run is in the audit table with the counts the lake lost."""

from __future__ import annotations

import hashlib
import re
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pytest

from govhub.cli import main
from warehouse import retention
from warehouse.compare import compare, differing
from warehouse.retention import cutoff, load_policy

pytestmark = pytest.mark.slow
PSEUDONYM = re.compile(r"[0-9a-f]{64}")

POLICY = """
[closed_months]
keep_months = 1

[entities."civil_affairs.recipients"]
superseded_after_months = 1
expire_after_months = 1
ended_field = "jsrq"

[entities."petitions.cases"]
superseded_after_months = 1
expire_after_months = 1

[entities."smart_parking.sessions"]
expire_after_months = 1
"""


@dataclass(frozen=True)
class World:
    root: Path
    lake: Path
    warehouse: Path


def _lake_rows(lake: Path, entity: str, where: str = "true") -> list[tuple]:
    source, name = entity.split(".")
    con = duckdb.connect()
    try:
        return con.execute(
            f"select record_key, cast(lake_partition as date) as day, payload "
            f"from read_parquet('{lake}/raw/{source}/{name}/*/*.parquet', hive_partitioning = true) where {where}"
        ).fetchall()
    finally:
        con.close()


def _all_rows(lake: Path) -> list[tuple]:
    return _lake_rows(lake, "*.*")


def _pseudonyms(rows) -> set[str]:
    return {p for _, _, payload in rows for p in PSEUDONYM.findall(payload)}


def _holding(warehouse: Path, values: set[str]) -> list[str]:
    """The tables (schema.table.column) of the warehouse with a text column holding any of
    `values`."""
    con = duckdb.connect(str(warehouse), read_only=True)
    con.execute("create temp table wanted (v varchar)")
    con.executemany("insert into wanted values (?)", [[v] for v in values])
    try:
        columns = con.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where data_type = 'VARCHAR' and table_schema not in ('temp', 'information_schema', 'pg_catalog') "
            "and table_catalog = current_database()"
        ).fetchall()
        return [
            f"{s}.{t}.{c}"
            for s, t, c in columns
            if con.execute(f'select count(*) from "{s}"."{t}" where "{c}" in (select v from wanted)').fetchone()[0]
        ]
    finally:
        con.close()


def _files_digest(lake: Path) -> str:
    h = hashlib.sha256()
    for p in sorted((lake / "raw").rglob("*.parquet")):
        h.update(p.read_bytes())
    return h.hexdigest()


@pytest.fixture(scope="module")
def world(tiny_demo, tmp_path_factory) -> World:
    root = tmp_path_factory.mktemp("retention")
    shutil.copytree(tiny_demo.lake, root / "lake")
    shutil.copy(tiny_demo.warehouse, root / "kaifeng.duckdb")
    (root / "policy.toml").write_text(POLICY)
    return World(root, root / "lake", root / "kaifeng.duckdb")


@pytest.fixture
def pointed(world, monkeypatch):
    monkeypatch.setenv("GOVHUB_LAKE_DIR", str(world.lake))
    monkeypatch.setenv("GOVHUB_WAREHOUSE_PATH", str(world.warehouse))
    monkeypatch.setenv("DAGSTER_HOME", str(world.root / "dagster_home"))
    monkeypatch.setenv("GOVHUB_RETENTION_FILE", str(world.root / "policy.toml"))
    return world


def test_01_expired_records_are_gone_everywhere_and_the_kept_month_scores_bit_for_bit(tiny_demo, pointed, capsys):
    world = pointed
    before = _lake_rows(world.lake, "civil_affairs.recipients")
    ended = {
        key
        for key, day, payload in before
        if day < date(2026, 10, 1) and '"jsrq":"' in payload and payload.split('"jsrq":"')[1][:10] < "2026-10-01"
    }
    assert ended, "the tiny world has assistance records that ended before October"
    assert _holding(world.warehouse, ended)  # the warehouse holds them before

    digest = _files_digest(world.lake)
    assert main(["retention", "apply", "--as-of", "2026-11-20", "--dry-run"]) == 0
    dry = capsys.readouterr().out
    assert _files_digest(world.lake) == digest  # a dry run removes nothing
    assert main(["retention", "apply", "--as-of", "2026-11-20"]) == 0
    out = capsys.readouterr().out
    line = (
        f"expired                  civil_affairs.recipients       before 2026-10-01: would remove {len(ended)} records"
    )
    assert line in dry and line.replace("would remove", "removed") in out, out
    assert "closed months kept: 2026-10, each scoring again to its figures" in out

    assert not {k for k, *_ in _lake_rows(world.lake, "civil_affairs.recipients")} & ended
    # no row of theirs is left; the payments made to them are records of their own, with their
    # own period, and still name them
    for warehouse in (world.warehouse, world.warehouse.parent / "published" / "kaifeng.duckdb"):
        assert all("payments" in where for where in _holding(warehouse, ended)), _holding(warehouse, ended)
    # and the personal data only they held (their pseudonyms) is nowhere
    theirs = _pseudonyms(r for r in before if r[0] in ended) - _pseudonyms(_all_rows(world.lake))
    assert theirs
    assert _holding(world.warehouse, theirs) == []
    assert _holding(world.warehouse.parent / "published" / "kaifeng.duckdb", theirs) == []
    scores = compare(tiny_demo.warehouse, world.warehouse, "scores", ignore=())
    assert {d.table for d in scores} >= {"closed_months", "worker_points_ledger"} and differing(scores) == []
    assert retention.verify_closed_months(world.warehouse) == {"2026-10": True}


def test_02_the_monthly_job_and_the_build_its_sensor_asks_for_remove_what_is_past(pointed, monkeypatch):
    from dagster import build_run_status_sensor_context

    from orchestration.dbt.assets import FULL_REFRESH_TAG
    from orchestration.retention import definitions as retention_defs
    from orchestration.runner import dagster_instance, job_runner

    world = pointed
    day = date(2026, 12, 20)
    monkeypatch.setattr(retention_defs, "datetime", _FrozenAt(day))
    sessions_before = _lake_rows(world.lake, "smart_parking.sessions")
    cases_before = _lake_rows(world.lake, "petitions.cases")
    line = cutoff(day, 1)  # 2026-11-01
    # what the policy removes, worked out from the lake before
    last, kept_from = {}, {}
    for key, d, _ in cases_before:
        last[key] = max(last.get(key, d), d)
        if d < line:
            kept_from[key] = max(kept_from.get(key, d), d)
    expired_cases = {k for k, d in last.items() if d < line and k is not None}
    superseded = sum(
        1 for k, d, _ in cases_before if k is not None and k not in expired_cases and d < kept_from.get(k, d)
    )
    # a row without a key (quarantined: no case number) is past by its own day
    expired_rows = sum(1 for k, d, _ in cases_before if k in expired_cases or (k is None and d < line))
    expired_sessions = {k for k, d, _ in sessions_before if d < line}
    assert expired_cases and superseded and expired_sessions

    instance = dagster_instance()
    run = job_runner("in_process", instance)
    applied = run(retention_defs.RETENTION_JOB, {})
    assert applied.success
    context = build_run_status_sensor_context(
        sensor_name="warehouse_after_retention",
        dagster_instance=instance,
        dagster_run=applied.dagster_run,
        dagster_event=applied.get_run_success_event(),
    )
    (request,) = [retention_defs.warehouse_after_retention(context)]
    assert request.tags == {FULL_REFRESH_TAG: "true"}
    built = run("warehouse_build", request.tags)
    assert built.success

    cases_after = _lake_rows(world.lake, "petitions.cases")
    assert not {k for k, *_ in cases_after} & expired_cases
    assert len(cases_after) == len(cases_before) - superseded - expired_rows
    assert not {k for k, *_ in _lake_rows(world.lake, "smart_parking.sessions")} & expired_sessions
    assert _holding(world.warehouse, expired_cases | expired_sessions) == []
    theirs = _pseudonyms(r for r in cases_before + sessions_before if r[0] in expired_cases | expired_sessions)
    theirs -= _pseudonyms(_all_rows(world.lake))
    assert theirs and _holding(world.warehouse, theirs) == []
    con = duckdb.connect(str(world.warehouse), read_only=True)
    try:
        assert con.execute("select count(*) from scores.closed_months").fetchone()[0] == 0  # October is past
        audit = con.execute(
            "select run_day, rule, entity, records, rows_removed from audit.retention_runs order by all"
        ).fetchall()
    finally:
        con.close()
    by_rule = {(str(d), rule, entity): (records, rows) for d, rule, entity, records, rows in audit}
    assert by_rule[("2026-12-20", "expired", "petitions.cases")][1] == expired_rows
    assert by_rule[("2026-12-20", "superseded", "petitions.cases")][1] == superseded
    assert by_rule[("2026-12-20", "expired", "smart_parking.sessions")] == (
        len(expired_sessions),
        len(expired_sessions),
    )
    assert by_rule[("2026-12-20", "closed_month", "scores")][0] == 1
    assert ("2026-11-20", "expired", "civil_affairs.recipients") in by_rule  # the first run's lines are kept
    assert retention.verify_closed_months(world.warehouse) == {}


class _FrozenAt:
    """Stands in for `datetime` in the job's module: now() is `day` at noon in Shanghai."""

    def __init__(self, day: date) -> None:
        self.day = day

    def now(self, tz=None):
        from datetime import datetime

        return datetime(self.day.year, self.day.month, self.day.day, 12, tzinfo=tz)


def test_a_policy_that_would_leave_a_kept_month_unreproducible_is_refused(tmp_path):
    from connectors.common.errors import ConfigError

    for text, match in (
        ('[closed_months]\nkeep_months = 12\n[entities."petitions.cases"]\nexpire_after_months = 6\n', "shorter than"),
        ('[closed_months]\nkeep_months = 1\n[entities."smart_city.staff"]\nsuperseded_after_months = 6\n', "history"),
        ('[closed_months]\nkeep_months = 1\n[entities."petitions.nothing"]\nexpire_after_months = 6\n', "no such"),
    ):
        (tmp_path / "p.toml").write_text(text)
        with pytest.raises(ConfigError, match=match):
            load_policy(tmp_path / "p.toml")
    assert load_policy().closed_months_keep == 36  # the shipped default is valid
