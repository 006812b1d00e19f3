"""Every GOVHUB_* setting, missing where it is required and malformed, fails at start with
a ConfigError that names the variable (and never shows a secret's value)."""

from __future__ import annotations

import pytest

from connectors.civil_affairs import CivilAffairsSettings
from connectors.common.errors import ConfigError
from connectors.common.http import RetryPolicy
from connectors.common.personal import Pseudonymizer
from connectors.petitions import PetitionsSettings
from connectors.sharp_eyes import SharpEyesSettings
from connectors.smart_city import SmartCitySettings
from connectors.smart_parking import SmartParkingSettings

KEY = "a-pseudonym-key-of-enough-length"
GOOD = {
    "GOVHUB_SMART_CITY_URL": "http://127.0.0.1:8001",
    "GOVHUB_SMART_CITY_API_KEY": "k",
    "GOVHUB_SHARP_EYES_URL": "http://127.0.0.1:8002",
    "GOVHUB_SHARP_EYES_APP_KEY": "20000001",
    "GOVHUB_SHARP_EYES_APP_SECRET": "s3cret-value",
    "GOVHUB_SMART_PARKING_URL": "http://127.0.0.1:8003",
    "GOVHUB_SMART_PARKING_CLIENT_ID": "govhub-etl",
    "GOVHUB_SMART_PARKING_CLIENT_SECRET": "another-s3cret",
    "GOVHUB_CIVIL_AFFAIRS_DB_URL": "sqlite:///civil.sqlite",
    "GOVHUB_PSEUDONYM_KEY": KEY,
}
LOADERS = {
    "smart_city": SmartCitySettings.from_env,
    "sharp_eyes": SharpEyesSettings.from_env,
    "smart_parking": SmartParkingSettings.from_env,
    "civil_affairs": CivilAffairsSettings.from_env,
    "petitions": PetitionsSettings.from_env,
    "pseudonyms": Pseudonymizer.from_env,
    "http": RetryPolicy.from_env,
}
# (loader, variable, a bad value or None for "missing")
CASES = [
    ("smart_city", "GOVHUB_SMART_CITY_URL", None),
    ("smart_city", "GOVHUB_SMART_CITY_URL", "ftp://127.0.0.1/"),
    ("smart_city", "GOVHUB_SMART_CITY_API_KEY", None),
    ("smart_city", "GOVHUB_SMART_CITY_PAGE_SIZE", "0"),
    ("smart_city", "GOVHUB_SMART_CITY_PAGE_SIZE", "many"),
    ("smart_city", "GOVHUB_SMART_CITY_OVERLAP_MINUTES", "-5"),
    ("sharp_eyes", "GOVHUB_SHARP_EYES_URL", None),
    ("sharp_eyes", "GOVHUB_SHARP_EYES_URL", "not a url"),
    ("sharp_eyes", "GOVHUB_SHARP_EYES_APP_KEY", None),
    ("sharp_eyes", "GOVHUB_SHARP_EYES_APP_SECRET", None),
    ("sharp_eyes", "GOVHUB_SHARP_EYES_PAGE_SIZE", "5000"),
    ("sharp_eyes", "GOVHUB_SHARP_EYES_LOOKBACK_HOURS", "two days"),
    ("smart_parking", "GOVHUB_SMART_PARKING_URL", None),
    ("smart_parking", "GOVHUB_SMART_PARKING_URL", "127.0.0.1:8003"),
    ("smart_parking", "GOVHUB_SMART_PARKING_CLIENT_ID", None),
    ("smart_parking", "GOVHUB_SMART_PARKING_CLIENT_SECRET", None),
    ("smart_parking", "GOVHUB_SMART_PARKING_PAGE_SIZE", "-1"),
    ("civil_affairs", "GOVHUB_CIVIL_AFFAIRS_DB_URL", None),
    ("civil_affairs", "GOVHUB_CIVIL_AFFAIRS_DB_URL", "root:secretpw@127.0.0.1/civil"),
    ("civil_affairs", "GOVHUB_CIVIL_AFFAIRS_DB_URL", "nosuchdb://root:secretpw@127.0.0.1/civil"),
    ("civil_affairs", "GOVHUB_CIVIL_AFFAIRS_DB_URL", "oracle+cx_oracle://root:secretpw@127.0.0.1/civil"),
    ("civil_affairs", "GOVHUB_CIVIL_AFFAIRS_CHUNK_ROWS", "10"),
    ("petitions", "GOVHUB_PETITIONS_INBOX", None),
    ("petitions", "GOVHUB_PETITIONS_INBOX", "/nonexistent/inbox"),
    ("petitions", "GOVHUB_PETITIONS_MAX_FILE_MB", "0"),
    ("pseudonyms", "GOVHUB_PSEUDONYM_KEY", None),
    ("pseudonyms", "GOVHUB_PSEUDONYM_KEY", "short"),
    ("http", "GOVHUB_HTTP_TIMEOUT_SECONDS", "0"),
    ("http", "GOVHUB_HTTP_ATTEMPTS", "often"),
    ("http", "GOVHUB_HTTP_MAX_MIB", "0"),
    ("petitions", "GOVHUB_PETITIONS_WAIT_SECONDS", "forever"),
]


