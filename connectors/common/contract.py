"""The one interface every source implements, and what the rest of the platform loops over.

A source is a subclass of ``Connector`` in ``connectors/<source>/source.py``, listed once in
``connectors/registry.py``. It declares:

- ``name``: the slug used in every layer (lake folder, Dagster group, dbt models);
- ``settings_class``: its settings, read from ``GOVHUB_<SOURCE>_*`` by ``from_env``;
- ``entities``: what it lands, each with the field that keys its records, the field an
  incremental read goes by, and how the lake partitions it (``Entity``);
- ``cadence``: how often its partitioned entities are pulled (``NEAR_REAL_TIME`` with the
  warehouse, ``DAILY`` at 01:30, or ``ON_ARRIVAL`` when a file shows up); whole lists
  (``SNAPSHOT`` entities) are landed daily at 01:00;

and implements ``check()`` (reach the system, fail with one clear SourceError) and
``read(lake, entity, window)``, which lands the window's records batch by batch and yields
one ``IngestResult`` per batch landed. A batch's cursor moves only after it is in the lake,
so a read stopped anywhere resumes without loss or doubling.

The Dagster assets, jobs and schedules (orchestration/sources.py), the ``govhub ingest``
command, the connector acceptance suite and the benchmark are all generated from, or loop
over, the registry: none of them names a source.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import ClassVar

from connectors.common.ingest import SHANGHAI, IngestResult, mark_done
from connectors.common.lake import Lake

# how an entity is partitioned in the lake and in Dagster
DAY = "day"  # by the Asia/Shanghai day of its cursor field
MONTH = "month"  # landed by day, scheduled and backfilled by month
SNAPSHOT = "snapshot"  # a whole list, landed as a new load each time
FILE = "file"  # one load per file that arrives
PARTITIONINGS = (DAY, MONTH, SNAPSHOT, FILE)

# how often a source's partitioned entities are pulled
NEAR_REAL_TIME = "near_real_time"  # every few seconds, with the models they feed
DAILY = "daily"  # yesterday's partition (or month) at 01:30
ON_ARRIVAL = "on_arrival"  # a sensor sees a new file
CADENCES = (NEAR_REAL_TIME, DAILY, ON_ARRIVAL)


@dataclass(frozen=True)
class Entity:
    name: str
    key: str  # the record field that keys a record
    cursor: str | None  # the record field a read goes by (None: read whole, or by file)
    partitioning: str  # DAY, MONTH, SNAPSHOT or FILE
    description: str  # "中文 English", shown on the Dagster asset

    def __post_init__(self) -> None:
        if self.partitioning not in PARTITIONINGS:
            raise ValueError(f"entity {self.name}: partitioning must be one of {PARTITIONINGS}")
        if (self.cursor is None) != (self.partitioning in (SNAPSHOT, FILE)):
            raise ValueError(f"entity {self.name}: a cursor field exactly when it is read by time")

    @property
    def by_time(self) -> bool:
        return self.partitioning in (DAY, MONTH)


@dataclass(frozen=True)
class Window:
    """The Asia/Shanghai days [first, last] a read covers; `now` caps a day still open (None:
    the wall clock). A snapshot ignores it; a file source lands every file not landed yet."""

    first: date
    last: date
    now: datetime | None = None

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError(f"a window's last day {self.last} is before its first {self.first}")

    @classmethod
    def today(cls) -> Window:
        """Today in Asia/Shanghai: the window of a whole list, landed in today's partition."""
        day = datetime.now(SHANGHAI).date()
        return cls(day, day)

    def days(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range((self.last - self.first).days + 1)]


class Connector(ABC):
    """One source system. Subclasses set the class attributes and implement check and read."""

    name: ClassVar[str]
    title: ClassVar[str]  # "中文 English" name of the system
    settings_class: ClassVar[type]
    entities: ClassVar[tuple[Entity, ...]]
    cadence: ClassVar[str]
    # the entity the benchmark times against the source's fetch limit: its largest
    benchmark_entity: ClassVar[str]

    def __init__(self, settings) -> None:
        self.settings = settings

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Connector:
        return cls(cls.settings_class.from_env(env))

    @classmethod
    def entity(cls, name: str) -> Entity:
        for e in cls.entities:
            if e.name == name:
                return e
        raise ValueError(f"{cls.name} has no entity {name!r}; it has {', '.join(e.name for e in cls.entities)}")

    @classmethod
    def by_month(cls) -> bool:
        """Whether its entities read by time are scheduled and backfilled by month (a register
        with a long history and few daily changes) rather than by day; they share one."""
        kinds = {e.partitioning for e in cls.entities if e.by_time}
        if len(kinds) > 1:
            raise ValueError(f"{cls.name}: its entities read by time must share one partitioning, not {sorted(kinds)}")
        return kinds == {MONTH}

    @property
    def overlap(self) -> timedelta:
        """How far before a saved cursor a read reaches back by design: the resume overlap, or
        the lookback of a source whose records change after their cursor time."""
        return timedelta(0)

    @abstractmethod
    def check(self) -> None:
        """Reach the system and fail with one SourceError naming the problem (never a secret)."""

    @abstractmethod
    def read(self, lake: Lake, entity: str, window: Window) -> Iterator[IngestResult]:
        """Land `entity` for `window`, yielding each batch's result once it is landed."""

    def rewind(self, lake: Lake, entity: str, until: datetime) -> None:
        """Set `entity`'s cursor as if a read had landed the day of `until` up to it (the next
        read of that day resumes there, minus the overlap)."""
        mark_done(lake, self.name, entity, {until.astimezone(SHANGHAI).date(): until})

    def fetch_limit(self, entity: str, window: Window, parsed: bool = False) -> float | None:
        """Seconds to fetch what a read of `entity` over `window` fetches, nothing done with
        it (with `parsed`, decoded into Python values as the read decodes it, and nothing
        more): the ceilings the benchmark holds a read against. None: the benchmark replays
        the read's HTTP requests instead (what an HTTP source needs)."""
        return None

    def replayed_headers(self, method: str, url: str, headers: dict) -> dict:
        """The headers a recorded request is sent again with, by the benchmark's replay (a
        signed request is signed afresh: a nonce is good once)."""
        return headers

    def close(self) -> None:  # noqa: B027 - most connectors hold nothing to release
        """Release connections (a database pool, a session)."""

    def __enter__(self) -> Connector:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def check_lake(self, lake: Lake) -> None:
        """Before a read lands in `lake`: refuse a lake whose pseudonyms were made with other
        keys than this source's (Lake.check_pseudonym_keys), or one being rewritten."""
        pseudonymizer = getattr(self.settings, "pseudonymizer", None)
        lake.check_landing(None if pseudonymizer is None else pseudonymizer.key_ids)

    def land(self, lake: Lake, window: Window) -> Iterator[IngestResult]:
        """Every entity, whole lists first: what `govhub ingest` runs."""
        self.check()
        self.check_lake(lake)
        for e in sorted(self.entities, key=lambda e: e.by_time):
            yield from self.read(lake, e.name, window)


class HttpConnector(Connector):
    """A source read over HTTP: its settings make the client (``settings.client()``), which
    checks the connection (``check_connection()``)."""

    @cached_property
    def client(self):
        return self.settings.client()

    def check(self) -> None:
        self.client.check_connection()
