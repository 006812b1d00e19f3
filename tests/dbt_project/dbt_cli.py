"""Running the dbt command line of the project from tests, with artefacts kept apart.

Target and log folders go to a temp folder, so a test never touches the manifest in
dbt_project/target that the pipeline uses; telemetry is off."""

from __future__ import annotations

import os
import shutil
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


def project_with_new_rule_version(into: Path, rule_id: str, valid_from: str, **changed: str) -> tuple[Path, int]:
    """A copy of the dbt project under `into` whose points rule `rule_id` ends at
    `valid_from` (valid_to is exclusive) and has a next version from that day with the
    `changed` columns (as the centre edits seeds/rules/points_rules.csv); (the copy's folder, the new version)."""
    project = into / "dbt_project"
    shutil.copytree(DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs"))
    rules = project / "seeds" / "rules" / "points_rules.csv"
    lines = rules.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    rows = [dict(zip(header, line.split(","), strict=True)) for line in lines[1:]]
    cells = next(r for r in rows if r["rule_id"] == rule_id and not r["valid_to"])  # the version in force
    current = ",".join(cells[h] for h in header)
    ended = {**cells, "valid_to": valid_from}
    following = {**cells, "version": str(int(cells["version"]) + 1), "valid_from": valid_from, **changed}
    lines = [line for line in lines if line != current] + [",".join(v[h] for h in header) for v in (ended, following)]
    rules.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return project, int(following["version"])
