"""What the connector acceptance suite (test_acceptance.py) needs of each source.

Per source: the entities a read lands, how to read the window, how to check the connection
and which settings make that check fail, what the stand-in holds for the window (the keys
a full read must land), and how an incremental read goes from a saved state: the cursor
field of each entity and how far before a state a read reaches back by design (the resume
overlap; Sharp Eyes re-reads a lookback because alarms change after their start time).

Everything goes through the connectors' own entry points with settings from the
environment, as `govhub ingest` runs them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import duckdb
import sqlalchemy as sa

from connectors.civil_affairs.ingest import DEFAULT_OVERLAP as CIVIL_AFFAIRS_OVERLAP
from connectors.common.ingest import IngestResult, mark_done
from connectors.common.lake import Lake
from connectors.sharp_eyes.settings import SharpEyesSettings
from connectors.smart_city.ingest import DEFAULT_OVERLAP as SMART_CITY_OVERLAP
from connectors.smart_parking.ingest import DEFAULT_OVERLAP as SMART_PARKING_OVERLAP
from govhub.cli import INGESTERS
from sandbox.clock import SHANGHAI
from sandbox.serve import RunningSandbox, SandboxConfig, start_sandbox
from sandbox.world import DEFAULT_SEED

START, END = date(2026, 10, 1), date(2026, 10, 6)  # the tiny world's days, [START, END)
OPEN_DAY = date(2026, 10, 3)  # the day read "while it is still open" in the incremental tests
PSEUDONYM_KEY = "acceptance-suite-key-0123456789abcdef"
REGISTER_START = date(2024, 1, 1)  # civil affairs is read whole: the register's history since then
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
    civil_affairs_url: str | None = None,
    defects: bool = True,
    seed: int = DEFAULT_SEED,
    start: date = START,
    end: date = END,
) -> RunningSandbox:
    return start_sandbox(
        SandboxConfig(
            preset="tiny",
            seed=seed,
            start=start,
            end=end,
            faults=faults,
            civil_affairs_url=civil_affairs_url,
            pseudonym_key=PSEUDONYM_KEY,
            defects=defects,
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
    name: str
    entities: tuple[str, ...]
    cursor: dict[str, str]  # entity read by a cursor -> the payload field it goes by
    overlap: timedelta  # how far before a saved state a read reaches back, by design
    bad_settings: dict[str, str]  # settings under which the connection check must fail
    check: Callable[[], None]  # the connection check, settings from the environment
    truth: Callable[[RunningSandbox], dict[str, set[str]]]  # entity -> keys the stand-in holds
    save_state: Callable[[Lake, str, datetime], None]  # the cursor of OPEN_DAY of an entity, at t
    read_open_day: Callable[[Lake, str, datetime], list[IngestResult]]  # OPEN_DAY up to `now`
    since: date = START  # the first day a full read covers

    def read(self, lake: Lake, start: date | None = None, end: date = END) -> list[IngestResult]:
        """The connector's read of the whole window [start, end) (default the tiny world's;
        civil affairs from the register's start), as `govhub ingest` runs it."""
        results: list[IngestResult] = []
        since = self.since if start is None or self.since < START else start
        INGESTERS[self.name](lake, since, end - timedelta(days=1), lambda _entity, r: results.append(r))
        return results


# --- Smart City ---------------------------------------------------------------------------
def _smart_city_check():
    from connectors.smart_city import SmartCitySettings

    SmartCitySettings.from_env().client().check_connection()


def _smart_city_truth(s: RunningSandbox) -> dict[str, set[str]]:
    stand_in = s.stand_ins["smart_city"]
    world = stand_in.world
    clock = s.config.clock.now()
    return {
        "service_requests": {e.request_id for e, _ in stand_in.events.updated_between(at(START, 0), at(END, 0), clock)},
        "services": {t.code for t in world.taxonomy},
        "grids": {g.code for g in world.grids},
        "staff": {p.staff_id for p in world.staff},
        "departments": {d.code for d in world.departments},
    }


def _smart_city_open_day(lake: Lake, entity: str, now: datetime) -> list[IngestResult]:
    from connectors.smart_city import SmartCitySettings, ingest_service_requests

    settings = SmartCitySettings.from_env()
    return [ingest_service_requests(settings.client(), lake, OPEN_DAY, now=now, overlap=settings.overlap)]


# --- Sharp Eyes ---------------------------------------------------------------------------
def _sharp_eyes_check():
    from connectors.sharp_eyes import SharpEyesSettings

    SharpEyesSettings.from_env().client().check_connection()


def _sharp_eyes_truth(s: RunningSandbox) -> dict[str, set[str]]:
    from connectors.sharp_eyes import SharpEyesSettings

    alarms = s.stand_ins["sharp_eyes"].alarms
    lo, hi = at(START, 0) - SharpEyesSettings.from_env().lookback, at(END, 0)
    return {
        "cameras": {c.index_code for c in alarms.cameras},
        "events": {a.alarm_id for a in alarms.alarms if lo <= a.start < hi},
        "handling_records": {a.alarm_id for a in alarms.alarms if a.pushed_at and lo <= a.pushed_at < hi},
    }


def _sharp_eyes_state(lake: Lake, entity: str, t: datetime) -> None:
    lake.write_state("sharp_eyes", entity, {"fetched_until": t.isoformat()})


