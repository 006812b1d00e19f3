"""Civil affairs as a source of the platform (connectors.common.contract)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from functools import cached_property

from connectors.civil_affairs.ingest import (
    DEFAULT_OVERLAP,
    SOURCE,
    check_connection,
    engine_for,
    ingest_table_days,
    rows_query,
)
from connectors.civil_affairs.schema import PRIMARY_KEYS, TABLES
from connectors.civil_affairs.settings import CivilAffairsSettings
from connectors.common.contract import DAILY, MONTH, Connector, Entity, Window
from connectors.common.ingest import IngestResult, day_window
from connectors.common.lake import Lake

_DESCRIPTIONS = {
    "households": "家庭户 Households (head of household pseudonymized).",
    "recipients": "救助对象 Assistance recipients (低保/特困/临时救助/残疾/高龄).",
    "payments": "救助金发放 Assistance payments, in fen.",
    "applications": "业务申请 Applications with their processing deadline.",
    "visits": "入户走访 Home visits by grid workers.",
}


class CivilAffairs(Connector):
    name = SOURCE
    title = "民政 Civil-affairs register (a relational database, read with SQLAlchemy)"
    settings_class = CivilAffairsSettings
    cadence = DAILY
    benchmark_entity = "recipients"
    entities = tuple(
        Entity(
            name,
            PRIMARY_KEYS[name],
            "update_time",
            MONTH,
            f"{_DESCRIPTIONS[name]} Source table {TABLES[name].name}.",
        )
        for name in TABLES
    )

    @property
    def overlap(self) -> timedelta:
        return DEFAULT_OVERLAP

    @cached_property
    def engine(self):
        return engine_for(self.settings.db_url)

    def check(self) -> None:
        self._check_retries = check_connection(self.engine)

    def read(self, lake: Lake, entity: str, window: Window) -> Iterator[IngestResult]:
        """The entity's days, landed; the first read after `check` counts the check's retries
        among its own (a lock met while checking was met by this run)."""
        self.entity(entity)
        results = ingest_table_days(
            self.engine,
            lake,
            entity,
            window.first,
            window.last,
            self.settings.pseudonymizer,
            self.settings.chunk_rows,
            now=window.now,
        )
        results[0].retries += self.__dict__.pop("_check_retries", 0)
        yield from results

    def fetch_limit(self, entity: str, window: Window, parsed: bool = False) -> float:
        """The query a read sends, streamed in the read's chunks, the rows dropped unread (the
        driver gives them decoded: parsed or not, the same)."""
        lo, hi = day_window(window.first)[0], day_window(window.last)[1]
        chunk = self.settings.chunk_rows
        started = time.monotonic()
        with self.engine.connect() as conn:
            result = conn.execution_options(stream_results=True, yield_per=chunk).execute(rows_query(entity, lo, hi))
            while result.fetchmany(chunk):
                pass
        return time.monotonic() - started

    def close(self) -> None:
        if "engine" in self.__dict__:
            self.engine.dispose()
            del self.__dict__["engine"]
