"""`govhub upgrade check` (warehouse/upgrade.py) on copies of the tiny demo: as built, all is
well; each way a lake or a warehouse can fall behind or run ahead of the code is named with
what to do: migrate, rebuild or refuse."""

from __future__ import annotations

import json
import shutil

import duckdb
import pytest

from connectors.common.lake import FORMAT_VERSION, MAINTENANCE
from govhub.cli import main
from orchestration.dbt.project import ensure_manifest
from warehouse.publish import CONTRACT_SCHEMA, contract_version
from warehouse.upgrade import check, worst

pytestmark = pytest.mark.slow


@pytest.fixture
def copy(tiny_demo, tmp_path, monkeypatch):
    """A copy of the tiny demo's lake, warehouse and BI copy, pointed at."""
    shutil.copytree(tiny_demo.lake, tmp_path / "lake")
    shutil.copy(tiny_demo.warehouse, tmp_path / "kaifeng.duckdb")
    shutil.copytree(tiny_demo.warehouse.parent / "published", tmp_path / "published")
    (tmp_path / "published" / "kaifeng.duckdb").chmod(0o644)
    monkeypatch.setenv("GOVHUB_LAKE_DIR", str(tmp_path / "lake"))
    monkeypatch.setenv("GOVHUB_WAREHOUSE_PATH", str(tmp_path / "kaifeng.duckdb"))
    monkeypatch.delenv("GOVHUB_PSEUDONYM_KEY", raising=False)
    return tmp_path


def _verdicts(root) -> dict[str, str]:
    return {f.part: f.verdict for f in check(root / "lake", root / "kaifeng.duckdb", ensure_manifest())}


def test_as_built_there_is_nothing_to_do(copy, capsys):
    assert main(["upgrade", "check"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[-1] == "verdict: ok: run as usual", out
    con = duckdb.connect(str(copy / "published" / "kaifeng.duckdb"), read_only=True)
    assert con.execute(f"select version from {CONTRACT_SCHEMA}.version").fetchone()[0] == contract_version()


def test_changed_models_and_tables_no_model_builds_are_to_rebuild(copy, capsys):
    con = duckdb.connect(str(copy / "kaifeng.duckdb"))
    con.execute(
        "update meta.model_state set fingerprint = 'built-by-an-older-version' "
        "where model like '%int_petitions__cases%'"
    )
    con.execute("create table marts.mart_dropped_last_year as select 1 as x")
    con.close()
    assert main(["upgrade", "check"]) == 0
    out = capsys.readouterr().out
    assert "rebuild  models" in out and "intermediate.int_petitions__cases" in out
    assert "rebuild  tables" in out and "drop table marts.mart_dropped_last_year" in out
    assert "verdict: rebuild" in out


def test_a_lake_before_the_commit_log_is_migrated_in_place(copy):
    shutil.rmtree(copy / "lake" / "_log")
    (copy / "lake" / "_lake.json").unlink()
    assert _verdicts(copy)["lake"] == "migrate"


@pytest.mark.parametrize("how", ["newer lake", "rotation unfinished", "other keys", "closed months", "newer BI copy"])
def test_what_this_version_must_not_touch_is_refused(copy, how, capsys, monkeypatch):
    if how == "newer lake":
        (copy / "lake" / "_lake.json").write_text(json.dumps({"format": FORMAT_VERSION + 1}))
    elif how == "rotation unfinished":
        (copy / "lake" / MAINTENANCE).write_text(
            json.dumps(
                {
                    "operation": "key rotation to 0123",
                    "since": "2026-12-01T00:00:00+00:00",
                    "resume": "govhub keys rotate",
                }
            )
        )
    elif how == "other keys":
        (copy / "lake" / "_state" / "pseudonym_keys.json").write_text(json.dumps({"chain": ["0000000000000000"]}))
        monkeypatch.setenv("GOVHUB_PSEUDONYM_KEY", "some-other-key-0123456789")
    elif how == "closed months":
        con = duckdb.connect(str(copy / "kaifeng.duckdb"))
        con.execute("alter table scores.worker_points_ledger drop column reason_en")
        con.close()
    else:
        con = duckdb.connect(str(copy / "published" / "kaifeng.duckdb"))
        con.execute(f"update {CONTRACT_SCHEMA}.version set version = '99.0'")
        con.close()
    assert main(["upgrade", "check"]) == 1
    out = capsys.readouterr().out
    assert (
        "verdict: refuse" in out and worst(check(copy / "lake", copy / "kaifeng.duckdb", ensure_manifest())) == "refuse"
    )
