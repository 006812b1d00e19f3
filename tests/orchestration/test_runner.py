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
        "from orchestration.runner import stoppable_by_signals; stoppable_by_signals(); "
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
    from orchestration.petitions.assets import NEW_FILES_ONLY
    from orchestration.petitions.definitions import landing_runs
    from orchestration.runner import job_runner
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
    assert landing_runs(instance) == []  # nothing new: no run
    names += [p.name for p in exports.write_inbox(inbox, date(2026, 10, 6))[3:]]  # days 4, 5
    changed = inbox / names[1]
    changed.write_bytes(changed.read_bytes() + b"\r\n")  # day 2 re-exported
    runs = landing_runs(instance)
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
    assert landing_runs(instance) == []


@pytest.mark.e2e
def test_a_petition_file_still_being_written_is_waited_for_or_left_for_the_next_run(tmp_path, monkeypatch):
    """A file of the run's range that lost its marker (being written again) is waited for
    within GOVHUB_PETITIONS_WAIT_SECONDS and landed when the marker comes; when it does not
    come in time the file is left for the next run, which lands it; no run fails."""
    import threading
    from datetime import date

    from dagster import DagsterInstance

    from orchestration.petitions.definitions import landing_runs
    from orchestration.runner import job_runner
    from sandbox.petitions.files import PetitionFiles
    from sandbox.world import build_world

    inbox = tmp_path / "inbox"
    monkeypatch.setenv("GOVHUB_PETITIONS_INBOX", str(inbox))
    monkeypatch.setenv("GOVHUB_LAKE_DIR", str(tmp_path / "lake"))
    monkeypatch.setenv("GOVHUB_WAREHOUSE_PATH", str(tmp_path / "kaifeng.duckdb"))
    monkeypatch.setenv("GOVHUB_PSEUDONYM_KEY", "test-key-of-enough-length-0123456789")
    monkeypatch.setenv("GOVHUB_PETITIONS_WAIT_SECONDS", "2")
    names = [
        p.name
        for p in PetitionFiles(build_world("tiny"), date(2026, 10, 1), date(2026, 10, 4)).write_inbox(
            inbox, date(2026, 10, 4)
        )
    ]
    instance = DagsterInstance.ephemeral()
    run = job_runner("in_process", instance)

    def landed(result) -> tuple[list[str], list[str]]:
        meta = next(
            m.metadata
            for m in result.asset_materializations_for_node("raw_petition_cases")
            if "records_per_file" in m.metadata
        )
        return sorted(meta["records_per_file"].value), meta["files_left_for_the_next_run"].value

    tags = landing_runs(instance)[0]
    marker = inbox / f"{names[1]}.done"
    marker.unlink()  # the file of day 2 is being written again
    result = run("petitions_files", tags)
    assert result.success and landed(result) == (sorted([names[0], names[2]]), [names[1]])
    marker.touch()  # written whole: the next run lands it
    tags = landing_runs(instance)[0]
    result = run("petitions_files", tags)
    assert result.success and landed(result) == ([names[1]], [])

    (inbox / names[2]).write_bytes((inbox / names[2]).read_bytes() + b"\r\n")  # day 3 re-exported ...
    tags = landing_runs(instance)[0]
    (inbox / f"{names[2]}.done").unlink()  # ... its marker written a moment after the run starts
    threading.Timer(0.5, (inbox / f"{names[2]}.done").touch).start()
    result = run("petitions_files", tags)
    assert result.success and landed(result) == ([names[2]], [])
