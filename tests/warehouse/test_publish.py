"""Publishing to BI: the swapped read-only DuckDB copy and the PostgreSQL target with its
bi_reader role (the machine's real PostgreSQL: the test fails, not skips, without it),
read by BI clients while the pipeline runs again."""

from __future__ import annotations

import os

import duckdb
import psycopg
import pytest

from orchestration.dbt.project import ensure_manifest
from warehouse.bi_contract import descriptions
from warehouse.publish import BI_SCHEMAS, CONTRACT_SCHEMA, LINK_NAME, contract_version, publish_duckdb, publish_postgres


def _counts(con) -> dict[str, int]:
    tables = con.execute(
        "select table_schema || '.' || table_name from information_schema.tables "
        "where table_schema in ('marts', 'scores') and table_type = 'BASE TABLE'"
    ).fetchall()
    return {t: con.execute(f"select count(*) from {t}").fetchone()[0] for (t,) in tables}


def test_the_published_copy_holds_the_marts_only_and_switches_whole(tiny_warehouse, tmp_path):
    import subprocess
    import sys

    settings, _ = tiny_warehouse
    published = publish_duckdb(settings.warehouse_path, tmp_path)
    assert published == tmp_path / LINK_NAME and not published.is_symlink()
    assert not os.access(published, os.W_OK) or os.geteuid() == 0
    assert oct(published.stat().st_mode & 0o777) == "0o444"
    reader = duckdb.connect(str(published), read_only=True)
    schemas = {s for (s,) in reader.execute("select distinct table_schema from information_schema.tables").fetchall()}
    assert schemas <= {*BI_SCHEMAS, CONTRACT_SCHEMA} and "marts" in schemas
    # the contract it was published under (warehouse/bi_contract.json)
    assert reader.execute(f"select version from {CONTRACT_SCHEMA}.version").fetchone()[0] == contract_version()
    assert reader.execute("select current_database()").fetchone()[0] == "kaifeng"
    before = _counts(reader)
    assert before["marts.fct_governance_events"] > 0
    publish_duckdb(settings.warehouse_path, tmp_path)
    assert _counts(reader) == before  # the open client still reads the file it opened
    reader.close()
    # a new client (another process) opens the new file, under the same name
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import duckdb; c = duckdb.connect({str(published)!r}, read_only=True); "
            "print(c.execute('select current_database(), count(*) from marts.fct_governance_events').fetchone())",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.startswith("('kaifeng', ")
    # nothing else left behind but the tables' fingerprints
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([LINK_NAME, f".{LINK_NAME}.tables.json"])


def _written(published_dir) -> list[str]:
    import json

    return json.loads((published_dir / f".{LINK_NAME}.tables.json").read_text())["written"]


def _differences(published, warehouse) -> dict[str, int]:
    """Per table of the published copy: rows not in the warehouse's table, and the other way."""
    con = duckdb.connect()
    con.execute(f"attach '{published}' as p (read_only)")
    con.execute(f"attach '{warehouse}' as w (read_only)")
    tables = con.execute(
        "select table_schema, table_name from information_schema.tables where table_catalog = 'p' "
        f"and table_schema <> '{CONTRACT_SCHEMA}'"
    ).fetchall()
    out = {}
    for schema, table in tables:
        p, w = f'p."{schema}"."{table}"', f'w."{schema}"."{table}"'
        out[f"{schema}.{table}"] = con.execute(
            f"select (select count(*) from (from {p} except all from {w})) "
            f"+ (select count(*) from (from {w} except all from {p}))"
        ).fetchone()[0]
    con.close()
    return out


