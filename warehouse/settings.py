"""Where the warehouse lives, from GOVHUB_* settings with embedded defaults.

- ``GOVHUB_WAREHOUSE_PATH``: the DuckDB file (default ``warehouse/kaifeng.duckdb``).
- ``GOVHUB_LAKE_DIR``: the raw lake (default ``lake/`` beside the DuckDB file).
- ``GOVHUB_REPORTS_DIR``: the monthly scorecards (default ``reports/`` beside the DuckDB file).
- ``GOVHUB_DBT_TARGET``: the engine dbt builds the warehouse on, ``duckdb`` (default) or
  ``spark`` (dbt-spark; see docs/scale-out.md).
- ``GOVHUB_SPARK_WAREHOUSE_DIR``: the Spark target's tables and metastore (default ``spark/``
  beside the DuckDB file); ``GOVHUB_SPARK_MASTER`` its master (default ``local[2]``).

`configure_environment()` also exports the path of the DuckDB spatial extension (shipped by
the ``duckdb-extension-spatial`` package and loaded from disk, never downloaded) and turns
telemetry off for dbt, Dagster and Great Expectations: there is no network to send it to.
"""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass
from pathlib import Path

from connectors.common.errors import ConfigError

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
        """The paths; ConfigError naming the variable when one names the wrong kind of thing."""
        wh = Path(os.environ.get("GOVHUB_WAREHOUSE_PATH") or DEFAULT_WAREHOUSE).resolve()
        lake = Path(os.environ.get("GOVHUB_LAKE_DIR") or wh.parent / "lake").resolve()
        if wh.is_dir():
            raise ConfigError(f"GOVHUB_WAREHOUSE_PATH names a folder, not a DuckDB file: {wh}")
        if lake.exists() and not lake.is_dir():
            raise ConfigError(f"GOVHUB_LAKE_DIR is not a folder: {lake}")
        reports = reports_dir_for(wh)
        if reports.exists() and not reports.is_dir():
            raise ConfigError(f"GOVHUB_REPORTS_DIR is not a folder: {reports}")
        bi_postgres_dsn()
        data_docs_url()
        dbt_target()
        return cls(wh, lake)

    @property
    def reports_dir(self) -> Path:
        return reports_dir_for(self.warehouse_path)


def bi_postgres_dsn() -> str | None:
    """GOVHUB_BI_POSTGRES_DSN, the PostgreSQL publish target (None: not published there). It
    may hold a password: a malformed one is named, not shown."""
    dsn = os.environ.get("GOVHUB_BI_POSTGRES_DSN", "").strip()
    if not dsn:
        return None
    if not (dsn.startswith(("postgresql://", "postgres://")) or "dbname=" in dsn or "host=" in dsn):
        raise ConfigError("GOVHUB_BI_POSTGRES_DSN is not a PostgreSQL DSN (postgresql://user@host:port/database)")
    return dsn


def data_docs_url() -> str | None:
    """GOVHUB_DATA_DOCS_URL, where the GX Data Docs site is served (None: link the files)."""
    url = os.environ.get("GOVHUB_DATA_DOCS_URL", "").strip()
    if url and not url.startswith(("http://", "https://")):
        raise ConfigError(f"GOVHUB_DATA_DOCS_URL is not an http(s) URL: {url!r}")
    return url or None


def reports_dir_for(warehouse_path: str | os.PathLike) -> Path:
    """Where the monthly scorecards go: GOVHUB_REPORTS_DIR, else reports/ beside the warehouse."""
    return Path(os.environ.get("GOVHUB_REPORTS_DIR") or Path(warehouse_path).parent / "reports").resolve()


DBT_TARGETS = ("duckdb", "spark")


def dbt_target() -> str:
    """GOVHUB_DBT_TARGET: the dbt target (profiles.yml) the warehouse is built on."""
    target = os.environ.get("GOVHUB_DBT_TARGET", "").strip() or "duckdb"
    if target not in DBT_TARGETS:
        raise ConfigError(f"GOVHUB_DBT_TARGET must be one of {', '.join(DBT_TARGETS)}, not {target!r}")
    return target


def spark_warehouse_dir_for(warehouse_path: str | os.PathLike) -> Path:
    """The Spark target's tables and metastore: GOVHUB_SPARK_WAREHOUSE_DIR, else spark/ beside the warehouse."""
    return Path(os.environ.get("GOVHUB_SPARK_WAREHOUSE_DIR") or Path(warehouse_path).parent / "spark").resolve()


def configure_environment(settings: WarehouseSettings | None = None) -> WarehouseSettings:
    """Export the settings dbt reads (env_var in profiles.yml and sources) and telemetry off."""
    settings = settings or WarehouseSettings.from_env()
    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    settings.lake_dir.mkdir(parents=True, exist_ok=True)
    os.environ["GOVHUB_WAREHOUSE_PATH"] = str(settings.warehouse_path)
    os.environ["GOVHUB_LAKE_DIR"] = str(settings.lake_dir)
    os.environ.setdefault("GOVHUB_DUCKDB_SPATIAL_EXTENSION", spatial_extension_path())
    if dbt_target() == "spark":
        os.environ["GOVHUB_SPARK_WAREHOUSE_DIR"] = str(spark_warehouse_dir_for(settings.warehouse_path))
    for k, v in TELEMETRY_OFF.items():
        os.environ.setdefault(k, v)
    return settings
