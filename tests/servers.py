"""The machine's database servers for the tests: a fresh database on each, by name.

MariaDB at 127.0.0.1:3306 (root) and PostgreSQL at 127.0.0.1:5432 (postgres), as `.ci/run`
starts them. A server that cannot be reached fails the test that needs it: it never skips.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

ADMIN = {
    "mariadb": "mysql+pymysql://root@127.0.0.1:3306/",
    "postgresql": "postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
}
URL = {
    "mariadb": "mysql+pymysql://root@127.0.0.1:3306/{db}?charset=utf8mb4",
    "postgresql": "postgresql+psycopg://postgres@127.0.0.1:5432/{db}",
}


def database_url(backend: str, db: str, fresh: bool = False) -> str:
    """A SQLAlchemy URL of database `db` on the `backend` server (created when missing;
    with `fresh`, dropped and created anew). SQLite: an empty string (the caller's file)."""
    if backend == "sqlite":
        return ""
    try:
        engine = sa.create_engine(ADMIN[backend], isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            if backend == "mariadb":
                if fresh:
                    conn.execute(sa.text(f"drop database if exists {db}"))
                conn.execute(sa.text(f"create database if not exists {db}"))
            else:
                exists = conn.execute(sa.text("select 1 from pg_database where datname = :d"), {"d": db}).first()
                if exists and fresh:
                    conn.execute(sa.text(f"drop database {db} with (force)"))
                    exists = None
                if not exists:
                    conn.execute(sa.text(f"create database {db}"))
        engine.dispose()
    except sa.exc.OperationalError as exc:
        pytest.fail(f"the {backend} server is not reachable ({type(exc.orig).__name__}); start it (see .ci/run)")
    return URL[backend].format(db=db)
