"""Publishing the warehouse to BI tools, after each successful run.

- **DuckDB copy** (`publish_duckdb`): the published schemas are copied into a new file in
  `warehouse/published/` (starting from the copy before, only the tables whose content
  changed are written), made read-only, and renamed over `warehouse/published/kaifeng.duckdb`
  in one step. The file keeps its name, so a client sees one database, `kaifeng`, across
  publishes; a client holding the earlier file open keeps reading it until it closes, and
  a new connection opens the new one. The near-real-time path publishes the live board
  alone, to `live.duckdb` beside it, the same way.
- **PostgreSQL** (`publish_postgres`, when `GOVHUB_BI_POSTGRES_DSN` is set): the same
  tables are loaded into `<schema>_next` and swapped in with the schema renames in one
  transaction. BI sessions cannot stall it: the swap takes each lock within 500 ms, gives way
  to readers and tries again (for up to 5 minutes), and a `bi_reader` session idle in a
  transaction ends after a minute. The role `bi_reader` may read the published marts and
  nothing else; the quarantine is published beside them for the data engineers, without a
  grant to BI.
  PostgreSQL text cannot hold the NUL character (U+0000): where a source typed one into a
  text, the PostgreSQL copy leaves it out; the DuckDB copy keeps the text as landed.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

log = logging.getLogger(__name__)

# What BI may read, and what is published for the data engineers only.
BI_SCHEMAS = ("marts", "scores", "rules")  # rules: the points and assessment rules in force, by version
ENGINEER_SCHEMAS = ("quarantine",)
LINK_NAME = "kaifeng.duckdb"  # the published copy's file name (its database name: kaifeng)
LIVE_NAME = "live.duckdb"
LIVE_TABLES = (("marts", "mart_live_open_items"),)
BI_READER = "bi_reader"


@dataclass(frozen=True)
class TableDoc:
    """A published table's description and its columns' ("中文 | English"), set as comments."""

    description: str
    columns: dict[str, str] = field(default_factory=dict)


Descriptions = Mapping[str, TableDoc]  # by "schema.table" (warehouse/bi_contract.py)

PG_TYPES = {
    "VARCHAR": "text",
    "BIGINT": "bigint",
    "INTEGER": "integer",
    "HUGEINT": "numeric",
    "DOUBLE": "double precision",
    "FLOAT": "real",
    "BOOLEAN": "boolean",
    "DATE": "date",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
    "TIMESTAMP": "timestamp",
}


def _tables(con: duckdb.DuckDBPyConnection, catalog: str, schemas: tuple[str, ...]) -> list[tuple[str, str]]:
    return con.execute(
        "select table_schema, table_name from information_schema.tables "
        f"where table_catalog = ? and table_schema in ({', '.join('?' * len(schemas))}) and table_type = 'BASE TABLE' "
        "order by 1, 2",
        [catalog, *schemas],
    ).fetchall()


def _copy_changed(con, wanted: list[tuple[str, str]], now: dict[str, str], before: dict | None) -> list[str]:
    """Into the copy `con` holds (the warehouse attached as `wh`): the tables of `wanted`
    whose fingerprint differs from `before` (all of them without one), the tables it no
    longer publishes dropped; the tables written."""
    if before is not None:  # a table the warehouse no longer publishes
        catalog = con.execute("select current_database()").fetchone()[0]
        for schema, table in _tables(con, catalog, tuple({s for s, _ in wanted} | set(BI_SCHEMAS))):
            if f"{schema}.{table}" not in now:
                con.execute(f'drop table "{schema}"."{table}"')
    written = []
    for schema, table in wanted:
        if before is not None and before.get(f"{schema}.{table}") == now[f"{schema}.{table}"]:
            continue
        written.append(f"{schema}.{table}")
        con.execute(f'create schema if not exists "{schema}"')
        con.execute(f'create or replace table "{schema}"."{table}" as select * from wh."{schema}"."{table}"')
    return written


CONTRACT_SCHEMA = "contract"  # contract.version: the BI contract the copy was published under


def contract_version() -> str:
    """The version of the BI contract this code publishes (warehouse/bi_contract.json)."""
    return json.loads(Path(__file__).with_name("bi_contract.json").read_text(encoding="utf-8"))["version"]


def publish_duckdb(
    warehouse_path: Path,
    published_dir: Path,
    name: str = LINK_NAME,
    tables: tuple[tuple[str, str], ...] | None = None,
    descriptions: Descriptions | None = None,
) -> Path:
    """Copy the BI schemas (or just `tables`) into a new file, read-only, and rename it over
    `published_dir/name`; that path. Every table and column gets its description as a comment.

    What a publish writes follows what changed, not what the warehouse holds: each table's
    fingerprint (its columns, row count and the sum of its rows' hashes) is kept beside the
    copy (`.<name>.tables.json`, with the tables the publish wrote). The next publish starts from a file copy of the copy
    before and writes again only the tables whose fingerprint differs (a closed month's
    scores, held for years, are not rewritten every day). A full copy is made when the copy
    before is not the one the fingerprints describe, or when half its blocks are free."""
    from warehouse.duckdb import connect

    published_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    tmp = published_dir / f".{name}.{stamp}.tmp"
    target = published_dir / name
    kept = published_dir / f".{name}.tables.json"
    before = _previous(target, kept)
    try:
        if before is not None:
            shutil.copyfile(target, tmp)
            os.chmod(tmp, 0o644)
        con = connect(tmp)
        try:
            con.execute(f"attach '{warehouse_path}' as wh (read_only)")
            wanted = list(tables or _tables(con, "wh", BI_SCHEMAS))
            now = {f"{schema}.{table}": _fingerprint(con, "wh", schema, table) for schema, table in wanted}
            written = _copy_changed(con, wanted, now, before)
            for schema, table in wanted:  # cheap: set on every publish
                doc = (descriptions or {}).get(f"{schema}.{table}")
                if doc is not None:
                    for statement in _comments(f'"{schema}"."{table}"', doc, _columns(con, "wh", schema, table)):
                        con.execute(statement)
            con.execute("detach wh")
            con.execute(f"create schema if not exists {CONTRACT_SCHEMA}")
            con.execute(
                f"create or replace table {CONTRACT_SCHEMA}.version as "
                "select cast(? as varchar) as version, now() as published_at",
                [contract_version()],
            )
            con.execute("checkpoint")
            free, total = con.execute(
                "select free_blocks, total_blocks from pragma_database_size() where database_name = current_database()"
            ).fetchone()
        finally:
            con.close()
        Path(f"{tmp}.wal").unlink(missing_ok=True)
        os.chmod(tmp, 0o444)  # what BI reads is never written again
        kept.unlink(missing_ok=True)  # the fingerprints describe the file they are written with
        os.replace(tmp, target)  # the switch: one rename, the name kept
    except BaseException:  # a full disk or a failed copy leaves no half-written file behind
        tmp.unlink(missing_ok=True)
        Path(f"{tmp}.wal").unlink(missing_ok=True)
        raise
    if free * 2 < total:  # else the next publish writes a compact copy whole
        st = target.stat()
        kept.write_text(
            json.dumps({"file": [st.st_ino, st.st_size, st.st_mtime_ns], "tables": now, "written": written}, indent=1)
        )
    for old in published_dir.glob("kaifeng-*.duckdb"):  # copies of the layout before (one file per publish)
        old.unlink(missing_ok=True)
    return target


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _columns(con: duckdb.DuckDBPyConnection, catalog: str, schema: str, table: str) -> list[str]:
    return [
        c
        for (c,) in con.execute(
            "select column_name from information_schema.columns "
            "where table_catalog = ? and table_schema = ? and table_name = ?",
            [catalog, schema, table],
        ).fetchall()
    ]


def _comments(name: str, doc: TableDoc, columns: list[str]) -> list[str]:
    """The COMMENT ON statements (DuckDB and PostgreSQL alike) of the table `name` (quoted,
    with its schema) from its description, for the `columns` it has."""
    out = [f"comment on table {name} is {_literal(doc.description)}"] if doc.description else []
    return out + [
        f'comment on column {name}."{column}" is {_literal(text)}'
        for column, text in doc.columns.items()
        if text and column in columns
    ]


def _fingerprint(con: duckdb.DuckDBPyConnection, catalog: str, schema: str, table: str) -> str:
    """What a table holds, in one line: its columns, its rows and the sum of their hashes."""
    columns = con.execute(
        "select string_agg(column_name || ' ' || data_type, ', ' order by ordinal_position) "
        "from information_schema.columns where table_catalog = ? and table_schema = ? and table_name = ?",
        [catalog, schema, table],
    ).fetchone()[0]
    rows, hashed = con.execute(
        f'select count(*), coalesce(sum(hash(t)), 0) from {catalog}."{schema}"."{table}" as t'
    ).fetchone()
    return f"{columns} | {rows} | {hashed}"


def _previous(target: Path, kept: Path) -> dict[str, str] | None:
    """The fingerprints of the copy published before, when they describe the file there."""
    try:
        recorded = json.loads(kept.read_text())
        st = target.stat()
    except (OSError, ValueError):
        return None
    if recorded.get("file") != [st.st_ino, st.st_size, st.st_mtime_ns]:
        return None
    return recorded.get("tables")


def _pg_type(duck_type: str) -> str:
    if duck_type.startswith("DECIMAL"):
        return duck_type.replace("DECIMAL", "numeric")
    return PG_TYPES.get(duck_type, "text")


def publish_postgres(
    warehouse_path: Path,
    dsn: str,
    descriptions: Descriptions | None = None,
    reader_idle_seconds: int = 60,
    swap_wait_seconds: float = 300,
) -> dict[str, int]:
    """Load the BI and engineer schemas into PostgreSQL, with their descriptions as comments,
    and swap them in; rows per table. BI sessions cannot block it for long: a session idle in
    a transaction ends after `reader_idle_seconds`, and the swap gives way to readers and
    tries again for up to `swap_wait_seconds` (PublishError after)."""
    import psycopg
    from psycopg import sql

    from warehouse.duckdb import connect

    schemas = BI_SCHEMAS + ENGINEER_SCHEMAS
    wh = connect(warehouse_path, read_only=True)
    loaded: dict[str, int] = {}
    try:
        tables = _tables(wh, wh.execute("select current_database()").fetchone()[0], schemas)
        with psycopg.connect(dsn) as pg:
            with pg.cursor() as cur:
                for schema in schemas:
                    cur.execute(sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(f"{schema}_next")))
                    cur.execute(sql.SQL("create schema {}").format(sql.Identifier(f"{schema}_next")))
                for schema, table in tables:
                    cols = wh.execute(
                        "select column_name, data_type from information_schema.columns "
                        "where table_schema = ? and table_name = ? order by ordinal_position",
                        [schema, table],
                    ).fetchall()
                    target = sql.Identifier(f"{schema}_next", table)
                    cur.execute(
                        sql.SQL("create table {} ({})").format(
                            target,
                            sql.SQL(", ").join(
                                sql.SQL("{} {}").format(sql.Identifier(c), sql.SQL(_pg_type(t))) for c, t in cols
                            ),
                        )
                    )
                    # PostgreSQL text cannot hold U+0000: a NUL a source typed into a note is dropped
                    select = ", ".join(f"replace(\"{c}\", chr(0), '')" if t == "VARCHAR" else f'"{c}"' for c, t in cols)
                    rows = wh.execute(f'select {select} from "{schema}"."{table}"')
                    n = 0
                    with cur.copy(sql.SQL("copy {} from stdin").format(target)) as copy:
                        while batch := rows.fetchmany(10_000):
                            for row in batch:
                                copy.write_row(row)
                            n += len(batch)
                    loaded[f"{schema}.{table}"] = n
                    doc = (descriptions or {}).get(f"{schema}.{table}")
                    if doc is not None:
                        for statement in _comments(f'"{schema}_next"."{table}"', doc, [c for c, _ in cols]):
                            cur.execute(statement)
            pg.commit()
            _reader_role(pg, reader_idle_seconds)
            _swap(pg, schemas, swap_wait_seconds)
    finally:
        wh.close()
    return loaded


# The swap waits for BI readers' locks this long per try: shorter than PostgreSQL's
# deadlock_timeout (1 s), so that where a reader and the swap wait on each other the swap
# gives way, and the reader never sees a deadlock error; and new readers queued behind the
# swap wait no longer than this.
SWAP_LOCK_TIMEOUT = "500ms"


def _reader_role(pg, idle_seconds: int) -> None:
    """bi_reader exists, and a BI session idle in a transaction ends after `idle_seconds`
    (it would hold its locks, and the swap behind them, indefinitely)."""
    import psycopg
    from psycopg import sql

    with pg.cursor() as cur:
        cur.execute(
            # two publishers to databases of one server may create the role at once
            "do $$ begin if not exists (select from pg_roles where rolname = 'bi_reader') "
            "then create role bi_reader login; end if; "
            "exception when duplicate_object or unique_violation then null; end $$"
        )
    pg.commit()
    try:
        with pg.cursor() as cur:
            cur.execute(
                sql.SQL("alter role {} set idle_in_transaction_session_timeout = {}").format(
                    sql.Identifier(BI_READER), sql.Literal(f"{idle_seconds}s")
                )
            )
        pg.commit()
    except psycopg.errors.InsufficientPrivilege:
        pg.rollback()
        log.warning(
            "PostgreSQL: the publishing role may not limit %s's idle transactions; ask the administrator for "
            "ALTER ROLE %s SET idle_in_transaction_session_timeout = '%ss'",
            BI_READER,
            BI_READER,
            idle_seconds,
        )


def _swap(pg, schemas: tuple[str, ...], wait_seconds: float) -> None:
    """The `_next` schemas swapped in, with their grants, in one transaction that takes each
    lock within SWAP_LOCK_TIMEOUT; when a reader holds one longer, the transaction is rolled
    back and tried again (backing off), for up to `wait_seconds`."""
    import time

    import psycopg
    from psycopg import sql

    deadline = time.monotonic() + wait_seconds
    delay = 0.1
    while True:
        try:
            with pg.cursor() as cur:
                cur.execute(sql.SQL("set local lock_timeout = {}").format(sql.Literal(SWAP_LOCK_TIMEOUT)))
                for schema in schemas:
                    cur.execute(sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(schema)))
                    cur.execute(
                        sql.SQL("alter schema {} rename to {}").format(
                            sql.Identifier(f"{schema}_next"), sql.Identifier(schema)
                        )
                    )
                    cur.execute(sql.SQL("revoke all on schema {} from public").format(sql.Identifier(schema)))
                cur.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(CONTRACT_SCHEMA)))
                cur.execute(
                    sql.SQL("create table if not exists {} (version text, published_at timestamptz)").format(
                        sql.Identifier(CONTRACT_SCHEMA, "version")
                    )
                )
                cur.execute(sql.SQL("delete from {}").format(sql.Identifier(CONTRACT_SCHEMA, "version")))
                cur.execute(
                    sql.SQL("insert into {} values (%s, now())").format(sql.Identifier(CONTRACT_SCHEMA, "version")),
                    [contract_version()],
                )
                for schema in (*BI_SCHEMAS, CONTRACT_SCHEMA):
                    cur.execute(
                        sql.SQL("grant usage on schema {} to {}").format(*map(sql.Identifier, (schema, BI_READER)))
                    )
                    cur.execute(
                        sql.SQL("grant select on all tables in schema {} to {}").format(
                            *map(sql.Identifier, (schema, BI_READER))
                        )
                    )
            pg.commit()
            return
        except (psycopg.errors.LockNotAvailable, psycopg.errors.DeadlockDetected) as exc:
            pg.rollback()
            if time.monotonic() + delay > deadline:
                raise PublishError(
                    f"PostgreSQL: BI sessions held the published tables for over {wait_seconds:g} s, so the new "
                    f"tables could not be swapped in ({type(exc).__name__}); they wait in the *_next schemas"
                ) from exc
            time.sleep(delay)
            delay = min(delay * 2, 2.0)


class PublishError(RuntimeError):
    """A publish that could not complete; the message says why, in one line."""
