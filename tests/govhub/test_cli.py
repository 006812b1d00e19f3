"""The `govhub` command line as a user runs it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from datetime import date

import duckdb
import pytest

from govhub.cli import default_window


def _govhub(*args, env=None, timeout=600):
    return subprocess.run(
        [sys.executable, "-m", "govhub.cli", *args], capture_output=True, text=True, env=env, timeout=timeout
    )


def test_default_window_covers_the_whole_previous_month():
    assert default_window(date(2026, 11, 25), None) == (date(2026, 10, 1), date(2026, 11, 25))
    assert default_window(date(2026, 1, 1), None) == (date(2025, 12, 1), date(2026, 1, 1))
    assert default_window(date(2026, 11, 25), 3) == (date(2026, 11, 22), date(2026, 11, 25))


def test_the_demo_keeps_one_pseudonym_key_per_lake_and_takes_the_users(tmp_path, monkeypatch):
    import argparse

    import govhub.cli as cli
    import orchestration.runner as pipeline
    from warehouse.settings import WarehouseSettings

    class Sandbox:  # the stand-ins draw a key of their own on every start
        def __init__(self, *args):
            self.env, self.report = {"GOVHUB_PSEUDONYM_KEY": os.urandom(8).hex()}, {}

        def stop(self):
            pass

    used = []
    monkeypatch.setattr(cli, "SandboxProcess", Sandbox)
    monkeypatch.setattr(pipeline, "run_pipeline", lambda *a, **k: used.append(os.environ["GOVHUB_PSEUDONYM_KEY"]))
    monkeypatch.delenv("GOVHUB_PSEUDONYM_KEY", raising=False)
    settings = WarehouseSettings(tmp_path / "kaifeng.duckdb", tmp_path / "lake")
    args = argparse.Namespace(preset="tiny", seed=1, faults=None, executor="in_process")
    day = date(2026, 10, 1)
    for _ in range(2):  # a run, and a run again on the kept lake
        cli._demo_runs(args, settings, day, day, date(2026, 10, 2), print, sys.stdout)
        monkeypatch.delenv("GOVHUB_PSEUDONYM_KEY")
    key_file = tmp_path / "lake" / "_state" / "pseudonym_key"
    assert [used[0]] == [used[1]] == key_file.read_text().split() and len(used[0]) >= 40
    assert key_file.stat().st_mode & 0o077 == 0  # the owner's only
    monkeypatch.setenv("GOVHUB_PSEUDONYM_KEY", "the-centres-own-key-0123456789")
    cli._demo_runs(args, settings, day, day, date(2026, 10, 2), print, sys.stdout)
    assert used[2] == "the-centres-own-key-0123456789"


def test_ingest_without_settings_fails_naming_every_variable_at_once(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GOVHUB_SMART_CITY", "GOVHUB_PSEUDONYM"))}
    env.update(GOVHUB_WAREHOUSE_PATH=str(tmp_path / "w.duckdb"), GOVHUB_HTTP_ATTEMPTS="often")
    env.update(GOVHUB_SMART_CITY_PAGE_SIZE="0", GOVHUB_DUCKDB_THREADS="none")
    r = _govhub("ingest", "smart_city", env=env)
    assert r.returncode == 2
    assert r.stderr.startswith("govhub: 6 settings to fix:"), r.stderr
    for variable in (
        "GOVHUB_SMART_CITY_URL",
        "GOVHUB_SMART_CITY_API_KEY",
        "GOVHUB_SMART_CITY_PAGE_SIZE",
        "GOVHUB_PSEUDONYM_KEY",
        "GOVHUB_HTTP_ATTEMPTS",
        "GOVHUB_DUCKDB_THREADS",
    ):
        assert variable in r.stderr
    assert "Traceback" not in r.stderr


# every subcommand given something it cannot take: (arguments, extra environment, what the line says)
BAD_INPUT = [
    (
        ["demo", "--preset", "tiny", "--days", "3", "--end", "2026-10-04", "--land-from", "2026-09-01"],
        {},
        "--land-from",
    ),
    (["demo", "--end", "yesterday"], {}, "not a date"),
    (["demo", "--faults", "smart_city=storm"], {}, "storm"),
    (["sandbox", "serve", "--preset", "huge"], {}, "huge"),
    (
        ["ingest", "smart_city", "--since", "2026-10-05", "--until", "2026-10-01"],
        "smart_city",
        "--until is before --since",
    ),
    (["ingest", "nowhere"], {}, "invalid choice"),
    (["scorecard", "--month", "2026-10"], {}, "no warehouse"),
    (["scorecard", "--month", "October"], "warehouse", "YYYY-MM"),
    (["points", "explain", "--worker", "W1", "--month", "2026-10"], {}, "no warehouse"),
    (["docs"], {}, "no warehouse"),
    (["dev", "--port", "many"], {}, "invalid int value"),
    (["demo", "--preset", "tiny", "--warehouse", "/dev/null/wh/kaifeng.duckdb"], {}, "cannot write in /dev/null/wh"),
    (["dev", "--docs-port", "{taken}"], {}, "cannot serve the Data Docs on port"),  # a port in use
]


@pytest.mark.parametrize(
    ("args", "extra", "says"), BAD_INPUT, ids=[" ".join(a[:2]) + f"-{i}" for i, (a, _, _) in enumerate(BAD_INPUT)]
)
def test_every_subcommand_ends_bad_input_in_one_line(args, extra, says, tmp_path, request):
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVHUB_")}
    env["GOVHUB_WAREHOUSE_PATH"] = str(tmp_path / "none" / "kaifeng.duckdb")
    if extra == "warehouse":
        env["GOVHUB_WAREHOUSE_PATH"] = str(request.getfixturevalue("tiny_warehouse")[0].warehouse_path)
    elif extra == "smart_city":
        env.update(GOVHUB_SMART_CITY_URL="http://127.0.0.1:9", GOVHUB_SMART_CITY_API_KEY="k")
        env["GOVHUB_PSEUDONYM_KEY"] = "a-key-of-enough-length-0123456789"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        r = _govhub(*[a.format(taken=taken.getsockname()[1]) for a in args], env=env)
    assert r.returncode == 2, (r.stdout[-2000:], r.stderr[-2000:])
    lines = [line for line in r.stderr.splitlines() if line.strip()]
    assert "Traceback" not in r.stderr and says in lines[-1], r.stderr
    assert len(lines) <= 2, r.stderr  # argparse puts its usage line first


def test_ingest_with_a_malformed_url_fails_naming_the_variable(tmp_path):
    env = dict(
        os.environ,
        GOVHUB_SMART_CITY_URL="not a url",
        GOVHUB_SMART_CITY_API_KEY="k",
        GOVHUB_WAREHOUSE_PATH=str(tmp_path / "w.duckdb"),
    )
    r = _govhub("ingest", "smart_city", env=env)
    assert r.returncode == 2 and "GOVHUB_SMART_CITY_URL" in r.stderr


@pytest.mark.e2e
@pytest.mark.servers  # the demo runs once as deployed, its Dagster instance in PostgreSQL (tests/conftest.py)
def test_demo_runs_end_to_end_closes_the_month_and_writes_its_scorecard(tiny_demo, tmp_path):
    r, root, env = tiny_demo.done, tiny_demo.root, dict(tiny_demo.env)
    wh = root / "demo" / "kaifeng.duckdb"
    assert "fct_governance_events" in r.stdout and "townships 124" in r.stdout
    # quiet: a line per job and the summary; Dagster's, dbt's and the libraries' lines in the log
    logs = list((root / "demo" / "logs").glob("demo-*.log"))
    assert len(logs) == 1 and f"goes to {logs[0]}" in r.stdout
    assert "Warning" not in r.stdout + r.stderr and " DEBUG " not in r.stdout and "dbt" not in r.stdout.lower()
    lines = r.stdout.splitlines()
    run = lines[: next(i for i, line in enumerate(lines) if line.endswith("] done")) + 1]
    assert all(line.startswith("[") for line in run) and len(run) < 40, r.stdout  # then the summary
    log = logs[0].read_text(encoding="utf-8")
    assert "RUN_SUCCESS" in log and "dbt" in log  # what the terminal was spared is kept
    reports = root / "demo" / "reports" / "2026-10"
    xlsx, html = reports / "scorecard-2026-10.xlsx", reports / "scorecard-2026-10.html"
    assert f"scorecard 2026-10: {xlsx}, {html}" in r.stdout
    assert xlsx.stat().st_size > 0 and html.stat().st_size > 0
    con = duckdb.connect(str(wh), read_only=True)
    # the window's events; petitions from their backlog too (registered up to 120 days before, still open)
    n, lo, hi = con.execute(
        "select count(*), min(timezone('Asia/Shanghai', reported_at))::date, "
        "max(timezone('Asia/Shanghai', reported_at))::date from marts.fct_governance_events "
        "where source_system <> 'petitions'"
    ).fetchone()
    assert n > 0 and lo >= date(2026, 10, 1) and hi <= date(2026, 11, 1)
    lo, hi = con.execute(
        "select min(timezone('Asia/Shanghai', reported_at))::date, max(timezone('Asia/Shanghai', reported_at))::date "
        "from marts.fct_governance_events where source_system = 'petitions'"
    ).fetchone()
    assert date(2026, 6, 3) <= lo < date(2026, 10, 1) and hi <= date(2026, 11, 1)
    assert con.execute("select points_month from scores.closed_months").fetchall() == [("2026-10",)]
    con.close()
    assert (root / "demo" / "lake" / "raw" / "smart_city" / "service_requests").is_dir()

    # the same scorecard on request, coloured by another indicator, somewhere else
    env["GOVHUB_WAREHOUSE_PATH"] = str(wh)
    out = tmp_path / "elsewhere"
    r = _govhub("scorecard", "--month", "2026-10", "--out", str(out), "--indicator", "close_rate", env=env)
    assert r.returncode == 0, r.stderr
    assert "(points closed)" in r.stdout and (out / "2026-10" / "scorecard-2026-10.xlsx").exists()
    assert 'value="close_rate" selected' in (out / "2026-10" / "scorecard-2026-10.html").read_text(encoding="utf-8")
    r = _govhub("scorecard", "--month", "2026-10", "--indicator", "happiness", env=env)
    assert r.returncode == 2 and "--indicator must be one of" in r.stderr
    r = _govhub("scorecard", "--month", "2025-01", env=env)
    assert r.returncode == 2 and "2025-01: the warehouse has no scorecard figures" in r.stderr


@pytest.mark.e2e
@pytest.mark.spark
def test_demo_on_the_spark_target_builds_on_spark_and_closes_the_month_from_its_tables(spark_demo):
    """GOVHUB_DBT_TARGET=spark, nothing else changed: dbt builds on a local Spark, and the
    steps after the build (the month's points, the scorecard, the summary) read the Spark
    tables through the DuckDB file, where they are views over Spark's Parquet files."""
    assert "scorecard 2026-10:" in spark_demo.done.stdout
    events = spark_demo.spark_dir / "tables" / "marts.db" / "fct_governance_events"
    assert any(events.glob("*.parquet"))
    con = duckdb.connect(str(spark_demo.warehouse), read_only=True)
    kind = con.execute(
        "select table_type from information_schema.tables "
        "where table_schema = 'marts' and table_name = 'fct_governance_events'"
    ).fetchone()
    assert kind == ("VIEW",)
    n = con.execute("select count(*) from marts.fct_governance_events").fetchone()[0]
    assert n > 0 and n == con.execute(f"select count(*) from read_parquet('{events}/*.parquet')").fetchone()[0]
    assert con.execute("select points_month from scores.closed_months").fetchall() == [("2026-10",)]
    con.close()


def test_ingest_lands_a_source_from_its_settings(tiny_sandbox, tmp_path):
    env = dict(os.environ, **tiny_sandbox.env(), GOVHUB_WAREHOUSE_PATH=str(tmp_path / "w.duckdb"))
    env.pop("GOVHUB_LAKE_DIR", None)
    r = _govhub("ingest", "sharp_eyes", "--since", "2026-10-02", "--until", "2026-10-03", env=env)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "records landed" in r.stdout
    landed = duckdb.sql(f"select count(*) from read_parquet('{tmp_path}/lake/raw/sharp_eyes/events/*/*.parquet')")
    assert landed.fetchone()[0] > 0
    assert tiny_sandbox.env()["GOVHUB_SHARP_EYES_APP_SECRET"] not in r.stdout + r.stderr


def test_dev_serves_the_data_docs_the_check_links_point_at(tmp_path, monkeypatch):
    """The UI cannot open file:// links: `govhub dev` serves the GX Data Docs site and the
    checks' `data_docs` links point at it."""
    import urllib.request

    from orchestration.quality import docs_link, quality_dir
    from quality.site import serve as serve_data_docs

    monkeypatch.setenv("GOVHUB_WAREHOUSE_PATH", str(tmp_path / "kaifeng.duckdb"))
    monkeypatch.delenv("GOVHUB_LAKE_DIR", raising=False)
    docs_dir = quality_dir(tmp_path / "lake")
    page = docs_dir / "data_docs" / "validations" / "src" / "entity" / "run" / "t" / "landing-src.entity.html"
    page.parent.mkdir(parents=True)
    page.write_text("<html>validation page</html>", encoding="utf-8")
    base = serve_data_docs(docs_dir / "data_docs", 0)
    monkeypatch.setenv("GOVHUB_DATA_DOCS_URL", base)
    link = docs_link(page.as_uri(), docs_dir)
    assert link == f"{base}/validations/src/entity/run/t/landing-src.entity.html"
    with urllib.request.urlopen(link, timeout=10) as r:
        assert r.read() == b"<html>validation page</html>"
    # links made by a run outside `govhub dev` point where it serves the site by default
    monkeypatch.delenv("GOVHUB_DATA_DOCS_URL")
    assert (
        docs_link(page.as_uri(), docs_dir)
        == "http://127.0.0.1:3001/validations/src/entity/run/t/landing-src.entity.html"
    )
    assert docs_link(None, docs_dir) == ""


def test_the_module_docstring_lists_every_command():
    import argparse
    import re

    from govhub import cli

    (commands,) = [a for a in cli.build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    assert set(commands.choices) == set(re.findall(r"^govhub ([a-z-]+)", cli.__doc__, re.M))
