"""Opening the DuckDB warehouse with the spatial extension loaded from disk, and DuckDB's
memory, threads and spill folder as the settings say (warehouse/settings.py)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from connectors.common.errors import ConfigError
from warehouse.settings import DuckDBResources, spatial_extension_path


def connect(path: str | Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    resources = DuckDBResources.from_env()
    resources.temp_directory.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path), read_only=read_only, config=resources.settings())
    con.load_extension(spatial_extension_path())
    # Instants are stored in UTC; people read them in Kaifeng's time.
    con.execute("SET TimeZone = 'Asia/Shanghai'")
    return con


class WarehouseBusy(ConfigError):
    """The warehouse file is held by a writer (DuckDB takes one process at a time)."""


def lock_holder(exc: BaseException) -> str:
    """`PID (what it runs)` of the process DuckDB names as holding a file's lock, or a
    plain description when the message names none."""
    import re

    found = re.search(r"PID (\d+)", str(exc))
    if not found:
        return "another process"
    pid = found.group(1)
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        words = [Path(a.decode()).name if i == 0 else a.decode() for i, a in enumerate(argv) if a][:4]
        return f"process {pid} ({' '.join(words)})"
    except OSError:
        return f"process {pid}"


def connect_for_reading(warehouse_path: Path) -> tuple[duckdb.DuckDBPyConnection, Path]:
    """A read-only connection for a command that only reads (points explain, scorecards):
    to the published copy (warehouse/publish.py) when there is one, which no build ever
    holds; else to the warehouse itself. (connection, the file read). ConfigError in one
    line when there is nothing to read, WarehouseBusy naming the writer when a build holds
    the warehouse."""
    from warehouse.publish import LINK_NAME

    published = Path(warehouse_path).parent / "published" / LINK_NAME
    if published.exists():
        return connect(published, read_only=True), published
    busy = (
        "there is no published copy yet; try again when that build has finished "
        "(read-only commands read the copy it publishes)"
    )
    return _open_read_only(warehouse_path, busy), Path(warehouse_path)


def ensure_readable(warehouse_path: Path) -> None:
    """WarehouseBusy, naming the writer, when another process holds the warehouse file."""
    _open_read_only(warehouse_path, "try again when that build has finished").close()


def _open_read_only(warehouse_path: Path, busy_advice: str) -> duckdb.DuckDBPyConnection:
    """The warehouse opened read-only; ConfigError in one line when it does not exist,
    WarehouseBusy naming the writer, then `busy_advice`, when a build holds it."""
    if not Path(warehouse_path).exists():
        raise ConfigError(f"no warehouse at {warehouse_path}: run `make demo` (or `govhub demo`) first")
    try:
        return connect(warehouse_path, read_only=True)
    except duckdb.IOException as exc:
        if "lock" not in str(exc).lower():
            raise
        raise WarehouseBusy(
            f"the warehouse {warehouse_path} is being written by {lock_holder(exc)}: {busy_advice}"
        ) from None
