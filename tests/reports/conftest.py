"""Fixtures of the scorecard tests: a copy of the tiny pipeline's warehouse with October
closed, so the tests may change it."""

from __future__ import annotations

import shutil

import pytest

from warehouse.duckdb import connect
from warehouse.scores import close_month

MONTH = "2026-10"  # the tiny world's month (1 to 5 October)


@pytest.fixture(scope="module")
def closed_warehouse(tiny_warehouse, tmp_path_factory):
    settings, _ = tiny_warehouse
    path = tmp_path_factory.mktemp("scorecard") / "kaifeng.duckdb"
    shutil.copy(settings.warehouse_path, path)
    con = connect(path)
    close_month(con, MONTH, "test-run")
    con.close()
    return path


@pytest.fixture
def con(closed_warehouse):
    c = connect(closed_warehouse, read_only=True)
    yield c
    c.close()
