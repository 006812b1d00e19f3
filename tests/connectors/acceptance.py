"""What the connector acceptance suite (test_acceptance.py) needs of each source.

Per source: the entities a read lands, how to read the window, how to check the connection
and which settings make that check fail, what the stand-in holds for the window (the keys
a full read must land), and how an incremental read goes from a saved state: the cursor
field of each entity and how far before a state a read reaches back by design (the resume
overlap; Sharp Eyes re-reads a lookback because alarms change after their start time).

Every source in the registry is driven through its connector's contract, settings from the
environment, as `govhub ingest` runs it; what the suite knows of each stand-in is in
tests/connectors/<source>/stand_in.py.
"""

from __future__ import annotations

import importlib
import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import duckdb

from connectors.common.contract import Connector, Window
from connectors.common.ingest import IngestResult
from connectors.common.lake import Lake
from connectors.registry import SOURCES as SOURCES_REGISTRY
from sandbox.clock import SHANGHAI
from sandbox.serve import RunningSandbox, SandboxConfig, start_sandbox
from sandbox.world import DEFAULT_SEED

START, END = date(2026, 10, 1), date(2026, 10, 6)  # the tiny world's days, [START, END)
OPEN_DAY = date(2026, 10, 3)  # the day read "while it is still open" in the incremental tests
PSEUDONYM_KEY = "acceptance-suite-key-0123456789abcdef"
# small pages and chunks, so that every read pages (and offsets can drift)
SMALL_PAGES = {
    "GOVHUB_SMART_CITY_PAGE_SIZE": "20",
    "GOVHUB_SHARP_EYES_PAGE_SIZE": "50",
    "GOVHUB_SMART_PARKING_PAGE_SIZE": "100",
    "GOVHUB_CIVIL_AFFAIRS_CHUNK_ROWS": "100",
}


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), SHANGHAI)


def sandbox(
    faults: str | None = None,
    defects: bool = True,
    seed: int = DEFAULT_SEED,
    start: date = START,
    end: date = END,
    **stand_ins,
) -> RunningSandbox:
    """The tiny world's stand-ins; `stand_ins`: their own options (SandboxConfig), such as the
    database a register's stand-in is served from."""
    return start_sandbox(
        SandboxConfig(
            preset="tiny",
            seed=seed,
            start=start,
            end=end,
            faults=faults,
            pseudonym_key=PSEUDONYM_KEY,
            defects=defects,
            **stand_ins,
        )
    )


def landed(lake: Lake, source: str, entity: str, load_ids: list[str] | None = None) -> list[tuple]:
    """(record_key, record_updated_at, payload) of every landed row (of some loads only)."""
    files = lake.load_files(source, entity, load_ids) if load_ids is not None else None
    if files == [] or (files is None and not lake.entity_dir(source, entity).exists()):
        return []
    where = files if files is not None else lake.glob(source, entity)
    return duckdb.execute("select record_key, record_updated_at, payload from read_parquet(?)", [where]).fetchall()


def without_field(payload: str, field: str) -> str:
    """The payload without `field`, landed as itself or (a column the source's schema does
    not have) as its pseudonym and mask."""
    record = json.loads(payload)
    for name in (field, f"{field}_key", f"{field}_masked"):
        record.pop(name, None)
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


def payload_field(payload: str, field: str):
    return json.loads(payload).get(field)


def local_time(value: str) -> datetime:
    """An instant as the sources write it: ISO with a zone, or naive Asia/Shanghai."""
    t = datetime.fromisoformat(value.replace(" ", "T", 1))
    return t if t.tzinfo else t.replace(tzinfo=SHANGHAI)


@dataclass
class Source:
    """A registered connector (connectors/registry.py), driven as `govhub ingest` drives it,
    with what the suite knows of its stand-in (tests/connectors/<source>/stand_in.py:
    BAD_SETTINGS, truth, and HISTORY_FROM for a source read over its whole history)."""

    name: str

    @property
    def connector(self) -> type[Connector]:
        return SOURCES_REGISTRY[self.name]

    @property
    def stand_in(self):
        return importlib.import_module(f"tests.connectors.{self.name}.stand_in")

    @property
    def entities(self) -> tuple[str, ...]:
        return tuple(e.name for e in self.connector.entities)

    @property
    def cursor(self) -> dict[str, str]:
        """Entity read by a cursor -> the record field it goes by."""
        return {e.name: e.cursor for e in self.connector.entities if e.by_time}

    @property
    def overlap(self) -> timedelta:
        """How far before a saved state a read reaches back, by design (settings from the environment)."""
        return self.connector.from_env().overlap

    @property
    def bad_settings(self) -> dict[str, str]:
        return self.stand_in.BAD_SETTINGS

    @property
    def since(self) -> date:
        """The first day a full read covers."""
        return getattr(self.stand_in, "HISTORY_FROM", START)

    def truth(self, s: RunningSandbox) -> dict[str, set[str]]:
        return self.stand_in.truth(s)

    def check(self) -> None:
        with self.connector.from_env() as c:
            c.check()

    def save_state(self, lake: Lake, entity: str, t: datetime) -> None:
        self.connector.from_env().rewind(lake, entity, t)

    def read_open_day(self, lake: Lake, entity: str, now: datetime) -> list[IngestResult]:
        """OPEN_DAY up to `now`."""
        with self.connector.from_env() as c:
            return list(c.read(lake, entity, Window(OPEN_DAY, OPEN_DAY, now)))

    def read(self, lake: Lake, start: date | None = None, end: date = END) -> list[IngestResult]:
        """The connector's read of the whole window [start, end) (default the tiny world's;
        a source read over its history from its start), as `govhub ingest` runs it."""
        since = self.since if start is None or self.since < START else start
        with self.connector.from_env() as c:
            return list(c.land(lake, Window(since, end - timedelta(days=1))))


SOURCES = {name: Source(name) for name in SOURCES_REGISTRY}
