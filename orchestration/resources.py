"""Resources every source shares: the warehouse (DuckDB file and raw lake)."""

from __future__ import annotations

from pathlib import Path

import duckdb
from dagster import ConfigurableResource

from connectors.common.lake import Lake
from warehouse.duckdb import connect
from warehouse.settings import reports_dir_for


class WarehouseResource(ConfigurableResource):
    """The DuckDB warehouse file and the raw lake beside it."""

    warehouse_path: str
    lake_dir: str

    def lake(self) -> Lake:
        return Lake(self.lake_dir)

    def reports_dir(self) -> Path:
        return reports_dir_for(self.warehouse_path)

    def connect(self, read_only: bool = False) -> duckdb.DuckDBPyConnection:
        """A connection with the spatial extension loaded (offline, from its package)."""
        Path(self.warehouse_path).parent.mkdir(parents=True, exist_ok=True)
        return connect(self.warehouse_path, read_only=read_only)
