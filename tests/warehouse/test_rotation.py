"""Key rotation (warehouse/rotation.py, `govhub keys rotate`) on a copy of the tiny demo's
lake: stopped half way by a full disk and resumed, then built from scratch, every mart and
the quarantine equal the unrotated build with each pseudonym mapped to its re-keyed form, the
closed month is untouched, no old pseudonym is left in the lake, and landing goes on only
with the new chain of keys."""

from __future__ import annotations

import contextlib
import errno
import io
import re
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from connectors.common.errors import ConfigError
from connectors.common.lake import Lake
from connectors.common.personal import Pseudonymizer, key_mac, rekeyed
from govhub.cli import main
from tests.conftest import mart_tables
from tests.dbt_project.dbt_cli import as_of, dbt_env, last_build_day, run_dbt
from warehouse import rotation
from warehouse.compare import BUILD_COLUMNS, compare, differing

pytestmark = pytest.mark.slow

NEW_KEY = "the-new-pseudonym-key-0123456789"
PSEUDONYM = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Rotated:
    lake: Path
    warehouse: Path
    old_key: str
    first_try: int  # govhub keys rotate's exit code when the disk filled up
    first_try_err: str
    refused_meanwhile: str  # what a landing was told while the rotation was stopped


def _pseudonyms(lake: Path) -> set[str]:
    con = duckdb.connect()
    try:
        rows = con.execute(f"select payload from read_parquet('{lake}/raw/*/*/*/*.parquet')").fetchall()
    finally:
        con.close()
    return {p for (payload,) in rows for p in PSEUDONYM.findall(payload)}


@pytest.fixture(scope="module")
def rotated(tiny_demo, tmp_path_factory) -> Rotated:
    root = tmp_path_factory.mktemp("rotated")
    lake, warehouse = root / "lake", root / "kaifeng.duckdb"
    shutil.copytree(tiny_demo.lake, lake)
    shutil.copy(tiny_demo.warehouse, warehouse)  # its closed month too
    old_key = (lake / "_state" / "pseudonym_key").read_text().split()[-1]
    written = []
    real_write = rotation.pq.write_table

    def fills_the_disk(*args, **kwargs):
        if len(written) == 40:
            raise OSError(errno.ENOSPC, "No space left on device", str(args[1]))
        written.append(1)
        return real_write(*args, **kwargs)

    with pytest.MonkeyPatch.context() as mp:
        for name, value in {
            "GOVHUB_LAKE_DIR": lake,
            "GOVHUB_WAREHOUSE_PATH": warehouse,
            "DAGSTER_HOME": root / "dagster_home",
            "GOVHUB_PSEUDONYM_KEY": old_key,
            "GOVHUB_NEW_PSEUDONYM_KEY": NEW_KEY,
        }.items():
            mp.setenv(name, str(value))
        mp.delenv("GOVHUB_PSEUDONYM_RETIRED_KEYS", raising=False)
        mp.setattr(rotation.pq, "write_table", fills_the_disk)
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            first = main(["keys", "rotate", "--no-build"])
        try:
            Lake(lake).landing("petitions", "cases", "x", datetime.now(UTC))
            refused = ""
        except ConfigError as exc:
            refused = str(exc)
        mp.setattr(rotation.pq, "write_table", real_write)
        assert main(["keys", "rotate", "--no-build"]) == 0
    built = run_dbt(
        # what the command's build does (warehouse_build, from scratch), as of the demo's day
        [
            "build",
            "--full-refresh",
            "--exclude-resource-type",
            "unit_test",
            *as_of(last_build_day(tiny_demo.warehouse)),
        ],
        dbt_env(warehouse, lake),
        root / "dbt",
    )
    assert built.returncode == 0, built.stdout[-3000:]
    return Rotated(lake, warehouse, old_key, first, err.getvalue(), refused)


def test_a_rotation_stopped_by_a_full_disk_is_resumed_and_nothing_lands_meanwhile(rotated):
    assert rotated.first_try == 2 and "No space left" in rotated.first_try_err, rotated.first_try_err
    assert "being rewritten" in rotated.refused_meanwhile and "govhub keys rotate" in rotated.refused_meanwhile
    assert not (rotated.lake / "_state" / "maintenance.json").exists()
    (work,) = (rotated.lake / rotation.WORK_DIR).iterdir()
    assert (work / "done.json").exists() and not (work / "raw").exists()


def test_every_mart_equals_the_unrotated_build_with_the_pseudonyms_mapped(tiny_demo, rotated):
    mac = key_mac(NEW_KEY)
    mapped = []

    def new_form(value):
        if isinstance(value, str) and len(value) == 64 and PSEUDONYM.fullmatch(value):
            mapped.append(value)
            return rekeyed(value, mac)
        return value

    for schema, tables in (("marts", list(mart_tables())), ("quarantine", None)):
        diffs = compare(
            tiny_demo.warehouse,
            rotated.warehouse,
            schema,
            tables=tables,
            ignore=BUILD_COLUMNS,
            reference_value=new_form,
        )
        assert diffs and differing(diffs) == [], (schema, differing(diffs))
    assert len(mapped) > 100  # the marts do hold pseudonyms: the comparison mapped them
    unmapped = compare(
        tiny_demo.warehouse, rotated.warehouse, "marts", tables=list(mart_tables()), ignore=BUILD_COLUMNS
    )
    assert differing(unmapped), "the rotation left the pseudonyms as they were"
    scores = compare(tiny_demo.warehouse, rotated.warehouse, "scores", ignore=())
    assert {d.table for d in scores} >= {"closed_months", "worker_points_ledger"} and differing(scores) == []


def test_no_old_pseudonym_is_left_in_the_lake_and_each_maps_to_one_new(tiny_demo, rotated):
    before, after = _pseudonyms(tiny_demo.lake), _pseudonyms(rotated.lake)
    assert len(before) > 1000 and before.isdisjoint(after)
    mac = key_mac(NEW_KEY)
    assert {rekeyed(p, mac) for p in before} == after


def test_landing_goes_on_with_the_chain_of_keys_only(rotated):
    lake = Lake(rotated.lake)
    with pytest.raises(ConfigError, match="GOVHUB_PSEUDONYM_RETIRED_KEYS"):
        lake.check_pseudonym_keys(Pseudonymizer(rotated.old_key).key_ids)
    with pytest.raises(ConfigError, match="key chain"):
        lake.check_pseudonym_keys(Pseudonymizer(NEW_KEY).key_ids)
    chained = Pseudonymizer(NEW_KEY, (rotated.old_key,))
    lake.check_pseudonym_keys(chained.key_ids)
    # a plate seen before the rotation and landed after it gets the pseudonym the history has
    plate = Pseudonymizer(rotated.old_key).keys("plate", ["豫B12345"])[0]
    assert chained.keys("plate", ["豫B·12345"]) == [rekeyed(plate, key_mac(NEW_KEY))]
