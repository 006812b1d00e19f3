"""Fixtures of the dbt project's tests."""

from __future__ import annotations

import pytest

from warehouse.duckdb import connect


@pytest.fixture(scope="module")
def con(tiny_warehouse):
    """A read-only connection to the tiny pipeline's warehouse."""
    settings, _ = tiny_warehouse
    c = connect(settings.warehouse_path, read_only=True)
    yield c
    c.close()
