"""Where the warehouse lives, from GOVHUB_* settings with embedded defaults.

- ``GOVHUB_WAREHOUSE_PATH``: the DuckDB file (default ``warehouse/kaifeng.duckdb``).
- ``GOVHUB_LAKE_DIR``: the raw lake (default ``lake/`` beside the DuckDB file).
- ``GOVHUB_REPORTS_DIR``: the monthly scorecards (default ``reports/`` beside the DuckDB file).
- ``GOVHUB_DBT_TARGET``: the engine dbt builds the warehouse on, ``duckdb`` (default) or
  ``spark`` (dbt-spark; see docs/scale-out.md).
- ``GOVHUB_SPARK_WAREHOUSE_DIR``: the Spark target's tables and metastore (default ``spark/``
  beside the DuckDB file); ``GOVHUB_SPARK_MASTER`` its master (default ``local[2]``).
- ``GOVHUB_DUCKDB_MEMORY_LIMIT`` (default ``1GB``), ``GOVHUB_DUCKDB_THREADS`` (default: the
  machine's cores) and ``GOVHUB_DUCKDB_TEMP_DIR`` (default ``duckdb_tmp/`` beside the DuckDB
  file): what DuckDB may hold in memory, how many threads it runs, and where it spills what
  does not fit. The dbt profile and every connection the platform opens use them, so the
  memory a build takes is set here, not by how much history the warehouse holds.
- ``GOVHUB_SOURCES_FROZEN_AT``: the instant the sources' clock stands at (the stand-ins on a
  frozen clock set it); unset, the wall clock. The freshness checks judge landings against it.

`configure_environment()` makes the folders a run writes in (the warehouse's, the lake, DuckDB's
spill folder) and tries each: one that cannot be written (a read-only mount, no permission)
or has less than ``MIN_FREE_MIB`` free is named in one ConfigError line before anything
starts. It also exports the path of the DuckDB spatial extension (shipped by
the ``duckdb-extension-spatial`` package and loaded from disk, never downloaded) and turns
telemetry off for dbt, Dagster and Great Expectations: there is no network to send it to.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime
from importlib.util import find_spec
from pathlib import Path

from connectors.common.atomic import replaced_whole
from connectors.common.errors import ConfigError
from connectors.common.settings import every_problem, problem

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
        """The paths; one ConfigError naming every variable that names the wrong kind of thing."""
        with every_problem():
            return cls._from_env()

    @classmethod
    def _from_env(cls) -> WarehouseSettings:
        wh = Path(os.environ.get("GOVHUB_WAREHOUSE_PATH") or DEFAULT_WAREHOUSE).resolve()
        lake = Path(os.environ.get("GOVHUB_LAKE_DIR") or wh.parent / "lake").resolve()
        if wh.is_dir():
            problem(f"GOVHUB_WAREHOUSE_PATH names a folder, not a DuckDB file: {wh}", wh)
        if lake.exists() and not lake.is_dir():
            problem(f"GOVHUB_LAKE_DIR is not a folder: {lake}", lake)
        reports = reports_dir_for(wh)
        if reports.exists() and not reports.is_dir():
            problem(f"GOVHUB_REPORTS_DIR is not a folder: {reports}", reports)
        bi_postgres_dsn()
        data_docs_url()
        dbt_target()
        sources_frozen_at()
        DuckDBResources.from_env(wh)
        return cls(wh, lake)

    @property
    def reports_dir(self) -> Path:
        return reports_dir_for(self.warehouse_path)

    @property
    def pseudonym_key_file(self) -> Path:
        """The keys kept with the lake when GOVHUB_PSEUDONYM_KEY is not set (a demo's): one per
        line, oldest first, owner-only."""
        return self.lake_dir / "_state" / "pseudonym_key"

    def pseudonym_keys(self) -> dict[str, str]:
        """The key settings the demo pseudonymizes with: GOVHUB_PSEUDONYM_KEY (and
        GOVHUB_PSEUDONYM_RETIRED_KEYS) when set, else the keys kept with the lake (made on
        first use), so that a run on a kept lake gives every person the pseudonym the earlier
        runs gave them."""
        if os.environ.get("GOVHUB_PSEUDONYM_KEY"):
            return {
                k: os.environ[k] for k in ("GOVHUB_PSEUDONYM_KEY", "GOVHUB_PSEUDONYM_RETIRED_KEYS") if k in os.environ
            }
        import secrets

        path = self.pseudonym_key_file
        if not path.exists():
            write_secret_lines(path, [secrets.token_urlsafe(32)])
        *retired, current = path.read_text(encoding="utf-8").split()
        return {"GOVHUB_PSEUDONYM_KEY": current} | (
            {"GOVHUB_PSEUDONYM_RETIRED_KEYS": ",".join(retired)} if retired else {}
        )


def write_secret_lines(path: Path, lines: list[str]) -> None:
    """`lines` written whole into `path`, readable by its owner only before anything is in it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with replaced_whole(path) as tmp:
        tmp.touch(mode=0o600)
        tmp.chmod(0o600)
        tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")


def bi_postgres_dsn() -> str | None:
    """GOVHUB_BI_POSTGRES_DSN, the PostgreSQL publish target (None: not published there). It
    may hold a password: a malformed one is named, not shown."""
    dsn = os.environ.get("GOVHUB_BI_POSTGRES_DSN", "").strip()
    if not dsn:
        return None
    if not (dsn.startswith(("postgresql://", "postgres://")) or "dbname=" in dsn or "host=" in dsn):
        return problem("GOVHUB_BI_POSTGRES_DSN is not a PostgreSQL DSN (postgresql://user@host:port/database)", None)
    return dsn


DEFAULT_DATA_DOCS_URL = "http://127.0.0.1:3001"  # where `govhub dev` serves the site by default


def data_docs_url() -> str:
    """GOVHUB_DATA_DOCS_URL, where the GX Data Docs site is served (default: where `govhub
    dev` serves it, so the checks' links made by any run open from its UI)."""
    url = os.environ.get("GOVHUB_DATA_DOCS_URL", "").strip()
    if url and not url.startswith(("http://", "https://")):
        return problem(f"GOVHUB_DATA_DOCS_URL is not an http(s) URL: {url!r}", DEFAULT_DATA_DOCS_URL)
    return url or DEFAULT_DATA_DOCS_URL


def reports_dir_for(warehouse_path: str | os.PathLike) -> Path:
    """Where the monthly scorecards go: GOVHUB_REPORTS_DIR, else reports/ beside the warehouse."""
    return Path(os.environ.get("GOVHUB_REPORTS_DIR") or Path(warehouse_path).parent / "reports").resolve()


DUCKDB_MEMORY_LIMIT = "1GB"
_MEMORY = re.compile(r"^\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$|^\d{1,2}%$", re.IGNORECASE)


@dataclass(frozen=True)
class DuckDBResources:
    memory_limit: str
    threads: int
    temp_directory: Path

    @classmethod
    def from_env(cls, warehouse_path: str | os.PathLike | None = None) -> DuckDBResources:
        """GOVHUB_DUCKDB_MEMORY_LIMIT / _THREADS / _TEMP_DIR; ConfigError naming a malformed one."""
        memory = os.environ.get("GOVHUB_DUCKDB_MEMORY_LIMIT", "").strip() or DUCKDB_MEMORY_LIMIT
        if not _MEMORY.match(memory):
            memory = problem(
                f"GOVHUB_DUCKDB_MEMORY_LIMIT must be a size such as 1GB or 512MB, not {memory!r}", DUCKDB_MEMORY_LIMIT
            )
        threads_text = os.environ.get("GOVHUB_DUCKDB_THREADS", "").strip() or str(os.cpu_count() or 1)
        if not threads_text.isdigit() or int(threads_text) < 1:
            threads_text = problem(
                f"GOVHUB_DUCKDB_THREADS must be a whole number of threads, not {threads_text!r}", "1"
            )
        wh = Path(warehouse_path or os.environ.get("GOVHUB_WAREHOUSE_PATH") or DEFAULT_WAREHOUSE)
        temp = Path(os.environ.get("GOVHUB_DUCKDB_TEMP_DIR", "").strip() or wh.parent / "duckdb_tmp").resolve()
        if temp.exists() and not temp.is_dir():
            problem(f"GOVHUB_DUCKDB_TEMP_DIR is not a folder: {temp}", temp)
        return cls(memory, int(threads_text), temp)

    def settings(self) -> dict[str, str]:
        """The DuckDB settings, as SET statements take them."""
        return {
            "memory_limit": self.memory_limit,
            "threads": str(self.threads),
            "temp_directory": str(self.temp_directory),
        }


DBT_TARGETS = ("duckdb", "spark")


def dbt_target() -> str:
    """GOVHUB_DBT_TARGET: the dbt target (profiles.yml) the warehouse is built on."""
    target = os.environ.get("GOVHUB_DBT_TARGET", "").strip() or "duckdb"
    if target not in DBT_TARGETS:
        return problem(f"GOVHUB_DBT_TARGET must be one of {', '.join(DBT_TARGETS)}, not {target!r}", "duckdb")
    if target == "spark" and (find_spec("pyspark") is None or find_spec("dbt.adapters.spark") is None):
        return problem("GOVHUB_DBT_TARGET=spark needs the spark extra: make env-spark installs it", "duckdb")
    return target


FROZEN_AT = "GOVHUB_SOURCES_FROZEN_AT"


def sources_frozen_at() -> datetime | None:
    """GOVHUB_SOURCES_FROZEN_AT: the instant the sources' clock stands at, or None (the wall
    clock). The freshness checks judge landings against it (orchestration/freshness.py)."""
    value = os.environ.get(FROZEN_AT, "").strip()
    if not value:
        return None
    try:
        instant = datetime.fromisoformat(value)
    except ValueError:
        instant = None
    if instant is None or instant.tzinfo is None:
        return problem(f"{FROZEN_AT} must be an ISO 8601 instant with its offset, not {value!r}", None)
    return instant


def spark_warehouse_dir_for(warehouse_path: str | os.PathLike) -> Path:
    """The Spark target's tables and metastore: GOVHUB_SPARK_WAREHOUSE_DIR, else spark/ beside the warehouse."""
    return Path(os.environ.get("GOVHUB_SPARK_WAREHOUSE_DIR") or Path(warehouse_path).parent / "spark").resolve()


MIN_FREE_MIB = 64  # below this a run would stop half-way, so it does not start


def _free_mib(folder: Path) -> int:
    return shutil.disk_usage(folder).free // 2**20


def ensure_writable(folder: Path, variable: str) -> None:
    """Make `folder` and write a file in it; ConfigError in one line (naming `variable`, the
    setting that chose it) when that fails or the folder's disk is (nearly) full."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".govhub-write-check-", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise ConfigError(f"{variable}: cannot write in {folder}: {exc.strerror or exc}") from None
    free = _free_mib(folder)
    if free < MIN_FREE_MIB:
        raise ConfigError(
            f"{variable}: only {free} MiB free on the disk of {folder}; a run needs at least {MIN_FREE_MIB} MiB"
        )


def short_of_space() -> list[tuple[Path, int]]:
    """The folders a run writes in (as the environment names them) whose disk has less than
    MIN_FREE_MIB free, with the MiB free: what explains a run that failed half-way."""
    wh = Path(os.environ.get("GOVHUB_WAREHOUSE_PATH") or DEFAULT_WAREHOUSE).resolve()
    folders = [wh.parent, Path(os.environ.get("GOVHUB_LAKE_DIR") or wh.parent / "lake")]
    if os.environ.get("DAGSTER_HOME"):
        folders.append(Path(os.environ["DAGSTER_HOME"]))
    out, disks = [], set()
    for folder in folders:
        try:
            free, disk = _free_mib(folder), os.stat(folder).st_dev
        except OSError:  # not made yet
            continue
        if free < MIN_FREE_MIB and disk not in disks:
            out.append((folder, free))
            disks.add(disk)
    return out


def configure_environment(settings: WarehouseSettings | None = None) -> WarehouseSettings:
    """Export the settings dbt reads (env_var in profiles.yml and sources) and telemetry off,
    once the folders a run writes in are known to take writes."""
    settings = settings or WarehouseSettings.from_env()
    ensure_writable(settings.warehouse_path.parent, "GOVHUB_WAREHOUSE_PATH")
    ensure_writable(settings.lake_dir, "GOVHUB_LAKE_DIR")
    os.environ["GOVHUB_WAREHOUSE_PATH"] = str(settings.warehouse_path)
    os.environ["GOVHUB_LAKE_DIR"] = str(settings.lake_dir)
    os.environ.setdefault("GOVHUB_DUCKDB_SPATIAL_EXTENSION", spatial_extension_path())
    duckdb_resources = DuckDBResources.from_env(settings.warehouse_path)
    ensure_writable(duckdb_resources.temp_directory, "GOVHUB_DUCKDB_TEMP_DIR")
    os.environ["GOVHUB_DUCKDB_MEMORY_LIMIT"] = duckdb_resources.memory_limit
    os.environ["GOVHUB_DUCKDB_THREADS"] = str(duckdb_resources.threads)
    os.environ["GOVHUB_DUCKDB_TEMP_DIR"] = str(duckdb_resources.temp_directory)
    if dbt_target() == "spark":
        os.environ["GOVHUB_SPARK_WAREHOUSE_DIR"] = str(spark_warehouse_dir_for(settings.warehouse_path))
    for k, v in TELEMETRY_OFF.items():
        os.environ.setdefault(k, v)
    return settings
