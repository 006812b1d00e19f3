"""One acceptance suite that every connector passes (parametrized over the five sources):
the connection check with good and bad settings, the raw schema of what is landed, a full
read landing every record the stand-in holds, keys present and every record version once,
an incremental read from a saved state returning nothing older than the state (less the
overlap the source re-reads by design), a state in the future returning nothing, rerun
idempotence, and every fault of the source's protocol survived with nothing lost or doubled.

The sources' specifics (entities, cursors, what the stand-in holds) are in acceptance.py.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from datetime import timedelta

import pyarrow.parquet as pq
import pytest

from connectors.common.errors import ConfigError, SourceError
from connectors.common.failpoints import EXIT_CODE
from connectors.common.lake import RAW_SCHEMA, Lake
from sandbox.faults import APPLIES, HOSTILE, HOSTILE_APPLIES
from sandbox.petitions.files import EXTRA_COLUMN
from tests.connectors.acceptance import (
    END,
    OPEN_DAY,
    SMALL_PAGES,
    SOURCES,
    at,
    landed,
    local_time,
    payload_field,
    sandbox,
    without_field,
)
from tests.servers import database_url

NAMES = list(SOURCES)


def _point(monkeypatch, running) -> None:
    for k, v in {**running.env(), **SMALL_PAGES}.items():
        monkeypatch.setenv(k, v)


@pytest.fixture(scope="module")
def calm():
    running = sandbox()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def clean():
    """A world without the deliberate defects (every record has its key)."""
    running = sandbox(defects=False)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def calm_versions(calm, tmp_path_factory):
    """versions(name) -> {entity: the record versions a read of the calm stand-ins lands}:
    each source read once, the baseline of every fault of the matrix."""
    read: dict[str, dict[str, set[tuple]]] = {}

    def versions(name: str) -> dict[str, set[tuple]]:
        if name not in read:
            with pytest.MonkeyPatch.context() as mp:
                _point(mp, calm)
                lake = Lake(tmp_path_factory.mktemp(f"calm_{name}"))
                SOURCES[name].read(lake)
            read[name] = {e: _versions(lake, name, e) for e in SOURCES[name].entities}
        return read[name]

    return versions


@pytest.fixture
def at_calm(calm, monkeypatch):
    _point(monkeypatch, calm)
    return calm


@pytest.fixture
def at_clean(clean, monkeypatch):
    _point(monkeypatch, clean)
    return clean


def _versions(lake: Lake, source: str, entity: str, load_ids=None) -> set[tuple]:
    return {(k, u, p) for k, u, p in landed(lake, source, entity, load_ids)}


@pytest.mark.parametrize("name", NAMES)
def test_the_connection_check_passes_with_good_settings_and_fails_naming_bad_ones(name, at_calm, monkeypatch):
    source = SOURCES[name]
    source.check()
    for variable, bad in source.bad_settings.items():
        monkeypatch.setenv(variable, bad)
    with pytest.raises((SourceError, ConfigError)) as caught:
        source.check()
    message = str(caught.value)
    assert name in message or any(v in message for v in source.bad_settings)
    for variable, bad in source.bad_settings.items():
        if "SECRET" in variable or "KEY" in variable:
            assert bad not in message, "a secret in an error message"


@pytest.mark.parametrize("name", NAMES)
def test_a_full_read_lands_every_record_of_the_source_in_the_raw_schema(name, at_clean, tmp_path):
    clean = at_clean
    source, lake = SOURCES[name], Lake(tmp_path / "lake")
    source.read(lake)
    truth = source.truth(clean)
    for entity in source.entities:
        files = list(lake.entity_dir(name, entity).glob("*/*.parquet"))
        assert files, f"{entity}: nothing landed"
        assert all(pq.read_schema(f).equals(RAW_SCHEMA) for f in files), f"{entity}: not the raw schema"
        rows = landed(lake, name, entity)
        assert all(isinstance(json.loads(p), dict) for _, _, p in rows)
        assert {k for k, _, _ in rows} == truth[entity], entity


@pytest.mark.parametrize("name", NAMES)
def test_keys_are_present_and_each_record_version_lands_once(name, at_clean, tmp_path):
    clean = at_clean
    source, lake = SOURCES[name], Lake(tmp_path / "lake")
    source.read(lake)
    truth = source.truth(clean)
    for entity in source.entities:
        rows = landed(lake, name, entity)
        assert len(rows) >= len(truth[entity]), f"{entity}: fewer rows than records"
        assert all(k is not None and k != "" for k, _, _ in rows), f"{entity}: a record without its key"
        assert len(rows) == len(set(rows)), f"{entity}: a record version landed twice in one calm read"


@pytest.mark.parametrize("name", NAMES)
def test_rerunning_a_read_lands_no_new_record_version(name, at_calm, tmp_path):
    source, lake = SOURCES[name], Lake(tmp_path / "lake")
    source.read(lake)
    first = {e: _versions(lake, name, e) for e in source.entities}
    again = source.read(lake)
    assert {e: _versions(lake, name, e) for e in source.entities} == first
    if name == "petitions":  # files are read once: nothing is fetched again
        assert again == []


@pytest.mark.parametrize("name", NAMES)
def test_an_incremental_read_from_a_saved_state_returns_nothing_older(name, at_clean, tmp_path):
    source = SOURCES[name]
    if name == "petitions":  # the state is the files landed: only the others are read
        from connectors.petitions import complete_files, ingest_file, pending_files
        from connectors.petitions.settings import PetitionsSettings

        settings = PetitionsSettings.from_env()
        lake = Lake(tmp_path / "lake")
        files = complete_files(settings.inbox)
        for f in files[:-1]:
            ingest_file(lake, f, settings.pseudonymizer, settings.max_file_bytes)
        assert [f.name for f in pending_files(lake, settings.inbox)] == [files[-1].name]
        return
    state = at(OPEN_DAY, 12)
    found = 0
    for entity, field in source.cursor.items():
        lake = Lake(tmp_path / entity)
        source.save_state(lake, entity, state)
        results = source.read_open_day(lake, entity, at(OPEN_DAY, 18))
        rows = landed(lake, name, entity, [r.load_id for r in results])
        found += len(rows)
        floor = state - source.overlap
        older = [payload_field(p, field) for _, _, p in rows if local_time(payload_field(p, field)) < floor]
        assert older == [], f"{entity}: records from before the state less {source.overlap}"
    assert found, "an open day read from its state found nothing at all: the test would prove nothing"


def _instant(value):
    try:
        return local_time(value)
    except (TypeError, ValueError):
        return None


def _other_servers() -> list:
    """(source, stand-in option, kind) of every other server of its protocol a stand-in can
    be (tests/connectors/<source>/stand_in.py: SERVERS)."""
    return [
        pytest.param(name, option, kind, id=f"{name}-{kind}")
        for name in NAMES
        for option, kinds in getattr(SOURCES[name].stand_in, "SERVERS", {}).items()
        for kind in kinds
    ]


@pytest.mark.parametrize(("name", "option", "kind"), _other_servers())
def test_another_server_of_the_protocol_lands_what_the_platform_lands(
    name, option, kind, calm_versions, monkeypatch, tmp_path, caplog
):
    """Behind a server of another kind (no extensions, no order, no paging, a cap) the read
    lands every record version the platform's own API gives, each once; what the server
    does not have is reported once a read and not landed; a rerun lands nothing new; an open
    day read from a saved state returns nothing older than the state less the overlap."""
    calm = calm_versions(name)
    running = sandbox(**{option: kind})
    try:
        _point(monkeypatch, running)
        source, lake = SOURCES[name], Lake(tmp_path / "lake")
        with caplog.at_level(logging.WARNING):
            source.read(lake)
        truth = source.truth(running)
        got = {e: _versions(lake, name, e) for e in source.entities}
        for entity in source.entities:
            assert got[entity] == (calm[entity] if truth[entity] else set()), entity
        for entity in (e for e in source.entities if not truth[e]):
            said = [r for r in caplog.records if r.levelno == logging.WARNING and f" {entity} " in r.getMessage()]
            assert len(said) == 1, f"{entity}: not offered, to be reported once: {[r.getMessage() for r in said]}"
        source.read(lake)
        assert {e: _versions(lake, name, e) for e in source.entities} == got
        state = at(OPEN_DAY, 12)
        for entity, field in source.cursor.items():
            resumed = Lake(tmp_path / f"resumed-{entity}")
            source.save_state(resumed, entity, state)
            results = source.read_open_day(resumed, entity, at(OPEN_DAY, 18))
            rows = landed(resumed, name, entity, [r.load_id for r in results])
            times = [_instant(payload_field(p, field)) for _, _, p in rows]  # a defective one is not a time
            assert rows and all(t >= state - source.overlap for t in times if t is not None), entity
    finally:
        running.stop()


@pytest.mark.parametrize("name", NAMES)
def test_a_state_in_the_future_returns_nothing(name, at_clean, monkeypatch, tmp_path):
    source = SOURCES[name]
    lake = Lake(tmp_path / "lake")
    if name == "petitions":
        from connectors.petitions import complete_files, pending_files
        from connectors.petitions.ingest import ENTITY, SOURCE, _digest
        from connectors.petitions.settings import PetitionsSettings

        inbox = PetitionsSettings.from_env().inbox
        lake.write_state(SOURCE, ENTITY, {"files": {f.name: _digest(f) for f in complete_files(inbox)}})
        assert pending_files(lake, inbox) == [] and source.read(lake) == []
        return
    # Sharp Eyes re-reads a lookback before any state: shortened to an hour here, the state
    # at 23:00 is past `now` (18:00) by more than it
    monkeypatch.setenv("GOVHUB_SHARP_EYES_LOOKBACK_HOURS", "1")
    for entity in source.cursor:
        source.save_state(lake, entity, at(OPEN_DAY, 23))
        results = source.read_open_day(lake, entity, at(OPEN_DAY, 18))
        assert landed(lake, name, entity, [r.load_id for r in results]) == [], entity
        assert sum(r.records for r in results) == 0


# --- faults -----------------------------------------------------------------------------
# a fault of each HTTP source and the petitions' in the fast tier (make test), the whole
# matrix in make test-all (the register's lost connection on the database servers, its
# locked file on SQLite)
FAST_FAULTS = {("smart_city", "http_5xx"), ("sharp_eyes", "signature_rejected"), ("smart_parking", "token_expired")}


def _fault_marks(name: str, fault: str, backend: str | None) -> list:
    if backend:
        return [pytest.mark.servers]
    return [] if (name, fault) in FAST_FAULTS or name == "petitions" else [pytest.mark.slow]


FAULT_CASES = [
    pytest.param(
        name,
        fault,
        backend,
        id=f"{name}-{fault}" + (f"-{backend}" if backend else ""),
        marks=_fault_marks(name, fault, backend),
    )
    for name in NAMES
    for fault in sorted(APPLIES.get(name, ()))
    for backend in (("postgresql", "mariadb") if fault == "connection_lost" else (None,))
]


def _wait_for_the_lock(running) -> None:
    """Open the register's file, as a reader does, until its owner has locked it: however fast
    a read, it then meets the lock (the owner takes it once, when it sees the file opened)."""
    import sqlite3

    from connectors.civil_affairs.settings import CivilAffairsSettings
    from sandbox.civil_affairs.locker import sqlite_path

    con = sqlite3.connect(sqlite_path(CivilAffairsSettings.from_env().db_url))
    try:
        deadline = time.monotonic() + 30
        while not running.fault_report().get("civil_affairs", {}).get("database_locked"):
            assert time.monotonic() < deadline, "the register's owner never locked it"
            time.sleep(0.05)
    finally:
        con.close()


@pytest.mark.parametrize(("name", "fault", "backend"), FAULT_CASES)
def test_each_fault_of_the_protocol_is_survived_with_nothing_lost_or_doubled(
    name, fault, backend, calm_versions, monkeypatch, tmp_path
):
    source = SOURCES[name]
    server = database_url(backend, f"govhub_fault_{backend}", fresh=True) if backend else None
    faulted = sandbox(faults=f"{name}={fault}", civil_affairs_url=server)
    try:
        # the same records, served calmly: by the calm stand-ins of the same world, or for the
        # database read straight from it instead of through the proxy that loses connections
        if backend:
            _point(monkeypatch, faulted)
            monkeypatch.setenv("GOVHUB_CIVIL_AFFAIRS_DB_URL", server)
            expected_lake = Lake(tmp_path / "calm")
            source.read(expected_lake)
            expected = {e: _versions(expected_lake, name, e) for e in source.entities}
        else:
            expected = calm_versions(name)

        _point(monkeypatch, faulted)
        lake = Lake(tmp_path / "faulted")
        if fault == "file_in_progress":
            from connectors.petitions import pending_files
            from connectors.petitions.settings import PetitionsSettings
            from sandbox.petitions.files import file_name

            inbox = PetitionsSettings.from_env().inbox
            slow = file_name(faulted.petitions_until - timedelta(days=1))  # the last day's, written slowly
            assert slow not in {f.name for f in pending_files(lake, inbox)}, "a file still being written was read"
            faulted.stand_ins["petitions"].wait_written()
        if fault == "database_locked":  # the read starts while the register's owner holds the file
            _wait_for_the_lock(faulted)
        results = source.read(lake)
        got = {e: _versions(lake, name, e) for e in source.entities}
        if fault == "bad_files":  # one export came with a column more: the same rows, one field more
            got = {e: {(k, u, without_field(p, EXTRA_COLUMN)) for k, u, p in rows} for e, rows in got.items()}
        injected = faulted.fault_report().get(name, {}).get(fault, 0)
        assert injected > 0, f"{fault} was never injected: the test would prove nothing"
        for entity in source.entities:
            lost = expected[entity] - got[entity]
            extra = got[entity] - expected[entity]
            assert not lost and not extra, f"{entity}: {len(lost)} lost, {len(extra)} not in the calm read"
        if fault == "database_locked":  # the reader met the lock as an error, and read on
            assert sum(r.retries for r in results) > 0, "the lock never reached the reader"
        if fault == "bad_files":
            reasons = {json.loads(p)["reason"] for _, _, p in landed(lake, "petitions", "rejected_files")}
            assert reasons == {"empty_file", "wrong_encoding", "missing_column"}
            assert [r.extra_columns for r in results if r.extra_columns] == [["备注"]]
    finally:
        faulted.stop()


# --- a hostile peer ------------------------------------------------------------------------
# each HTTP source's stand-in answering as a hostile or misconfigured server would: the
# connector stops with one clear line, hands no credential to another server and reads no
# body without end; a trickled first answer is cut at its deadline and retried.
REFUSED = {
    "redirect_elsewhere": "redirected from .* to another origin",
    "redirect_scheme": "only http and https are followed",
    "redirect_loop": "redirected in a loop",
    "endless_body": r"more than the 1 MiB an answer may have",
}
HOSTILE_CASES = [
    pytest.param(name, fault, id=f"{name}-{fault}", marks=[] if name == "smart_city" else [pytest.mark.slow])
    for name in sorted(HOSTILE_APPLIES)
    for fault in sorted(HOSTILE)
]


@pytest.mark.parametrize(("name", "fault"), HOSTILE_CASES)
def test_a_hostile_peer_is_refused_in_one_clear_line_and_gets_no_credential(name, fault, monkeypatch, tmp_path):
    faulted = sandbox(faults=f"{name}={fault}")
    try:
        _point(monkeypatch, faulted)
        monkeypatch.setenv("GOVHUB_HTTP_TIMEOUT_SECONDS", "1")  # a try ends after 4 s, however slow its body
        monkeypatch.setenv("GOVHUB_HTTP_MAX_MIB", "1")
        source = SOURCES[name]
        if fault == "trickled_body":
            results = source.read(Lake(tmp_path / "lake"))
            assert sum(r.records for r in results) > 0  # the trickled answer cut off and asked again
        else:
            with pytest.raises(SourceError, match=REFUSED[fault]) as refused:
                source.read(Lake(tmp_path / "lake"))
            assert "\n" not in str(refused.value)
            secrets = [v for k, v in faulted.env().items() if k.endswith(("_KEY", "_SECRET"))]
            assert secrets and not any(secret in str(refused.value) for secret in secrets)
        assert faulted.fault_report()[name][fault] > 0, f"{fault} was never injected: the test would prove nothing"
        collector = faulted.servers[name].collector
        assert collector is None or collector.seen == []  # not even asked
    finally:
        faulted.stop()


# --- crashes ------------------------------------------------------------------------------
# a failpoint per source (connectors/common/failpoints.py), each kind at two sources or more; the
# whole pipeline killed and run again is tested end to end in tests/govhub/test_reliability.py
CRASHES = [
    ("smart_city", "page"),
    ("sharp_eyes", "landed"),
    ("smart_parking", "cursor"),
    ("civil_affairs", "cursor"),
    ("petitions", "landed"),
    ("smart_city", "cursor"),
]


@pytest.mark.parametrize(("name", "point"), CRASHES, ids=[f"{n}-{p}" for n, p in CRASHES])
def test_a_read_killed_and_run_again_lands_what_a_calm_read_lands(name, point, at_calm, calm_versions, tmp_path):
    """`govhub ingest` killed at once (no cleanup, as a power cut would) the second time it
    passes the failpoint, then run again: every record version of the calm read is landed,
    and nothing else (a version landed twice is taken once downstream)."""
    source = SOURCES[name]
    env = {k: v for k, v in os.environ.items() if k != "GOVHUB_LAKE_DIR"}
    env["GOVHUB_WAREHOUSE_PATH"] = str(tmp_path / "kaifeng.duckdb")
    days = ["--since", source.since.isoformat(), "--until", (END - timedelta(days=1)).isoformat()]
    cmd = [sys.executable, "-m", "govhub.cli", "ingest", name, *days]
    crashed = subprocess.run(cmd, env={**env, "GOVHUB_FAILPOINT": f"{point}:2"}, capture_output=True, text=True)
    assert crashed.returncode == EXIT_CODE, f"the failpoint was not reached: {crashed.stderr[-2000:]}"
    resumed = subprocess.run(cmd, env=env, capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    lake = Lake(tmp_path / "lake")
    assert {e: _versions(lake, name, e) for e in source.entities} == calm_versions(name)


def test_a_source_that_stays_down_fails_clearly(at_calm, monkeypatch):
    """Bounded retries: an endpoint that never answers ends in an error naming the call and
    its URL (never the key in its query), and asking whether the source is up."""
    from connectors.smart_city import SmartCitySettings

    monkeypatch.setenv("GOVHUB_SMART_CITY_URL", "http://127.0.0.1:9")  # the discard port: nothing listens
    monkeypatch.setenv("GOVHUB_HTTP_ATTEMPTS", "3")
    with pytest.raises(SourceError) as caught:
        SmartCitySettings.from_env().client().check_connection()
    message = str(caught.value)
    assert message.startswith("smart_city: services (connection check) (GET http://127.0.0.1:9/")
    assert (
        "failed after 3 tries (last: ConnectionError); is the source up? check that http://127.0.0.1:9 answers"
        in message
    )
    assert SmartCitySettings.from_env().api_key not in message and "api_key" not in message
