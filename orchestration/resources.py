"""Resources of the runs: each source's connector, and the warehouse (DuckDB file and raw lake)."""

from __future__ import annotations

from pathlib import Path

import duckdb
from dagster import ConfigurableResource

from connectors.common.contract import Connector
from connectors.common.lake import Lake
from connectors.registry import connector
from warehouse.duckdb import connect
from warehouse.settings import reports_dir_for


class SourceResource(ConfigurableResource):
    """A registered source's connector (connectors/registry.py), its settings read from
    GOVHUB_<SOURCE>_* when a run needs them: a malformed or missing setting fails naming its
    variable, as on the command line."""

    source: str

    def connector(self) -> Connector:
        return connector(self.source).from_env()

    def settings(self):
        return self.connector().settings


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
