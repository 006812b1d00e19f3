"""Civil-affairs connector: the same suite on SQLite, a real MariaDB and a real PostgreSQL.

The servers are the machine's (127.0.0.1:3306 root, 127.0.0.1:5432 postgres, as CI starts
them). A server that cannot be reached fails these tests: it does not skip them.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta

import duckdb
import pytest
import sqlalchemy as sa

from connectors.civil_affairs import CivilAffairsSettings, engine_for, id_number_check, ingest_table_days
from connectors.common.errors import ConfigError
from connectors.common.lake import Lake
from connectors.common.personal import Pseudonymizer
from sandbox.civil_affairs.data import CivilAffairsData
from sandbox.clock import SHANGHAI
from sandbox.world import build_world

START, END = date(2026, 10, 1), date(2026, 10, 6)
CLOCK = datetime.combine(END, time(0), SHANGHAI)
PSEUDO = Pseudonymizer("test-key-" + "x" * 16)
DB = "govhub_civil_test"


def _server_url(backend: str) -> str:
    if backend == "sqlite":
        return ""
    admin = {
        "mariadb": "mysql+pymysql://root@127.0.0.1:3306/",
        "postgresql": "postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
    }[backend]
    try:
        engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            if backend == "mariadb":
                conn.execute(sa.text(f"create database if not exists {DB}"))
            elif not conn.execute(sa.text("select 1 from pg_database where datname = :d"), {"d": DB}).first():
                conn.execute(sa.text(f"create database {DB}"))
        engine.dispose()
    except sa.exc.OperationalError as exc:
        pytest.fail(f"the {backend} server is not reachable ({type(exc.orig).__name__}); start it (see .ci/run)")
    return {
        "mariadb": f"mysql+pymysql://root@127.0.0.1:3306/{DB}?charset=utf8mb4",
        "postgresql": f"postgresql+psycopg://postgres@127.0.0.1:5432/{DB}",
    }[backend]


@pytest.fixture(scope="module")
def world():
    return build_world("tiny")


@pytest.fixture(scope="module")
def data(world):
    return CivilAffairsData(world, START, END)


@pytest.fixture(
    scope="module",
    params=[
        "sqlite",
        pytest.param("mariadb", marks=pytest.mark.servers),
        pytest.param("postgresql", marks=pytest.mark.servers),
    ],
)
def source(request, data, tmp_path_factory):
    url = _server_url(request.param) or f"sqlite:///{tmp_path_factory.mktemp('civil')}/civil.sqlite"
    data.write(url, CLOCK)
    engine = engine_for(url)
    yield request.param, engine
    engine.dispose()


def _landed(lake: Lake, table: str):
    return duckdb.sql(
        f"select record_key, record_updated_at, payload from read_parquet('{lake.glob('civil_affairs', table)}')"
    ).fetchall()


def _visible(data, table: str) -> dict[str, dict]:
    key = {
        "households": "jt_id",
        "recipients": "dx_id",
        "payments": "ff_id",
        "applications": "sq_id",
        "visits": "zf_id",
    }[table]
    cutoff = CLOCK.replace(tzinfo=None)
    return {r[key]: r for r in data.rows[table] if r["update_time"] <= cutoff}


@pytest.mark.parametrize("table", ["households", "recipients", "applications", "visits"])
def test_full_read_lands_every_row_once(source, data, table, tmp_path):
    _, engine = source
    lake = Lake(tmp_path)
    results = ingest_table_days(
        engine, lake, table, date(2024, 1, 1), END - timedelta(days=1), PSEUDO, chunk=100, now=CLOCK
    )
    rows = _landed(lake, table)
    truth = _visible(data, table)
    assert sum(r.records for r in results) == len(rows) == len(truth) > 0
    assert {k for k, _, _ in rows} == set(truth)
    for key, updated, _ in rows:
        assert updated == truth[key]["update_time"].strftime("%Y-%m-%d %H:%M:%S")


def test_personal_data_is_pseudonymized_before_landing(source, data, tmp_path):
    _, engine = source
    lake = Lake(tmp_path)
    ingest_table_days(engine, lake, "recipients", date(2024, 1, 1), END - timedelta(days=1), PSEUDO, now=CLOCK)
    truth = _visible(data, "recipients")
    for key, _, payload in _landed(lake, "recipients"):
        item, raw = json.loads(payload), truth[key]
        assert raw["xm"] not in payload and raw["sfzh"] not in payload
        assert {"xm", "sfzh"}.isdisjoint(item)
        assert item["sfzh_key"] == PSEUDO.key("id_number", raw["sfzh"])
        assert item["sfzh_check"] == id_number_check(raw["sfzh"])
        assert item["xm_masked"][0] == raw["xm"][0]


def test_incremental_read_from_saved_state_returns_nothing_older(source, data, tmp_path):
    _, engine = source
    lake = Lake(tmp_path)
    day = date(2026, 10, 3)
    midday = datetime.combine(day, time(12), SHANGHAI)
    ingest_table_days(engine, lake, "visits", day, day, PSEUDO, now=midday)
    later = ingest_table_days(engine, lake, "visits", day, day, PSEUDO, now=CLOCK, overlap=timedelta(0))
    assert datetime.fromisoformat(later[0].window[0]) == midday
    second = duckdb.sql(
        f"select record_updated_at from read_parquet('{lake.glob('civil_affairs', 'visits')}') "
        f"where load_id = '{later[0].load_id}'"
    ).fetchall()
    assert all(datetime.strptime(u, "%Y-%m-%d %H:%M:%S").replace(tzinfo=SHANGHAI) >= midday for (u,) in second)
    on_day = {k for k, r in _visible(data, "visits").items() if r["update_time"].date() == day}
    assert {k for k, _, _ in _landed(lake, "visits")} == on_day


def test_a_future_state_returns_nothing(source, tmp_path):
    _, engine = source
    lake = Lake(tmp_path)
    results = ingest_table_days(
        engine, lake, "applications", END + timedelta(days=30), END + timedelta(days=31), PSEUDO, now=CLOCK
    )
    assert sum(r.records for r in results) == 0


def test_rerun_lands_the_same_versions_again_and_no_new_one(source, tmp_path):
    _, engine = source
    lake = Lake(tmp_path)
    for _ in range(2):
        ingest_table_days(engine, lake, "households", date(2024, 1, 1), END - timedelta(days=1), PSEUDO, now=CLOCK)
    rows = _landed(lake, "households")
    assert len(rows) == 2 * len({(k, u) for k, u, _ in rows}) > 0


def test_soft_deleted_rows_are_landed_as_versions(source, data, tmp_path):
    _, engine = source
    lake = Lake(tmp_path)
    ingest_table_days(engine, lake, "recipients", date(2024, 1, 1), END - timedelta(days=1), PSEUDO, now=CLOCK)
    deleted = {k for k, r in _visible(data, "recipients").items() if r["is_deleted"]}
    landed_deleted = {k for k, _, p in _landed(lake, "recipients") if json.loads(p)["is_deleted"] == 1}
    assert landed_deleted == deleted


def test_gb11643_check_digits():
    assert id_number_check("11010519491231002X") == "valid"  # the standard's own example
    assert id_number_check("110105194912310021") == "bad_check_digit"
    assert id_number_check("110105491231002") == "legacy_15"
    assert id_number_check("11010519491231A02X") == "malformed"


def test_a_malformed_url_fails_naming_the_variable_without_echoing_it():
    env = {"GOVHUB_CIVIL_AFFAIRS_DB_URL": "not a url with secret-password", "GOVHUB_PSEUDONYM_KEY": "k" * 20}
    with pytest.raises(ConfigError, match="GOVHUB_CIVIL_AFFAIRS_DB_URL") as err:
        CivilAffairsSettings.from_env(env)
    assert "secret-password" not in str(err.value)
