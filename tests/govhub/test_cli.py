"""The `govhub` command line as a user runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date

import duckdb

from govhub.cli import default_window


def _govhub(*args, env=None, timeout=600):
    return subprocess.run(
        [sys.executable, "-m", "govhub.cli", *args], capture_output=True, text=True, env=env, timeout=timeout
    )


def test_default_window_covers_the_whole_previous_month():
    assert default_window(date(2026, 11, 25), None) == (date(2026, 10, 1), date(2026, 11, 25))
    assert default_window(date(2026, 1, 1), None) == (date(2025, 12, 1), date(2026, 1, 1))
    assert default_window(date(2026, 11, 25), 3) == (date(2026, 11, 22), date(2026, 11, 25))


def test_ingest_without_settings_fails_naming_the_variable(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVHUB_SMART_CITY")}
    env["GOVHUB_WAREHOUSE_PATH"] = str(tmp_path / "w.duckdb")
    r = _govhub("ingest", "smart_city", env=env)
    assert r.returncode == 2
    assert "GOVHUB_SMART_CITY_URL" in r.stderr


def test_ingest_with_a_malformed_url_fails_naming_the_variable(tmp_path):
    env = dict(
        os.environ,
        GOVHUB_SMART_CITY_URL="not a url",
        GOVHUB_SMART_CITY_API_KEY="k",
        GOVHUB_WAREHOUSE_PATH=str(tmp_path / "w.duckdb"),
    )
    r = _govhub("ingest", "smart_city", env=env)
    assert r.returncode == 2 and "GOVHUB_SMART_CITY_URL" in r.stderr


def test_demo_runs_end_to_end_and_prints_a_summary(tmp_path):
    wh = tmp_path / "demo" / "kaifeng.duckdb"
    env = dict(os.environ, DAGSTER_HOME=str(tmp_path / "dagster_home"))
    env.pop("GOVHUB_LAKE_DIR", None)
    r = _govhub("demo", "--preset", "tiny", "--days", "3", "--end", "2026-10-06", "--warehouse", str(wh), env=env)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert "fct_governance_events" in r.stdout and "townships 124" in r.stdout
    con = duckdb.connect(str(wh), read_only=True)
    n, lo, hi = con.execute(
        "select count(*), min(timezone('Asia/Shanghai', reported_at))::date, "
        "max(timezone('Asia/Shanghai', reported_at))::date from marts.fct_governance_events"
    ).fetchone()
    assert n > 0 and lo >= date(2026, 10, 3) and hi <= date(2026, 10, 5)
    assert (tmp_path / "demo" / "lake" / "raw" / "smart_city" / "service_requests").is_dir()


def test_ingest_lands_a_source_from_its_settings(tiny_sandbox, tmp_path):
    env = dict(os.environ, **tiny_sandbox.env(), GOVHUB_WAREHOUSE_PATH=str(tmp_path / "w.duckdb"))
    env.pop("GOVHUB_LAKE_DIR", None)
    r = _govhub("ingest", "sharp_eyes", "--since", "2026-10-02", "--until", "2026-10-03", env=env)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "records landed" in r.stdout
    landed = duckdb.sql(f"select count(*) from read_parquet('{tmp_path}/lake/raw/sharp_eyes/events/*/*.parquet')")
    assert landed.fetchone()[0] > 0
    assert tiny_sandbox.env()["GOVHUB_SHARP_EYES_APP_SECRET"] not in r.stdout + r.stderr
