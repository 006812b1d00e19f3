"""A throwaway source from the template (`govhub new-source`), in a copy of the project: it is
registered, lint-clean, passes the connector acceptance suite like the five, and its landing
builds through its staging model."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tests.dbt_project.dbt_cli import dbt_env, run_dbt
from warehouse.settings import PROJECT_ROOT

pytestmark = pytest.mark.slow
NAME = "water_supply"


def _copy_project(into: Path) -> Path:
    """The project's files (tracked, and new ones not ignored) under `into`."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for rel in filter(None, (p.decode() for p in listed)):
        source = PROJECT_ROOT / rel
        if source.is_file():
            target = into / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return into


def _run(copy: Path, *args: str, timeout: int = 900) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(copy)}  # the copy's packages before the installed project's
    return subprocess.run([sys.executable, *args], cwd=copy, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    copy = _copy_project(tmp_path_factory.mktemp("project"))
    done = _run(copy, "-m", "govhub.cli", "new-source", NAME, "--title", "供水 Water supply")
    assert done.returncode == 0, done.stderr[-3000:]
    return copy


def test_the_new_source_is_written_registered_and_lint_clean(project):
    for rel in (
        f"connectors/{NAME}/source.py",
        f"sandbox/{NAME}/server.py",
        f"quality/suites/{NAME}.py",
        f"dbt_project/models/staging/{NAME}/base/base_{NAME}__records.sql",
        f"dbt_project/models/staging/{NAME}/stg_{NAME}__records.sql",
        f"tests/connectors/{NAME}/stand_in.py",
    ):
        assert (project / rel).is_file(), rel
    assert "WaterSupply," in (project / "connectors/registry.py").read_text(encoding="utf-8")
    assert f"'source': '{NAME}'" in (project / "dbt_project/macros/quarantine.sql").read_text(encoding="utf-8")
    lint = _run(project, "-m", "ruff", "check", ".")
    assert lint.returncode == 0, lint.stdout[-3000:]
    again = _run(project, "-m", "govhub.cli", "new-source", NAME)
    assert again.returncode != 0 and "exists already" in again.stderr


def test_the_new_source_passes_the_acceptance_suite(project):
    done = _run(
        project,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:xdist",
        "-p",
        "no:cacheprovider",
        "tests/connectors/test_acceptance.py",
        "tests/connectors/test_registry.py",
        f"tests/connectors/{NAME}",
        "-k",
        NAME,
    )
    assert done.returncode == 0, done.stdout[-4000:]
    summary = done.stdout.strip().splitlines()[-1]
    assert " passed" in summary and int(summary.split(" passed")[0].split()[-1]) >= 8, summary


def test_the_new_source_lands_and_builds_through_its_staging_model(project, tmp_path):
    lake, warehouse = tmp_path / "lake", tmp_path / "kaifeng.duckdb"
    landed = _run(
        project,
        "-c",
        "import sys\n"
        "from connectors.common.contract import Window\n"
        "from connectors.common.lake import Lake\n"
        "from connectors.registry import SOURCES\n"
        "from tests.connectors.acceptance import END, START, at, sandbox\n"
        "from datetime import timedelta\n"
        "import os\n"
        "running = sandbox()\n"
        "os.environ.update(running.env())\n"
        f"truth = running.stand_ins['{NAME}'].truth(at(START, 0), at(END, 0))\n"
        f"with SOURCES['{NAME}'].from_env() as c:\n"
        "    n = sum(r.records for r in c.land(Lake(sys.argv[1]), Window(START, END - timedelta(days=1))))\n"
        "running.stop()\n"
        "print(n, len(truth))\n",
        str(lake),
    )
    assert landed.returncode == 0, landed.stderr[-3000:]
    records, truth = map(int, landed.stdout.split()[-2:])
    assert records == truth > 0
    built = run_dbt(
        ["build", "--select", f"+stg_{NAME}__records"],
        dbt_env(warehouse, lake),
        tmp_path / "scratch",
        project_dir=project / "dbt_project",
    )
    assert built.returncode == 0, built.stdout[-4000:]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        (rows, keys) = con.execute(
            f"select count(*), count(distinct record_id) from staging.stg_{NAME}__records"
        ).fetchone()
    assert rows == keys == truth
