"""Opening the DuckDB warehouse with the spatial extension loaded from disk."""

from __future__ import annotations

from pathlib import Path

import duckdb

from warehouse.settings import spatial_extension_path


def connect(path: str | Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path), read_only=read_only)
    con.load_extension(spatial_extension_path())
    # Instants are stored in UTC; people read them in Kaifeng's time.
    con.execute("SET TimeZone = 'Asia/Shanghai'")
    return con
