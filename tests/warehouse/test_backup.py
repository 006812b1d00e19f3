"""Backup and restore (warehouse/backup.py, `govhub backup` / `govhub restore`): the tiny
demo's lake and closed month backed up, restored into an empty place and built again give
the same marts and the same closed month; a second backup copies only what landed since; a
damaged backup or an occupied lake is refused; no secret is in a backup."""

from __future__ import annotations

import json
import shutil
from datetime import date

import pytest

from connectors.common.lake import Lake
from govhub.cli import main
from tests.conftest import mart_tables
from tests.dbt_project import lake_steps
from tests.dbt_project.dbt_cli import as_of, dbt_env, last_build_day, run_dbt
from warehouse.backup import BackupError, backup, restore
from warehouse.compare import BUILD_COLUMNS, compare, differing

pytestmark = pytest.mark.slow


def _point_at(monkeypatch, warehouse, lake) -> None:
    monkeypatch.setenv("GOVHUB_WAREHOUSE_PATH", str(warehouse))
    monkeypatch.setenv("GOVHUB_LAKE_DIR", str(lake))


@pytest.fixture(scope="module")
def backed_up(tiny_demo, tmp_path_factory):
    """The tiny demo backed up by `govhub backup`, a pseudonym key and a robot's URL in the
    environment: (the backup's folder, the command's output)."""
    folder = tmp_path_factory.mktemp("backup") / "govhub-backup"
    with pytest.MonkeyPatch.context() as mp:
        _point_at(mp, tiny_demo.warehouse, tiny_demo.lake)
        mp.setenv("GOVHUB_PSEUDONYM_KEY", "pseudonym-key-secret-5a1d")
        mp.setenv("GOVHUB_ALERT_WEBHOOK_URL", "https://robot.example/send?key=robot-secret-77")
        mp.setenv("GOVHUB_NEAR_REAL_TIME_SECONDS", "30")
        assert main(["backup", "--to", str(folder)]) == 0
    return folder


def test_restored_and_built_again_the_marts_and_the_closed_month_are_the_originals(
    tiny_demo, backed_up, tmp_path, monkeypatch, capsys
):
    warehouse, lake = tmp_path / "restored" / "kaifeng.duckdb", tmp_path / "restored" / "lake"
    _point_at(monkeypatch, warehouse, lake)
    assert main(["restore", "--from", str(backed_up)]) == 0
    out = capsys.readouterr().out
    assert "2026-10" in out and "warehouse built" in out
    # the marts as of the day the demo was built (what is overdue is judged as of a day), built
    # again from scratch over the restored lake
    rebuilt = run_dbt(
        [
            "build",
            "--full-refresh",
            "--exclude-resource-type",
            "unit_test",
            *as_of(last_build_day(tiny_demo.warehouse)),
        ],
        dbt_env(warehouse, lake),
        tmp_path / "dbt",
    )
    assert rebuilt.returncode == 0, rebuilt.stdout[-3000:]
    marts = compare(tiny_demo.warehouse, warehouse, "marts", tables=list(mart_tables()), ignore=BUILD_COLUMNS)
    assert len(marts) == len(mart_tables()) and differing(marts) == []
    scores = compare(tiny_demo.warehouse, warehouse, "scores", ignore=())  # bit for bit, when scored included
    assert {d.table for d in scores} >= {"closed_months", "worker_points_ledger"} and differing(scores) == []
    quarantine = compare(tiny_demo.warehouse, warehouse, "quarantine", ignore=BUILD_COLUMNS)
    assert differing(quarantine) == []


def test_a_backup_holds_no_secret(backed_up):
    manifest = json.loads((backed_up / "manifest.json").read_text())
    assert "lake/_state/pseudonym_key" not in manifest["files"]
    assert not (backed_up / "lake" / "_state" / "pseudonym_key").exists()
    settings = (backed_up / "settings.json").read_text()
    assert '"GOVHUB_NEAR_REAL_TIME_SECONDS": "30"' in settings
    everything = "".join(p.read_text(errors="ignore") for p in backed_up.rglob("*.json"))
    assert "pseudonym-key-secret" not in everything and "robot-secret" not in everything
    assert manifest["closed_months"] == ["2026-10"] and manifest["lake_format"] == 2


def test_a_second_backup_copies_only_what_landed_since(tiny_demo, tmp_path):
    lake = Lake(tmp_path / "lake")
    shutil.copytree(tiny_demo.lake, lake.root)
    first = backup(lake.root, tmp_path / "no-warehouse.duckdb", tmp_path / "b")
    again = backup(lake.root, tmp_path / "no-warehouse.duckdb", tmp_path / "b")
    assert first.copied_files == first.files > 100 and again.copied_files == 0
    lake_steps.petition_correction(lake, date(2026, 11, 2))  # a new export lands: its file and log line
    third = backup(lake.root, tmp_path / "no-warehouse.duckdb", tmp_path / "b")
    assert 0 < third.copied_files <= 4 and third.files > first.files
    assert third.copied_bytes < first.copied_bytes / 10


def test_a_damaged_backup_or_an_occupied_lake_is_refused(backed_up, tmp_path):
    damaged = tmp_path / "damaged"
    shutil.copytree(backed_up, damaged)
    victim = next(p for p in sorted((damaged / "lake" / "raw").rglob("*.parquet")))
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0xFF
    victim.write_bytes(bytes(data))
    with pytest.raises(BackupError, match="does not match its checksum"):
        restore(damaged, tmp_path / "lake", tmp_path / "kaifeng.duckdb")
    assert not (tmp_path / "lake").exists() and not (tmp_path / "kaifeng.duckdb").exists()
    (tmp_path / "occupied" / "raw" / "smart_city").mkdir(parents=True)
    with pytest.raises(BackupError, match="already holds a lake"):
        restore(backed_up, tmp_path / "occupied", tmp_path / "kaifeng.duckdb")
