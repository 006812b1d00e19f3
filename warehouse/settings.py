"""Where the warehouse lives, from GOVHUB_* settings with embedded defaults.

- ``GOVHUB_WAREHOUSE_PATH``: the DuckDB file (default ``warehouse/kaifeng.duckdb``).
- ``GOVHUB_LAKE_DIR``: the raw lake (default ``lake/`` beside the DuckDB file).
- ``GOVHUB_REPORTS_DIR``: the monthly scorecards (default ``reports/`` beside the DuckDB file).

`configure_environment()` also exports the path of the DuckDB spatial extension (shipped by
the ``duckdb-extension-spatial`` package and loaded from disk, never downloaded) and turns
telemetry off for dbt, Dagster and Great Expectations: there is no network to send it to.
"""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_WAREHOUSE = PROJECT_ROOT / "warehouse" / "kaifeng.duckdb"

TELEMETRY_OFF = {
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    "DO_NOT_TRACK": "1",
    "GX_ANALYTICS_ENABLED": "false",
    "DAGSTER_DISABLE_TELEMETRY": "1",
}


def spatial_extension_path() -> str:
    import duckdb
    import duckdb_extension_spatial

    base = Path(duckdb_extension_spatial.__file__).parent / "extensions"
    exact = base / f"v{duckdb.__version__}" / "spatial.duckdb_extension"
    if exact.exists():
        return str(exact)
    found = sorted(glob.glob(str(base / "*" / "spatial.duckdb_extension")))
    if not found:
        raise RuntimeError("the duckdb-extension-spatial package has no spatial.duckdb_extension file")
    return found[-1]


@dataclass(frozen=True)
class WarehouseSettings:
    warehouse_path: Path
    lake_dir: Path

    @classmethod
    def from_env(cls) -> WarehouseSettings:
        wh = Path(os.environ.get("GOVHUB_WAREHOUSE_PATH") or DEFAULT_WAREHOUSE).resolve()
        lake = Path(os.environ.get("GOVHUB_LAKE_DIR") or wh.parent / "lake").resolve()
        return cls(wh, lake)

    @property
    def reports_dir(self) -> Path:
        return reports_dir_for(self.warehouse_path)


def reports_dir_for(warehouse_path: str | os.PathLike) -> Path:
    """Where the monthly scorecards go: GOVHUB_REPORTS_DIR, else reports/ beside the warehouse."""
    return Path(os.environ.get("GOVHUB_REPORTS_DIR") or Path(warehouse_path).parent / "reports").resolve()


def configure_environment(settings: WarehouseSettings | None = None) -> WarehouseSettings:
    """Export the settings dbt reads (env_var in profiles.yml and sources) and telemetry off."""
    settings = settings or WarehouseSettings.from_env()
    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    settings.lake_dir.mkdir(parents=True, exist_ok=True)
    os.environ["GOVHUB_WAREHOUSE_PATH"] = str(settings.warehouse_path)
    os.environ["GOVHUB_LAKE_DIR"] = str(settings.lake_dir)
    os.environ.setdefault("GOVHUB_DUCKDB_SPATIAL_EXTENSION", spatial_extension_path())
    for k, v in TELEMETRY_OFF.items():
        os.environ.setdefault(k, v)
    return settings
