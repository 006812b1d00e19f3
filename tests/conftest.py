"""Shared fixtures: a tiny sandbox world served over HTTP, and an isolated warehouse."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from sandbox.serve import SandboxConfig, start_sandbox

# `make test` and `make test-all` run on xdist workers (--dist loadgroup). A test file runs
# whole on one worker, so that its module fixtures and its servers' databases are made once;
# the tests of a costly session world run on one worker whatever their files, so that each
# world is built once, and they are handed out first, the costliest first, so that the
# longest chain starts at once and the rest fills the other workers around it (make test and
# make test-all keep this order: --no-loadscope-reorder).
SHARED_WORLDS = ("spark_demo", "tiny_demo", "tiny_rerun")


HEAVY = ("e2e", "slow", "spark", "servers", "browser")  # the markers of make test-all's own tests


def _group(item: pytest.Item) -> tuple[int, str]:
    """(when its group is handed out: the worlds, then the heavy tests, then the rest; the group)."""
    for rank, world in enumerate(SHARED_WORLDS):
        if world in item.fixturenames:
            return rank, world
    heavy = any(item.get_closest_marker(m) for m in HEAVY)
    return len(SHARED_WORLDS) + (not heavy), item.nodeid.split("::", 1)[0]


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.pluginmanager.has_plugin("xdist"):
        return
    groups = {id(item): _group(item) for item in items}
    for item in items:
        item.add_marker(pytest.mark.xdist_group(groups[id(item)][1]))
    items.sort(key=lambda item: groups[id(item)][0])  # stable: files keep their order


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    # xdist marks a grouped test by its node id (`...@group`); a pytest it does not support
    # would leave them unmarked and every worker would build every world, into one database
    if getattr(session.config.option, "loadgroup", False) and not all("@" in i.nodeid for i in session.items):
        raise pytest.UsageError("pytest-xdist could not group the tests (--dist loadgroup): see pyproject.toml's pins")


def mart_tables() -> tuple[str, ...]:
    """The marts a rebuild of the same data gives again (warehouse/summary.py), from the dbt
    project's manifest."""
    from orchestration.dbt.project import ensure_manifest
    from warehouse.summary import mart_tables as of_manifest

    return of_manifest(ensure_manifest())


# The tiny world's window: five days of events; the clock is frozen at the end.
TINY_START = date(2026, 10, 1)
TINY_END = date(2026, 10, 6)


@pytest.fixture(scope="session")
def tiny_sandbox():
    running = start_sandbox(SandboxConfig(preset="tiny", start=TINY_START, end=TINY_END))
    yield running
    running.stop()


@pytest.fixture
def smart_city_env(tiny_sandbox, monkeypatch):
    for k, v in tiny_sandbox.env().items():
        monkeypatch.setenv(k, v)
    return tiny_sandbox.env()


@pytest.fixture
def warehouse_env(tmp_path, monkeypatch):
    """GOVHUB_WAREHOUSE_PATH / GOVHUB_LAKE_DIR in a temp folder, exported for dbt."""
    from warehouse.settings import configure_environment

    monkeypatch.setenv("GOVHUB_WAREHOUSE_PATH", str(tmp_path / "kaifeng.duckdb"))
    monkeypatch.setenv("GOVHUB_LAKE_DIR", str(tmp_path / "lake"))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    settings = configure_environment()
    yield settings
    # configure_environment writes os.environ directly; monkeypatch restores what it set.
    os.environ.pop("GOVHUB_DUCKDB_SPATIAL_EXTENSION", None)


def point_pipeline_at(mp: pytest.MonkeyPatch, root, running) -> None:
    """Point the pipeline at a warehouse, lake and Dagster instance under `root`, and its
    connectors at the running sandbox."""
    mp.setenv("GOVHUB_WAREHOUSE_PATH", str(root / "kaifeng.duckdb"))
    mp.setenv("GOVHUB_LAKE_DIR", str(root / "lake"))
    mp.setenv("DAGSTER_HOME", str(root / "dagster_home"))
    for k, v in running.env().items():
        mp.setenv(k, v)


