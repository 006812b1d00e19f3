"""Publishing the warehouse to BI tools, after each successful run.

- **DuckDB copy** (`publish_duckdb`): the published schemas are copied into a new file in
  `warehouse/published/`, made read-only, and renamed over `warehouse/published/kaifeng.duckdb`
  in one step. The file keeps its name, so a client sees one database, `kaifeng`, across
  publishes; a client holding the earlier file open keeps reading it until it closes, and
  a new connection opens the new one. The near-real-time path publishes the live board
  alone, to `live.duckdb` beside it, the same way.
- **PostgreSQL** (`publish_postgres`, when `GOVHUB_BI_POSTGRES_DSN` is set): the same
  tables are loaded into `<schema>_next` and swapped in with the schema renames in one
  transaction. The role `bi_reader` may read the published marts and nothing else; the
  quarantine is published beside them for the data engineers, without a grant to BI.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import duckdb

# What BI may read, and what is published for the data engineers only.
BI_SCHEMAS = ("marts", "scores", "rules")  # rules: the points and assessment rules in force, by version
ENGINEER_SCHEMAS = ("quarantine",)
LINK_NAME = "kaifeng.duckdb"  # the published copy's file name (its database name: kaifeng)
LIVE_NAME = "live.duckdb"
LIVE_TABLES = (("marts", "mart_live_open_items"),)
BI_READER = "bi_reader"

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


def publish_duckdb(
    warehouse_path: Path, published_dir: Path, name: str = LINK_NAME, tables: tuple[tuple[str, str], ...] | None = None
) -> Path:
    """Copy the BI schemas (or just `tables`) into a new file, read-only, and rename it over
    `published_dir/name`; that path."""
    from warehouse.duckdb import connect

    published_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    tmp = published_dir / f".{name}.{stamp}.tmp"
    target = published_dir / name
    con = connect(tmp)
    try:
        con.execute(f"attach '{warehouse_path}' as wh (read_only)")
        for schema, table in tables or _tables(con, "wh", BI_SCHEMAS):
            con.execute(f'create schema if not exists "{schema}"')
            con.execute(f'create table "{schema}"."{table}" as select * from wh."{schema}"."{table}"')
        con.execute("detach wh")
        con.execute("checkpoint")
    finally:
        con.close()
    Path(f"{tmp}.wal").unlink(missing_ok=True)
    os.chmod(tmp, 0o444)  # what BI reads is never written again
    os.replace(tmp, target)  # the switch: one rename, the name kept
    for old in published_dir.glob("kaifeng-*.duckdb"):  # copies of the layout before (one file per publish)
        old.unlink(missing_ok=True)
    return target


def _pg_type(duck_type: str) -> str:
    if duck_type.startswith("DECIMAL"):
        return duck_type.replace("DECIMAL", "numeric")
    return PG_TYPES.get(duck_type, "text")


def publish_postgres(warehouse_path: Path, dsn: str) -> dict[str, int]:
    """Load the BI and engineer schemas into PostgreSQL and swap them in; rows per table."""
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
                    rows = wh.execute(f'select * from "{schema}"."{table}"')
                    n = 0
                    with cur.copy(sql.SQL("copy {} from stdin").format(target)) as copy:
                        while batch := rows.fetchmany(10_000):
                            for row in batch:
                                copy.write_row(row)
                            n += len(batch)
                    loaded[f"{schema}.{table}"] = n
            pg.commit()
            # the swap, and the grants: one transaction
            with pg.cursor() as cur:
                cur.execute(
                    "do $$ begin if not exists (select from pg_roles where rolname = 'bi_reader') "
                    "then create role bi_reader login; end if; end $$"
                )
                for schema in schemas:
                    cur.execute(sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(schema)))
                    cur.execute(
                        sql.SQL("alter schema {} rename to {}").format(
                            sql.Identifier(f"{schema}_next"), sql.Identifier(schema)
                        )
                    )
                    cur.execute(sql.SQL("revoke all on schema {} from public").format(sql.Identifier(schema)))
                for schema in BI_SCHEMAS:
                    cur.execute(sql.SQL("grant usage on schema {} to bi_reader").format(sql.Identifier(schema)))
                    cur.execute(
                        sql.SQL("grant select on all tables in schema {} to bi_reader").format(sql.Identifier(schema))
                    )
            pg.commit()
    finally:
        wh.close()
    return loaded
