"""Shared fixtures: a tiny sandbox world served over HTTP, and an isolated warehouse."""

from __future__ import annotations

import os
from datetime import date

import pytest

from sandbox.serve import SandboxConfig, start_sandbox

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
    from govhub.pipeline import run_pipeline
    from warehouse.settings import configure_environment

    root = tmp_path_factory.mktemp("pipeline")
    with pytest.MonkeyPatch.context() as mp:
        point_pipeline_at(mp, root, tiny_sandbox)
        settings = configure_environment()
        run_pipeline(TINY_START, TINY_END, progress=lambda _: None)
        yield settings, (lambda: run_pipeline(TINY_START, TINY_END, progress=lambda _: None))