@pytest.fixture(scope="session")
def tiny_warehouse(tiny_sandbox, tmp_path_factory):
    """The whole pipeline run once through Dagster over the tiny sandbox: (settings, rerun)."""
    from orchestration.runner import run_pipeline
    from warehouse.settings import configure_environment

    root = tmp_path_factory.mktemp("pipeline")
    with pytest.MonkeyPatch.context() as mp:
        point_pipeline_at(mp, root, tiny_sandbox)
        settings = configure_environment()
        run_pipeline(TINY_START, TINY_END, progress=lambda _: None)
        yield settings, (lambda: run_pipeline(TINY_START, TINY_END, progress=lambda _: None))


@dataclass
class Rerun:
    """The tiny pipeline run again over its window while BI clients read what it publishes."""

    marts_before: dict[str, list[str]]
    marts_after: dict[str, list[str]]
    raw_before: dict[str, int]  # landed rows per source/entity
    raw_after: dict[str, int]
    reads: list[tuple[int, int]]  # (DuckDB copy, PostgreSQL) event counts, read during the rerun
    errors: list[BaseException]
    copy_before: int  # the published DuckDB copy's inode before and after the rerun
    copy_after: int


RERUN_RAW = ("smart_city/service_requests", "petitions/cases")


@dataclass
class BiPostgres:
    """A database on the machine's PostgreSQL server that the BI publishing tests publish to."""

    dsn: str  # as the pipeline's engineers (GOVHUB_BI_POSTGRES_DSN)
    reader_dsn: str  # as the role BI tools log in with


@pytest.fixture(scope="session")
def bi_postgres() -> BiPostgres:
    """A fresh database of this test process's own (each xdist worker publishes to its own;
    GOVHUB_TEST_POSTGRES_DSN names another one). The test fails when the server is down."""
    from tests.servers import database_url

    dsn = os.environ.get("GOVHUB_TEST_POSTGRES_DSN") or database_url(
        "postgresql", f"govhub_bi_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}", fresh=True
    ).replace("postgresql+psycopg://", "postgresql://", 1)
    return BiPostgres(dsn, dsn.replace("postgres@", "bi_reader@", 1))


@pytest.fixture(scope="session")
def tiny_rerun(tiny_warehouse, bi_postgres) -> Rerun:
    """The whole tiny pipeline run once more (publishing to DuckDB and PostgreSQL at its
    end) while a DuckDB client and a PostgreSQL client keep reading the marts, shared by
    the tests of what a rerun changes and of what BI sees meanwhile. Needs the PostgreSQL
    server (it fails without it)."""
    import threading

    import duckdb
    import psycopg

    from warehouse.duckdb import connect
    from warehouse.publish import LINK_NAME, publish_duckdb, publish_postgres

    settings, rerun = tiny_warehouse

    def marts() -> dict[str, list[str]]:  # the build stamps (_loaded_at) included
        con = connect(settings.warehouse_path, read_only=True)
        try:
            return {t: sorted(map(repr, con.execute(f"select * from marts.{t}").fetchall())) for t in mart_tables()}
        finally:
            con.close()

    def raw() -> dict[str, int]:
        glob = "{}/raw/{}/*/*.parquet"
        return {
            e: duckdb.sql(f"select count(*) from read_parquet('{glob.format(settings.lake_dir, e)}')").fetchone()[0]
            for e in RERUN_RAW
        }

    published = settings.warehouse_path.parent / "published"
    publish_duckdb(settings.warehouse_path, published)
    publish_postgres(settings.warehouse_path, bi_postgres.dsn)
    before = (marts(), raw(), (published / LINK_NAME).stat().st_ino)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            rerun()
        except BaseException as exc:  # reported by the tests
            errors.append(exc)

    reads: list[tuple[int, int]] = []
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GOVHUB_BI_POSTGRES_DSN", bi_postgres.dsn)
        runner = threading.Thread(target=run)
        runner.start()
        while runner.is_alive() or len(reads) < 2:
            con = duckdb.connect(str(published / LINK_NAME), read_only=True)
            try:
                duck = con.execute("select count(*) from marts.fct_governance_events").fetchone()[0]
            finally:
                con.close()
            with psycopg.connect(bi_postgres.reader_dsn) as bi:
                pg = bi.execute("select count(*) from marts.fct_governance_events").fetchone()[0]
            reads.append((duck, pg))
        runner.join()
    return Rerun(before[0], marts(), before[1], raw(), reads, errors, before[2], (published / LINK_NAME).stat().st_ino)


