"""Landing Sharp Eyes data: cameras whole; alarms and handling records by day.

Alarms and handling records change after they start (handleStatus, arrival, result), and
the API selects by start (or push) time only. So a run over days [first, last] re-reads
from ``first - lookback`` and lands every record in the partition of its own day
(Asia/Shanghai day of ``startTime`` / ``pushTime``); the raw lake is append-only and
staging keeps one row per distinct version. The cursor (``fetched_until``) moves after
each window is landed; a run whose days are still open (today) resumes from it, minus the
lookback, where a run over past days reads them whole again.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

from connectors.common.failpoints import failpoint
from connectors.common.ingest import (
    SHANGHAI,
    IngestResult,
    day_window,
    land_snapshot,
    page_cursor,
    raw_record,
    split_window,
)
from connectors.common.lake import Lake, LandingStats, RecentVersions, new_load_id
from connectors.sharp_eyes.client import MAX_WINDOW, ArtemisClient

SOURCE = "sharp_eyes"
CAMERAS = "cameras"
# windowed entities: (the client call, the key field, the time field that picks the day)
WINDOWED = {
    "events": ("events", "id", "startTime"),
    "handling_records": ("handling", "eventId", "pushTime"),
}


def ingest_cameras(client: ArtemisClient, lake: Lake, today: date | None = None) -> IngestResult:
    return land_snapshot(
        lake, SOURCE, CAMERAS, client.cameras(), "cameraIndexCode", today, retries_of=lambda: client.http.retries
    )


def _local_day(value: str | None) -> str | None:
    try:
        return datetime.fromisoformat(value).astimezone(SHANGHAI).date().isoformat()
    except (TypeError, ValueError):
        return None


def ingest_days(
    client: ArtemisClient,
    lake: Lake,
    entity: str,
    first: date,
    last: date,
    lookback: timedelta = timedelta(hours=48),
    now: datetime | None = None,
) -> list[IngestResult]:
    """Land `entity` for days [first, last] plus the lookback before them."""
    call, key_field, time_field = WINDOWED[entity]
    now = now or datetime.now(SHANGHAI)
    resume, days_end = day_window(first)[0], day_window(last)[1]
    cursor = lake.read_state(SOURCE, entity).get("fetched_until")
    resumed = bool(cursor) and resume < datetime.fromisoformat(cursor) < days_end
    if resumed:
        resume = datetime.fromisoformat(cursor)
    start = resume - lookback
    end = min(days_end, now)
    # a resumed read goes over the lookback again: only the versions not landed yet land
    recent = RecentVersions(lake, SOURCE, entity)
    results = []
    for lo, hi in split_window(start, end, MAX_WINDOW):
        load_id = new_load_id()
        fetched_at = datetime.now(UTC)
        before = client.http.retries
        pages = 0
        by_day = defaultdict(list)
        unparsable = []
        for page in getattr(client, call)(lo, hi):
            failpoint("page")
            pages += 1
            cursor = page_cursor(page)
            records = [raw_record(item, key_field, None, cursor) for item in page.items]
            times = {id(r): item.get(time_field) for r, item in zip(records, page.items, strict=True)}
            records = list(recent.changed(records, lambda r, t=times: t[id(r)], skip=resumed))
            for r in records:
                # the record's own day; one without a readable time is landed with the
                # window's first day and is left for staging to quarantine
                day = _local_day(times[id(r)])
                (by_day[day] if day else unparsable).append(r)
        first_day = lo.astimezone(SHANGHAI).date().isoformat()
        by_day[first_day].extend(unparsable)
        landed = LandingStats(pages=pages)
        for day in sorted(by_day):
            lake.land(SOURCE, entity, day, load_id, by_day[day], fetched_at, stats=landed)
        if hi < days_end or resumed:  # days still open: the next read goes over the lookback again
            recent.save(keep_from=hi - lookback)
        state = lake.read_state(SOURCE, entity)
        state["fetched_until"] = max(state.get("fetched_until", ""), hi.isoformat())
        lake.write_state(SOURCE, entity, state)
        results.append(
            IngestResult(
                entity,
                ",".join(sorted(landed.partitions)),
                load_id,
                landed.records,
                landed.pages,
                landed.files,
                (lo.isoformat(), hi.isoformat()),
                client.http.retries - before,
            )
        )
    return results
