"""What the acceptance suite (tests/connectors/acceptance.py) knows of the civil-affairs stand-in."""

from __future__ import annotations

from datetime import date, datetime, time

import sqlalchemy as sa

from sandbox.serve import RunningSandbox
from tests.connectors.acceptance import END

BAD_SETTINGS = {"GOVHUB_CIVIL_AFFAIRS_DB_URL": "sqlite:////nonexistent/folder/civil_affairs.sqlite"}
HISTORY_FROM = date(2024, 1, 1)  # the register is read whole: its history since then


def truth(s: RunningSandbox) -> dict[str, set[str]]:
    from connectors.civil_affairs.schema import PRIMARY_KEYS, TABLES

    url = s.config.civil_affairs_url or s.civil_affairs_url  # the database itself, not a proxy
    engine = sa.create_engine(url)
    lo, hi = datetime.combine(HISTORY_FROM, time(0)), datetime.combine(END, time(0))
    try:
        with engine.connect() as conn:
            return {
                name: {
                    str(k)
                    for (k,) in conn.execute(
                        sa.select(table.c[PRIMARY_KEYS[name]]).where(
                            table.c.update_time >= lo, table.c.update_time < hi
                        )
                    )
                }
                for name, table in TABLES.items()
            }
    finally:
        engine.dispose()