def test_a_publish_writes_only_the_tables_that_changed(tiny_warehouse, tmp_path):
    """The copy is carried over from the one before: a table is written again when its
    content changed, a new one is added, a dropped one goes, and the copy equals the
    warehouse by content every time."""
    import shutil

    settings, _ = tiny_warehouse
    warehouse = tmp_path / "wh" / "kaifeng.duckdb"
    warehouse.parent.mkdir()
    shutil.copyfile(settings.warehouse_path, warehouse)
    published_dir = tmp_path / "published"
    first = publish_duckdb(warehouse, published_dir)
    assert "marts.fct_governance_events" in _written(published_dir)
    publish_duckdb(warehouse, published_dir)
    assert _written(published_dir) == []  # nothing changed: nothing written
    con = duckdb.connect(str(warehouse))
    con.execute(
        "delete from marts.fct_governance_events where event_id = (select min(event_id) from marts.fct_governance_events)"
    )
    con.execute("create table marts.mart_new as select 1 as x")
    dropped = con.execute(
        "select table_name from information_schema.tables where table_schema = 'marts' "
        "and table_name <> 'fct_governance_events' and table_type = 'BASE TABLE' order by 1 limit 1"
    ).fetchone()[0]
    con.execute(f"drop table marts.{dropped}")
    con.close()
    publish_duckdb(warehouse, published_dir)
    assert sorted(_written(published_dir)) == ["marts.fct_governance_events", "marts.mart_new"]
    differences = _differences(first, warehouse)
    assert f"marts.{dropped}" not in differences and "marts.mart_new" in differences
    assert set(differences.values()) == {0}, differences
    # a copy the fingerprints do not describe (replaced by other means) is written whole
    (published_dir / f".{LINK_NAME}.tables.json").write_text('{"file": [0, 0, 0], "tables": {}}')
    publish_duckdb(warehouse, published_dir)
    assert len(_written(published_dir)) == len(_differences(first, warehouse)) > 2


@pytest.mark.servers
def test_bi_reader_reads_the_marts_and_is_refused_the_rest(tiny_warehouse, bi_postgres):
    settings, _ = tiny_warehouse
    docs = descriptions(ensure_manifest())
    loaded = publish_postgres(settings.warehouse_path, bi_postgres.dsn, docs)
    assert loaded["marts.fct_governance_events"] > 0
    wh = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        expected = {t: n for t, n in loaded.items() if t.startswith("marts.")}
        assert expected == {t: n for t, n in _counts(wh).items() if t.startswith("marts.")}
    finally:
        wh.close()
    with psycopg.connect(bi_postgres.reader_dsn) as bi:
        got = {t: bi.execute(f"select count(*) from {t}").fetchone()[0] for t in expected}
        assert got == expected
        # the contract the copy was published under, readable by BI
        assert bi.execute(f"select version from {CONTRACT_SCHEMA}.version").fetchall() == [(contract_version(),)]
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            bi.execute("select count(*) from quarantine.quarantine_records")
        bi.rollback()
        for table in ("staging.stg_smart_city__staff", "raw.service_requests"):
            with pytest.raises(psycopg.errors.UndefinedTable):
                bi.execute(f"select count(*) from {table}")
            bi.rollback()
    with psycopg.connect(bi_postgres.dsn) as admin:  # the engineers see the quarantine
        assert admin.execute("select count(*) from quarantine.quarantine_records").fetchone()[0] > 0
        # every BI table and column carries its description, as BI tools show it
        comments = admin.execute(
            "select n.nspname || '.' || c.relname, a.attname, obj_description(c.oid, 'pg_class'), "
            "col_description(c.oid, a.attnum) from pg_class c join pg_namespace n on n.oid = c.relnamespace "
            "join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped "
            "where c.relkind = 'r' and n.nspname = any(%s)",
            [list(BI_SCHEMAS)],
        ).fetchall()
    assert {t for t, *_ in comments} == {t for t in loaded if t.split(".")[0] in BI_SCHEMAS}
    for table, column, table_comment, column_comment in comments:
        assert table_comment == docs[table].description and column_comment == docs[table].columns.get(column), (
            table,
            column,
        )


