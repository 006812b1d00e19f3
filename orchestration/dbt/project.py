"""The one DbtProject, its manifest kept up to date, and the translator to Dagster."""

from __future__ import annotations

import fcntl
import os
import sys
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtProject

from warehouse.settings import PROJECT_ROOT, configure_environment

DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"


@cache
def dbt_project() -> DbtProject:
    """The project, prepared once per process: the warehouse's settings defaulted
    (configure_environment), and the dbt installed beside this Python (the project's venv)
    on PATH, also when that venv is not activated."""
    configure_environment()
    bin_dir = str(Path(sys.executable).parent)
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")
    return DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


def _newest_source_mtime(root: Path) -> float:
    newest = (root / "dbt_project.yml").stat().st_mtime
    for sub in ("models", "macros", "seeds", "tests", "snapshots"):
        for p in (root / sub).rglob("*"):
            if p.is_file():
                newest = max(newest, p.stat().st_mtime)
    return newest


def ensure_manifest() -> Path:
    """Parse the dbt project when its manifest is missing or older than its files. Processes
    starting at once (a webserver and its daemon, test workers) parse it once: the others
    wait for the lock and find it fresh."""
    project = dbt_project()
    manifest = project.manifest_path

    def stale() -> bool:
        return not manifest.exists() or manifest.stat().st_mtime < _newest_source_mtime(DBT_PROJECT_DIR)

    if stale():
        manifest.parent.mkdir(parents=True, exist_ok=True)
        with open(manifest.parent / ".manifest.lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if stale():
                project.preparer.prepare(project)
    return manifest


class GovhubDbtTranslator(DagsterDbtTranslator):
    """Groups dbt assets by layer folder (staging, intermediate, marts, reference).

    dbt sources carry ``meta.dagster.asset_key`` naming the raw landing assets, so the
    lineage runs unbroken from each connector to the marts. A landing's files and its
    commit log are two dbt sources of one asset (the landing writes both).
    """

    def __init__(self) -> None:
        super().__init__(
            settings=DagsterDbtTranslatorSettings(enable_asset_checks=True, enable_duplicate_source_asset_keys=True)
        )

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "reference"
        fqn = dbt_resource_props.get("fqn", [])
        return fqn[1] if len(fqn) > 2 else "dbt"
