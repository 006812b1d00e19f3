"""Landing __source__ records in the raw lake by the Asia/Shanghai day of ``updated_at``.

A day already read whole is read whole again when asked for (a backfill refreshes); a day
still open resumes from its cursor minus the overlap. The cursor moves only once the day's
records have landed.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from connectors.__source__.client import __Source__Client
from connectors.common.ingest import SHANGHAI, IngestResult, mark_done, raw_batches, resume_window
from connectors.common.lake import Lake, LandingStats, new_load_id

SOURCE = "__source__"
ENTITY = "records"
DEFAULT_OVERLAP = timedelta(minutes=30)


def ingest_day(
    client: __Source__Client, lake: Lake, day: date, now: datetime | None = None, overlap: timedelta = DEFAULT_OVERLAP
) -> IngestResult:
    now = now or datetime.now(SHANGHAI)
    fetch_start, fetch_end = resume_window(lake, SOURCE, ENTITY, day, now, overlap)
    load_id = new_load_id()
    stats = LandingStats()
    before = client.http.retries
    records = []
    if fetch_start < fetch_end:
        records = raw_batches(client.pages(fetch_start, fetch_end), "id", "updated_at", stats)
    lake.land(SOURCE, ENTITY, day.isoformat(), load_id, records, datetime.now(UTC), stats=stats)
    mark_done(lake, SOURCE, ENTITY, {day: fetch_end})
    return IngestResult(
        ENTITY,
        day.isoformat(),
        load_id,
        stats.records,
        stats.pages,
        stats.files,
        (fetch_start.isoformat(), fetch_end.isoformat()),
        client.http.retries - before,
    )
