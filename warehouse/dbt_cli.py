"""Running the project's dbt command line apart from the pipeline (tests, benchmarks).

Target and log folders go to a scratch folder, so a run never touches the manifest in
dbt_project/target that the pipeline uses; telemetry is off."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from warehouse.settings import PROJECT_ROOT, TELEMETRY_OFF, spatial_extension_path

DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
DBT = Path(sys.executable).parent / "dbt"


def dbt_env(warehouse: Path, lake: Path) -> dict[str, str]:
    """The environment profiles.yml reads, pointed at `warehouse` and `lake`."""
    return {
        **os.environ,
        **TELEMETRY_OFF,
        "GOVHUB_WAREHOUSE_PATH": str(warehouse),
        "GOVHUB_LAKE_DIR": str(lake),
        "GOVHUB_DUCKDB_SPATIAL_EXTENSION": spatial_extension_path(),
    }


def dbt_command(
    args: list[str], scratch: Path, project_dir: Path = DBT_PROJECT_DIR, partial_parse: bool = False
) -> list[str]:
    """The command line of `dbt <command> ...` on the project; `args` starts with the command
    (`docs generate` is two words)."""
    n = 2 if args[0] == "docs" else 1
    return [
        str(DBT),
        "--quiet" if args[0] == "show" else "--no-use-colors",
        *args[:n],
        "--project-dir",
        str(project_dir),
        "--profiles-dir",
        str(project_dir),
        "--target-path",
        str(scratch / "dbt_target"),
        "--log-path",
        str(scratch / "dbt_logs"),
        "--partial-parse" if partial_parse else "--no-partial-parse",
        *args[n:],
    ]


def run_dbt(
    args: list[str], env: dict[str, str], scratch: Path, timeout: int = 600, project_dir: Path = DBT_PROJECT_DIR
) -> subprocess.CompletedProcess:
    """`dbt <command> ...` on the project (or a copy of it), to its end. Commands that share
    `scratch` (and so the same warehouse and settings) parse the project once: each after
    the first reads the parse the one before kept there."""
    return subprocess.run(
        dbt_command(args, scratch, project_dir, partial_parse=True),
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
