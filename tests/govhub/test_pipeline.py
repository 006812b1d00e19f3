"""The pipeline driver: a pipeline started in the background can still be stopped (and stops
its helpers), and the petition files are landed once, the new ones in one run."""

from __future__ import annotations

import subprocess
import sys

import pytest

from warehouse.settings import PROJECT_ROOT


def test_a_process_started_with_sigint_ignored_gets_the_stop_signals_back():
    script = (
        "import signal; signal.signal(signal.SIGINT, signal.SIG_IGN); signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        "from govhub.pipeline import stoppable_by_signals; stoppable_by_signals(); "
        "print(signal.getsignal(signal.SIGINT) is signal.default_int_handler, "
        "signal.getsignal(signal.SIGTERM) is signal.SIG_DFL)"
    )
    out = subprocess.run([sys.executable, "-c", script], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "True"]


@pytest.mark.e2e
def test_the_pipeline_lands_the_new_petition_files_in_one_run(tmp_path, monkeypatch):
    """With files landed already in the inbox, the pipeline lands the new ones and the one
    re-exported with new content, in one run over the range from the first to the last of
    them, passing over the landed file between them."""
    from datetime import date

    from dagster import DagsterInstance

    from connectors.common.lake import Lake
    from connectors.petitions import PetitionsSettings, complete_files, ingest_file
    from govhub.pipeline import _petition_files, job_runner
    from orchestration.petitions.assets import NEW_FILES_ONLY
    from sandbox.petitions.files import PetitionFiles
    from sandbox.world import build_world

    inbox, lake_dir = tmp_path / "inbox", tmp_path / "lake"
    monkeypatch.setenv("GOVHUB_PETITIONS_INBOX", str(inbox))
    monkeypatch.setenv("GOVHUB_LAKE_DIR", str(lake_dir))
    monkeypatch.setenv("GOVHUB_WAREHOUSE_PATH", str(tmp_path / "kaifeng.duckdb"))
    monkeypatch.setenv("GOVHUB_PSEUDONYM_KEY", "test-key-of-enough-length-0123456789")
    exports = PetitionFiles(build_world("tiny"), date(2026, 10, 1), date(2026, 10, 6))
    names = [p.name for p in exports.write_inbox(inbox, date(2026, 10, 4))]  # days 1..3
    settings, lake = PetitionsSettings.from_env(), Lake(lake_dir)
    instance = DagsterInstance.ephemeral()
    for f in complete_files(inbox):
        ingest_file(lake, f, settings.pseudonymizer, settings.max_file_bytes)
    assert _petition_files(instance) == []  # nothing new: no run
    names += [p.name for p in exports.write_inbox(inbox, date(2026, 10, 6))[3:]]  # days 4, 5
    changed = inbox / names[1]
    changed.write_bytes(changed.read_bytes() + b"\r\n")  # day 2 re-exported
    runs = _petition_files(instance)
    assert [(r["dagster/asset_partition_range_start"], r["dagster/asset_partition_range_end"]) for r in runs] == [
        (names[1], names[4])
    ]
    assert runs[0][NEW_FILES_ONLY] == "true"
    result = job_runner("in_process", instance)("petitions_files", runs[0])
    assert result.success
    landed = [
        m.metadata["records_per_file"].value
        for m in result.asset_materializations_for_node("raw_petition_cases")
        if "records_per_file" in m.metadata
    ][0]
    assert sorted(landed) == sorted([names[1], names[3], names[4]])  # not names[2]: landed already
    assert _petition_files(instance) == []