def _sharp_eyes_open_day(lake: Lake, entity: str, now: datetime) -> list[IngestResult]:
    from connectors.sharp_eyes import SharpEyesSettings, ingest_days

    settings = SharpEyesSettings.from_env()
    return ingest_days(settings.client(), lake, entity, OPEN_DAY, OPEN_DAY, settings.lookback, now=now)


# --- Smart Parking ------------------------------------------------------------------------
def _smart_parking_check():
    from connectors.smart_parking import SmartParkingSettings

    SmartParkingSettings.from_env().client().check_connection()


def _smart_parking_truth(s: RunningSandbox) -> dict[str, set[str]]:
    data = s.stand_ins["smart_parking"].data
    clock = s.config.clock.now()
    out = {"lots": set(data.truth("lots", clock))}
    for collection in ("sessions", "violations"):
        out[collection] = {
            k
            for k, r in data.truth(collection, clock).items()
            if at(START, 0) <= local_time(r["updated_at"]) < at(END, 0)
        }
    return out


def _smart_parking_open_day(lake: Lake, entity: str, now: datetime) -> list[IngestResult]:
    from connectors.smart_parking import SmartParkingSettings, ingest_day

    settings = SmartParkingSettings.from_env()
    return [ingest_day(settings.client(), lake, entity, OPEN_DAY, settings.pseudonymizer, now=now)]


# --- Civil affairs ------------------------------------------------------------------------
def _civil_affairs_check():
    from connectors.civil_affairs import CivilAffairsSettings, check_connection, engine_for

    engine = engine_for(CivilAffairsSettings.from_env().db_url)
    try:
        check_connection(engine)
    finally:
        engine.dispose()


def _civil_affairs_truth(s: RunningSandbox) -> dict[str, set[str]]:
    from connectors.civil_affairs.schema import PRIMARY_KEYS, TABLES

    url = s.config.civil_affairs_url or s.civil_affairs_url  # the database itself, not a proxy
    engine = sa.create_engine(url)
    lo, hi = datetime.combine(REGISTER_START, time(0)), datetime.combine(END, time(0))
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


def _civil_affairs_open_day(lake: Lake, entity: str, now: datetime) -> list[IngestResult]:
    from connectors.civil_affairs import CivilAffairsSettings, engine_for, ingest_table_days

    settings = CivilAffairsSettings.from_env()
    engine = engine_for(settings.db_url)
    try:
        return ingest_table_days(
            engine, lake, entity, OPEN_DAY, OPEN_DAY, settings.pseudonymizer, settings.chunk_rows, now=now
        )
    finally:
        engine.dispose()


# --- Petitions ----------------------------------------------------------------------------
def _petitions_check():
    from connectors.petitions import PetitionsSettings

    PetitionsSettings.from_env()


def _petitions_truth(s: RunningSandbox) -> dict[str, set[str]]:
    return {"cases": set(s.stand_ins["petitions"].truth(s.petitions_until))}


def _day_cursor(source: str):
    def save(lake: Lake, entity: str, t: datetime) -> None:
        mark_done(lake, source, entity, {OPEN_DAY: t})

    return save


def _no_cursor(*_args):
    raise AssertionError("this source is read by file, not by a cursor")


SOURCES = {
    "smart_city": Source(
        "smart_city",
        ("service_requests", "services", "grids", "staff", "departments"),
        {"service_requests": "updated_datetime"},
        SMART_CITY_OVERLAP,
        {"GOVHUB_SMART_CITY_API_KEY": "not-the-key"},
        _smart_city_check,
        _smart_city_truth,
        _day_cursor("smart_city"),
        _smart_city_open_day,
    ),
    "sharp_eyes": Source(
        "sharp_eyes",
        ("cameras", "events", "handling_records"),
        {"events": "startTime", "handling_records": "pushTime"},
        SharpEyesSettings.lookback,  # the default lookback
        {"GOVHUB_SHARP_EYES_APP_SECRET": "not-the-secret"},
        _sharp_eyes_check,
        _sharp_eyes_truth,
        _sharp_eyes_state,
        _sharp_eyes_open_day,
    ),
    "smart_parking": Source(
        "smart_parking",
        ("lots", "sessions", "violations"),
        {"sessions": "updated_at", "violations": "updated_at"},
        SMART_PARKING_OVERLAP,
        {"GOVHUB_SMART_PARKING_CLIENT_SECRET": "not-the-secret"},
        _smart_parking_check,
        _smart_parking_truth,
        _day_cursor("smart_parking"),
        _smart_parking_open_day,
    ),
    "civil_affairs": Source(
        "civil_affairs",
        ("households", "recipients", "payments", "applications", "visits"),
        {t: "update_time" for t in ("households", "recipients", "payments", "applications", "visits")},
        CIVIL_AFFAIRS_OVERLAP,
        {"GOVHUB_CIVIL_AFFAIRS_DB_URL": "sqlite:////nonexistent/folder/civil_affairs.sqlite"},
        _civil_affairs_check,
        _civil_affairs_truth,
        _day_cursor("civil_affairs"),
        _civil_affairs_open_day,
        since=REGISTER_START,
    ),
    "petitions": Source(
        "petitions",
        ("cases",),
        {},
        timedelta(0),
        {"GOVHUB_PETITIONS_INBOX": "/nonexistent/petitions/inbox"},
        _petitions_check,
        _petitions_truth,
        _no_cursor,
        _no_cursor,
    ),
}
