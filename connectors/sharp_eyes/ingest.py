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

import re
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

from connectors.common.failpoints import failpoint
from connectors.common.ingest import (
    SHANGHAI,
    IngestResult,
    day_window,
    land_snapshot,
    page_cursor,
    split_window,
)
from connectors.common.lake import Lake, LandingStats, RawBatch, RecentVersions, new_load_id
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


# A time as the gateway writes it, already in Beijing time: its day is its first ten characters.
_BEIJING_TIME = re.compile(r"\d{4}-\d\d-\d\dT(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d\+08:00")


@lru_cache(maxsize=4096)
def _is_day(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def local_days(values: list) -> list[str | None]:
    """`_local_day` of each value; the gateway's own form read without parsing."""
    match = _BEIJING_TIME.fullmatch
    return [v[:10] if type(v) is str and match(v) and _is_day(v[:10]) else _local_day(v) for v in values]


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
        still_open = hi < days_end or resumed  # the next read goes over the lookback again
        # each record lands on its own day; one without a readable time with the window's
        # first day, left for staging to quarantine
        first_day = lo.astimezone(SHANGHAI).date().isoformat()
        landed = LandingStats()
        with lake.landing(SOURCE, entity, load_id, fetched_at) as landing:
            for page in getattr(client, call)(lo, hi):
                failpoint("page")
                landed.pages += 1
                batch = RawBatch.of(page.items, key_field, None, page_cursor(page))
                times = [item.get(time_field) for item in page.items]
                days = local_days(times)
                by_day = defaultdict(list)
                for i in recent.kept(batch, times, skip=resumed, remember=still_open):
                    by_day[days[i] or first_day].append(i)
                for day, rows in by_day.items():
                    landing.add(day, batch if len(rows) == len(batch) else batch.take(rows))
            landing.add(first_day, [])
            for day in sorted(landing.days):
                rows, files = landing.finish(day)
                landed.records += rows
                landed.files += files
                landed.partitions.add(day)
        if still_open:
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
