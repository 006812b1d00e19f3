"""Landing Smart City data in the raw lake: events by day of update, reference lists whole.

Events (``service_requests``) are partitioned by the Asia/Shanghai day of their
``updated_datetime``: the partition of day D holds every record version whose latest update,
when fetched, fell in D. A record updated again later lands again in a later partition, so
the raw lake keeps its versions and staging keeps one row per version.

Cursor state, per partition, is the end of the last window landed completely. A partition
whose window is complete is fetched whole again when it is re-materialized (a backfill
refreshes); one still open (today) resumes from its cursor minus the overlap, so late-
committed updates near the boundary are not missed (duplicates are harmless: staging keeps
one row per version).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone

from connectors.common.lake import Lake, LandingStats, RawRecord, new_load_id
from connectors.smart_city.client import Open311Client, Page

SOURCE = "smart_city"
SHANGHAI = timezone(timedelta(hours=8))
EVENT_ENTITY = "service_requests"
# Reference lists landed whole, with the field that keys their records.
REFERENCE_ENTITIES = {
    "services": "service_code",
    "grids": "id",
    "staff": "staff_id",
    "departments": "department_code",
}
DEFAULT_OVERLAP = timedelta(minutes=30)


@dataclass
class IngestResult:
    entity: str
    partition: str
    load_id: str
    records: int
    pages: int
    files: int
    window: tuple[str, str] | None = None
    retries: int = 0


def day_window(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), SHANGHAI)
    return start, start + timedelta(days=1)


def _records(
    pages: Iterator[Page], key_field: str, updated_field: str | None, stats: LandingStats
) -> Iterator[RawRecord]:
    for page in pages:
        stats.pages += 1
        cursor = json.dumps(page.cursor, ensure_ascii=False, sort_keys=True)
        for item in page.items:
            key = item.get(key_field)
            yield RawRecord(
                key=None if key is None else str(key),
                updated_at=item.get(updated_field) if updated_field else None,
                payload=json.dumps(item, ensure_ascii=False, separators=(",", ":")),
                cursor=cursor,
            )


def ingest_service_requests(
    client: Open311Client, lake: Lake, day: date, now: datetime | None = None, overlap: timedelta = DEFAULT_OVERLAP
) -> IngestResult:
    """Land the events updated on `day` (Asia/Shanghai) and advance that day's cursor."""
    now = now or datetime.now(SHANGHAI)
    window_start, window_end = day_window(day)
    fetch_end = min(window_end, now)
    state = lake.read_state(SOURCE, EVENT_ENTITY)
    partition = day.isoformat()
    done_until = state.get("partitions", {}).get(partition)
    fetch_start = window_start
    if done_until is not None:
        done = datetime.fromisoformat(done_until)
        if done < window_end:  # an open partition: resume from its cursor
            fetch_start = max(window_start, done - overlap)
    load_id = new_load_id()
    fetched_at = datetime.now(UTC)
    stats = LandingStats()
    retries_before = client.http.retries
    if fetch_start < fetch_end:
        pages = client.request_pages(fetch_start, fetch_end)
        lake.land(
            SOURCE,
            EVENT_ENTITY,
            partition,
            load_id,
            _records(pages, "service_request_id", "updated_datetime", stats),
            fetched_at,
            stats=stats,
        )
    else:
        lake.land(SOURCE, EVENT_ENTITY, partition, load_id, [], fetched_at, stats=stats)
    # Only now that every batch of the window is landed does the cursor move.
    state = lake.read_state(SOURCE, EVENT_ENTITY)
    state.setdefault("partitions", {})[partition] = fetch_end.isoformat()
    lake.write_state(SOURCE, EVENT_ENTITY, state)
    return IngestResult(
        EVENT_ENTITY,
        partition,
        load_id,
        stats.records,
        stats.pages,
        stats.files,
        (fetch_start.isoformat(), fetch_end.isoformat()),
        client.http.retries - retries_before,
    )


def ingest_reference(client: Open311Client, lake: Lake, entity: str, today: date | None = None) -> IngestResult:
    """Land a whole snapshot of a reference list (services, grids, staff, departments)."""
    if entity not in REFERENCE_ENTITIES:
        raise ValueError(f"unknown Smart City reference entity {entity!r}")
    today = today or datetime.now(SHANGHAI).date()
    load_id = new_load_id()
    fetched_at = datetime.now(UTC)
    stats = LandingStats()
    retries_before = client.http.retries
    if entity == "services":
        pages: Iterator[Page] = iter([client.services()])
    else:
        pages = client.reference_pages(entity)
    lake.land(
        SOURCE,
        entity,
        today.isoformat(),
        load_id,
        _records(pages, REFERENCE_ENTITIES[entity], None, stats),
        fetched_at,
        stats=stats,
    )
    return IngestResult(
        entity,
        today.isoformat(),
        load_id,
        stats.records,
        stats.pages,
        stats.files,
        retries=client.http.retries - retries_before,
    )
