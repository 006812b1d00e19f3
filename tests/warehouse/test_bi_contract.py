"""The BI contract: what the published copy holds is what warehouse/bi_contract.json records,
under a version the changelog of docs/bi.md names, every table and column described; and a
BI client holding a SQLAlchemy engine sees one database, `kaifeng`, across publishes."""

from __future__ import annotations

import copy

import pytest

from orchestration.dbt.project import ensure_manifest
from warehouse.bi_contract import (
    CHANGELOG_PATH,
    Changes,
    changelog_versions,
    compare,
    contract_of,
    recorded,
    undescribed,
    version_needed,
)


@pytest.fixture(scope="module")
def published_contract(tiny_warehouse, tmp_path_factory):
    settings, _ = tiny_warehouse
    return contract_of(settings.warehouse_path, ensure_manifest(), tmp_path_factory.mktemp("bi_contract"))


def test_every_published_table_and_column_has_its_description(published_contract):
    assert {t.split(".")[0] for t in published_contract} == {"marts", "scores", "rules"}
    assert undescribed(published_contract) == []
    for table in published_contract.values():
        for column in table["columns"].values():
            assert " | " in column["description"], column  # 中文 | English


def test_the_published_tables_are_the_recorded_contract(published_contract):
    contract = recorded()
    changes = compare(contract["tables"], published_contract)
    needed = version_needed(contract["version"], changes)
    assert not changes, (
        f"the published tables depart from BI contract {contract['version']}: "
        + "; ".join(changes.breaking + changes.added)
        + f". Record them as version {needed} (scripts/bi_contract.py) with its changelog section in docs/bi.md."
    )


def test_the_contract_version_is_the_newest_in_the_changelog():
    versions = changelog_versions(CHANGELOG_PATH.read_text(encoding="utf-8"))
    assert versions and versions[0] == recorded()["version"], versions


def test_a_removed_or_retyped_or_undescribed_column_needs_a_new_major_version(published_contract):
    table = "marts.fct_governance_events"
    assert not compare(published_contract, published_contract)
    for change in ("removed", "retyped", "undescribed"):
        now = copy.deepcopy(published_contract)
        columns = now[table]["columns"]
        if change == "removed":
            del columns["platform"]
        elif change == "retyped":
            columns["platform"]["type"] = "INTEGER"
        else:
            columns["platform"]["description"] = ""
        changes = compare(published_contract, now)
        assert len(changes.breaking) == 1 and "platform" in changes.breaking[0], (change, changes)
        assert version_needed("1.3", changes) == "2.0"
    now = copy.deepcopy(published_contract)
    now[table]["columns"]["a_new_column"] = {"type": "VARCHAR", "description": "新列 | A new column."}
    del now["rules.points_limits"]
    changes = compare(published_contract, now)
    assert changes == Changes(["rules.points_limits: removed"], [f"{table}.a_new_column: added"])
    added_only = compare(published_contract, {**published_contract, **{table: now[table]}})
    assert version_needed("1.3", added_only) == "1.4" and version_needed("1.3", Changes([], [])) == "1.3"


def test_a_sqlalchemy_client_sees_one_database_across_publishes(tiny_warehouse, tmp_path):
    """As Superset or Metabase connect (duckdb_engine, a connection per query): every new
    connection sees the database `kaifeng`, its schemas under the same names, and the data of
    the latest publish; a client in another process that holds its connection open keeps
    reading the copy it opened. (Within one process DuckDB shares an open database between
    its connections: a connection opened while another still holds the earlier copy joins
    it, docs/bi.md.)"""
    import shutil
    import subprocess
    import sys

    import sqlalchemy as sa

    from warehouse.duckdb import connect
    from warehouse.publish import publish_duckdb

    settings, _ = tiny_warehouse
    warehouse = tmp_path / "kaifeng.duckdb"
    shutil.copyfile(settings.warehouse_path, warehouse)
    published = publish_duckdb(warehouse, tmp_path / "published")
    count = "select count(*) from marts.fct_governance_events"
    holder = subprocess.Popen(  # reads once per line it is sent, on the connection it opened first
        [
            sys.executable,
            "-c",
            f"import sys, duckdb; c = duckdb.connect({str(published)!r}, read_only=True)\n"
            f"for _ in iter(sys.stdin.readline, ''): print(c.execute({count!r}).fetchone()[0], flush=True)",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )

    def held() -> int:
        holder.stdin.write("\n")
        holder.stdin.flush()
        return int(holder.stdout.readline())

    try:
        first = held()
        engine = sa.create_engine(f"duckdb:///{published}", connect_args={"read_only": True}, poolclass=sa.NullPool)
        seen = []
        for _ in range(3):
            con = connect(warehouse)
            con.execute(
                "delete from marts.fct_governance_events "
                "where event_id = (select min(event_id) from marts.fct_governance_events)"
            )
            con.close()
            publish_duckdb(warehouse, tmp_path / "published")
            with engine.connect() as client:
                inspector = sa.inspect(client)
                assert {"kaifeng.marts", "kaifeng.rules"} <= set(inspector.get_schema_names())  # as Superset lists them
                assert inspector.has_table("fct_governance_events", schema="marts")
                database = client.execute(sa.text("select current_database()")).scalar_one()
                seen.append((database, client.execute(sa.text(count)).scalar_one()))
            assert held() == first  # the open connection reads the file it opened
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    assert seen == [("kaifeng", first - n) for n in (1, 2, 3)]
