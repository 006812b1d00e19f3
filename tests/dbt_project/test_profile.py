"""The DuckDB profile: DuckDB's memory, threads and spill folder come from GOVHUB_DUCKDB_*
and hold for the whole build, also after DuckDB has spilled to disk."""

from __future__ import annotations

import shutil

import pytest

from tests.dbt_project.dbt_cli import DBT_PROJECT_DIR, dbt_env, run_dbt

pytestmark = pytest.mark.slow  # dbt on a project or warehouse of its own: make test-all


def test_a_build_that_spills_goes_on_with_the_settings_it_was_given(tmp_path):
    # Two models in a copy of the project: the first sorts more than the memory limit holds
    # (DuckDB spills to the temp folder), the second runs on a new cursor after it.
    project = tmp_path / "dbt_project"
    shutil.copytree(DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs"))
    probe = project / "models" / "probe"
    probe.mkdir()
    (probe / "probe_spill.sql").write_text(
        "{{ config(materialized='table', schema='probe') }}\n"
        "select i, md5(i::varchar) as s from range(3000000) as r(i) order by s\n",
        encoding="utf-8",
    )
    (probe / "probe_settings.sql").write_text(
        "{{ config(materialized='table', schema='probe') }}\n"
        "select current_setting('memory_limit') as memory_limit, current_setting('threads') as threads,\n"
        "       current_setting('temp_directory') as temp_directory, (select count(*) from {{ ref('probe_spill') }}) as n\n",
        encoding="utf-8",
    )
    spill = tmp_path / "spill"
    env = {
        **dbt_env(tmp_path / "probe.duckdb", tmp_path / "lake"),
        "GOVHUB_DUCKDB_MEMORY_LIMIT": "64MB",
        "GOVHUB_DUCKDB_THREADS": "1",
        "GOVHUB_DUCKDB_TEMP_DIR": str(spill),
    }
    done = run_dbt(["run", "--select", "probe_spill", "probe_settings"], env, tmp_path, project_dir=project)
    assert done.returncode == 0, done.stdout[-3000:]

    import duckdb

    con = duckdb.connect(str(tmp_path / "probe.duckdb"), read_only=True)
    try:
        memory, threads, temp, n = con.execute("select * from probe.probe.probe_settings").fetchone()
    finally:
        con.close()
    assert (memory, threads, temp, n) == ("61.0 MiB", 1, str(spill), 3_000_000)
