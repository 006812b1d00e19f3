"""Resources every source shares: the warehouse (DuckDB file and raw lake)."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
from dagster import ConfigurableResource

from connectors.common.lake import Lake
from warehouse.duckdb import connect
from warehouse.settings import reports_dir_for


def settings_env(values: dict[str, object]) -> dict[str, str]:
    """What a connector's settings are read from: the process's environment (GOVHUB_*), with
    the values a resource was configured with over it. A value left None is not configured:
    the environment, or the setting's default, decides. The settings classes check all of
    it, so a malformed value fails naming its variable, as on the command line."""
    env = dict(os.environ)
    env.update({name: str(v) for name, v in values.items() if v is not None})
    return env


class WarehouseResource(ConfigurableResource):
    """The DuckDB warehouse file and the raw lake beside it."""

    warehouse_path: str
    lake_dir: str

    def lake(self) -> Lake:
        return Lake(self.lake_dir)

    def reports_dir(self) -> Path:
        return reports_dir_for(self.warehouse_path)

    def warehouse_path_obj(self) -> Path:
        return Path(self.warehouse_path)

    def published_dir(self) -> Path:
        """Where BI reads the published copies (warehouse/publish.py)."""
        return Path(self.warehouse_path).parent / "published"

    def connect(self, read_only: bool = False) -> duckdb.DuckDBPyConnection:
        """A connection with the spatial extension loaded (offline, from its package)."""
        Path(self.warehouse_path).parent.mkdir(parents=True, exist_ok=True)
        return connect(self.warehouse_path, read_only=read_only)