DAGSTER_DB = "govhub_dagster_test"
DAGSTER_PG_ENV = {
    "GOVHUB_DAGSTER_PG_HOST": "127.0.0.1",
    "GOVHUB_DAGSTER_PG_PORT": "5432",
    "GOVHUB_DAGSTER_PG_USER": "postgres",
    "GOVHUB_DAGSTER_PG_PASSWORD": "",  # trust auth; the variable must still be set
    "GOVHUB_DAGSTER_PG_DB": DAGSTER_DB,
}


@dataclass
class Demo:
    env: dict[str, str]  # the environment it ran in
    home: Path  # its DAGSTER_HOME
    root: Path  # its warehouse folder's parent: demo/kaifeng.duckdb, demo/reports, ...
    done: subprocess.CompletedProcess | None  # the command's output, once it ran

    @property
    def warehouse(self) -> Path:
        return self.root / "demo" / "kaifeng.duckdb"

    @property
    def lake(self) -> Path:
        return self.root / "demo" / "lake"

    @property
    def spark_dir(self) -> Path:  # GOVHUB_SPARK_WAREHOUSE_DIR of a demo on the Spark target
        return self.root / "spark"


def _run_demo(
    root: Path, env: dict[str, str], *extra: str, preset: str = "tiny", days: int = 32, end: str = "2026-11-02"
) -> Demo:
    """`govhub demo --preset tiny` over October and the 1st of November (October whole, so
    it is closed and its scorecard written), its warehouse under `root`/demo; or another
    preset and window."""
    home = root / "dagster_home"
    home.mkdir(exist_ok=True)
    env = dict(env, DAGSTER_HOME=str(home))
    for k in ("GOVHUB_LAKE_DIR", "GOVHUB_REPORTS_DIR"):
        env.pop(k, None)
    demo = Demo(env, home, root, None)
    args = ["--preset", preset, "--days", str(days), "--end", end, "--warehouse", str(demo.warehouse), *extra]
    demo.done = subprocess.run(
        [sys.executable, "-m", "govhub.cli", "demo", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert demo.done.returncode == 0, demo.done.stdout[-3000:] + demo.done.stderr[-3000:]
    return demo


@pytest.fixture(scope="session")
def tiny_demo(tmp_path_factory) -> Demo:
    """The tiny demo run once as a deployment runs it: the Dagster instance in PostgreSQL (a
    copy of orchestration/deploy/dagster.yaml in DAGSTER_HOME; a fresh database on the
    machine's server, which must be up) and the multiprocess executor. The tests of the
    command's output and of the instance share it."""
    from orchestration.runner import DEPLOY_DAGSTER_YAML
    from tests.servers import database_url

    database_url("postgresql", DAGSTER_DB, fresh=True)  # dropped and created anew; fails when unreachable
    root = tmp_path_factory.mktemp("tiny_demo")
    (root / "dagster_home").mkdir()
    shutil.copy(DEPLOY_DAGSTER_YAML, root / "dagster_home" / "dagster.yaml")  # the deployment step
    return _run_demo(root, dict(os.environ, **DAGSTER_PG_ENV), "--executor", "multiprocess")


@pytest.fixture(scope="session")
def spark_demo(tmp_path_factory) -> Demo:
    """The tiny demo with GOVHUB_DBT_TARGET=spark and nothing else changed: dbt builds (models,
    seeds and data tests) on a local Spark. The Spark parity tests build the same lake on
    DuckDB against it, then build its Spark warehouse again over late changes."""
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.fail("Java is needed for the Spark target (pyspark starts a JVM) and is not installed")
    root = tmp_path_factory.mktemp("spark_demo")
    env = dict(os.environ, GOVHUB_DBT_TARGET="spark", GOVHUB_SPARK_WAREHOUSE_DIR=str(root / "spark"))
    env["GOVHUB_SPARK_MASTER"] = "local[2]"
    env["GOVHUB_SPARK_WHOLE_STAGE_CODEGEN"] = "false"  # a small build: compiling costs more than it saves
    return _run_demo(root, env)