@pytest.mark.servers
def test_a_nul_typed_into_a_note_does_not_stop_the_postgresql_publish(tiny_warehouse, bi_postgres, tmp_path):
    import shutil

    settings, _ = tiny_warehouse
    copy = tmp_path / "kaifeng.duckdb"
    shutil.copy(settings.warehouse_path, copy)
    wh = duckdb.connect(str(copy))
    (event, state) = wh.execute("select event_id, state from marts.fct_event_lifecycle limit 1").fetchone()
    wh.execute(
        "update marts.fct_event_lifecycle set note = '已处理' || chr(0) || '完毕' where event_id = ? and state = ?",
        [event, state],
    )
    wh.close()
    loaded = publish_postgres(copy, bi_postgres.dsn)
    assert loaded["marts.fct_event_lifecycle"] > 0
    with psycopg.connect(bi_postgres.reader_dsn) as bi:
        notes = bi.execute(
            "select note from marts.fct_event_lifecycle where event_id = %s and state = %s", [event, state]
        ).fetchall()
    assert notes and all(n == "已处理完毕" for (n,) in notes)


@pytest.mark.e2e
@pytest.mark.servers
def test_bi_clients_read_while_the_pipeline_runs_again(tiny_rerun):
    """The whole pipeline reruns (publishing both targets at its end) while a DuckDB client
    and a PostgreSQL client keep reading the marts (tests/conftest.py, tiny_rerun): every
    read succeeds and sees a whole copy (the same counts before, during and after: the data
    did not change)."""
    assert tiny_rerun.errors == [] and len(tiny_rerun.reads) >= 2
    reference = tiny_rerun.reads[0][0]
    assert reference > 0 and all(duck == pg == reference for duck, pg in tiny_rerun.reads), tiny_rerun.reads
    assert tiny_rerun.copy_after != tiny_rerun.copy_before  # the rerun published a new copy


def _small_warehouse(path, version: int) -> None:
    """Three marts of 500 rows whose every value says which publish wrote it."""
    con = duckdb.connect(str(path))
    for name in ("fct_a", "fct_b", "dim_c"):
        con.execute(
            f"create schema if not exists marts; create or replace table marts.{name} as "
            f"select i as id, {version} as version from range(500) as t(i)"
        )
    con.close()


@pytest.mark.servers
def test_publishes_go_through_while_bi_reads_and_a_session_idles_in_a_transaction(bi_postgres, tmp_path):
    import threading

    published = tmp_path / "kaifeng.duckdb"
    _small_warehouse(published, 0)
    publish_postgres(published, bi_postgres.dsn, reader_idle_seconds=3)  # bi_reader's sessions from now on
    idle = psycopg.connect(bi_postgres.reader_dsn)
    idle.execute("select count(*) from marts.fct_a").fetchone()  # and then nothing: idle in its transaction
    stop, reads, retried, wrong = threading.Event(), [], [], []

    def reader():  # three tables in one statement, in an order of its own, again and again
        with psycopg.connect(bi_postgres.reader_dsn, autocommit=True) as bi:
            while not stop.is_set():
                try:
                    row = bi.execute(
                        "select (select count(*) from marts.dim_c), min(b.version), max(b.version), "
                        "(select min(version) from marts.fct_a) from marts.fct_b as b"
                    ).fetchone()
                except psycopg.errors.Error as exc:
                    retried.append(type(exc).__name__)
                    continue
                reads.append(row)
                if row[0] != 500 or row[1] != row[2]:
                    wrong.append(row)

    threads = [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    try:
        for version in range(1, 31):
            _small_warehouse(published, version)
            loaded = publish_postgres(published, bi_postgres.dsn, reader_idle_seconds=3, swap_wait_seconds=60)
            assert loaded["marts.fct_b"] == 500
    finally:
        stop.set()
        for t in threads:
            t.join()
        idle.close()
    assert wrong == [] and len(reads) > 30
    assert retried == []  # the swap gives way: no reader sees a deadlock or a missing table
    with psycopg.connect(bi_postgres.reader_dsn) as bi:
        assert bi.execute("select min(version), max(version) from marts.fct_a").fetchone() == (30, 30)