@pytest.mark.parametrize(("loader", "variable", "bad"), CASES, ids=[f"{v}={b}" for _, v, b in CASES])
def test_a_missing_or_malformed_setting_fails_naming_its_variable(loader, variable, bad, tmp_path):
    env = {**GOOD, "GOVHUB_PETITIONS_INBOX": str(tmp_path)}
    LOADERS[loader](env)  # the good settings load
    if bad is None:
        env.pop(variable, None)
    else:
        env[variable] = bad
    with pytest.raises(ConfigError) as caught:
        LOADERS[loader](env)
    message = str(caught.value)
    assert variable in message
    if bad and ("SECRET" in variable or "KEY" in variable or "DB_URL" in variable):
        assert bad not in message, "a secret shown in an error"


@pytest.mark.parametrize(
    ("variable", "bad"),
    [
        ("GOVHUB_WAREHOUSE_PATH", "{tmp}"),
        ("GOVHUB_LAKE_DIR", "{tmp}/a-file"),
        ("GOVHUB_REPORTS_DIR", "{tmp}/a-file"),
        ("GOVHUB_BI_POSTGRES_DSN", "bi_reader:pw@db"),
        ("GOVHUB_DATA_DOCS_URL", "docs.local:3001"),
        ("GOVHUB_DBT_TARGET", "postgres"),
        ("GOVHUB_SOURCES_FROZEN_AT", "2026-11-02"),
    ],
)
def test_a_malformed_warehouse_setting_fails_naming_its_variable(variable, bad, tmp_path, monkeypatch):
    from warehouse.settings import WarehouseSettings

    (tmp_path / "a-file").write_text("")
    monkeypatch.setenv("GOVHUB_WAREHOUSE_PATH", str(tmp_path / "kaifeng.duckdb"))
    for v in (
        "GOVHUB_LAKE_DIR",
        "GOVHUB_REPORTS_DIR",
        "GOVHUB_BI_POSTGRES_DSN",
        "GOVHUB_DATA_DOCS_URL",
        "GOVHUB_DBT_TARGET",
        "GOVHUB_SOURCES_FROZEN_AT",
    ):
        monkeypatch.delenv(v, raising=False)
    WarehouseSettings.from_env()
    monkeypatch.setenv(variable, bad.format(tmp=tmp_path))
    with pytest.raises(ConfigError, match=variable):
        WarehouseSettings.from_env()
    if variable == "GOVHUB_BI_POSTGRES_DSN":
        with pytest.raises(ConfigError) as caught:
            WarehouseSettings.from_env()
        assert "pw" not in str(caught.value)


def test_the_spark_target_without_its_extra_says_how_to_install_it(tmp_path, monkeypatch):
    import warehouse.settings
    from warehouse.settings import WarehouseSettings

    monkeypatch.setenv("GOVHUB_WAREHOUSE_PATH", str(tmp_path / "kaifeng.duckdb"))
    monkeypatch.setenv("GOVHUB_DBT_TARGET", "spark")
    monkeypatch.setattr(warehouse.settings, "find_spec", lambda name: None)  # as in the default environment
    with pytest.raises(ConfigError, match="GOVHUB_DBT_TARGET=spark needs the spark extra: make env-spark"):
        WarehouseSettings.from_env()


def test_the_command_line_stops_at_start_naming_the_variable(tmp_path):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVHUB_")}
    env.update(GOOD, GOVHUB_WAREHOUSE_PATH=str(tmp_path / "w.duckdb"), GOVHUB_PSEUDONYM_KEY="short")
    done = subprocess.run(
        [sys.executable, "-m", "govhub.cli", "ingest", "smart_parking"], env=env, capture_output=True, text=True
    )
    assert done.returncode == 2 and "GOVHUB_PSEUDONYM_KEY must be at least 16 characters" in done.stderr
    assert "Traceback" not in done.stderr


def test_every_problem_of_every_loader_is_named_in_one_error(tmp_path):
    """Read inside every_problem(), no loader stops at its first problem: one ConfigError
    lists them all, each once, and still shows no secret."""
    from connectors.common.settings import every_problem

    env = {**GOOD, "GOVHUB_PETITIONS_INBOX": str(tmp_path / "missing")}
    for variable in ("GOVHUB_SMART_CITY_URL", "GOVHUB_SHARP_EYES_APP_SECRET", "GOVHUB_SMART_PARKING_CLIENT_ID"):
        env.pop(variable)
    env.update(GOVHUB_PSEUDONYM_KEY="short", GOVHUB_HTTP_ATTEMPTS="often", GOVHUB_CIVIL_AFFAIRS_CHUNK_ROWS="10")
    env["GOVHUB_CIVIL_AFFAIRS_DB_URL"] = "root:secretpw@127.0.0.1/civil"
    with pytest.raises(ConfigError) as caught, every_problem():
        for load in LOADERS.values():
            load(env)
    message = str(caught.value)
    named = [
        "GOVHUB_SMART_CITY_URL",
        "GOVHUB_SHARP_EYES_APP_SECRET",
        "GOVHUB_SMART_PARKING_CLIENT_ID",
        "GOVHUB_PSEUDONYM_KEY",
        "GOVHUB_HTTP_ATTEMPTS",
        "GOVHUB_CIVIL_AFFAIRS_CHUNK_ROWS",
        "GOVHUB_CIVIL_AFFAIRS_DB_URL",
        "GOVHUB_PETITIONS_INBOX",
    ]
    assert message.startswith(f"{len(named)} settings to fix:"), message
    for variable in named:
        assert message.count(f"- {variable}") == 1, (variable, message)
    assert "secretpw" not in message
    with every_problem():  # nothing wrong: nothing raised, the settings read as usual
        assert LOADERS["smart_city"](GOOD).url == GOOD["GOVHUB_SMART_CITY_URL"]
