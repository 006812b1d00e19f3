"""The landing loop every connector shares: pages in, raw records out, stats counted."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from connectors.common.failpoints import failpoint
from connectors.common.lake import Lake, LandingStats, RawBatch, new_load_id
from connectors.common.timezone import SHANGHAI


@dataclass
class Page:
    items: list[dict]
    cursor: dict  # the request that returned it


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
    rejected: str | None = None  # a file refused as a whole: why
    extra_columns: list[str] = field(default_factory=list)  # fields the source sent that are not known
    not_offered: bool = False  # the source has no such entity (a plain server without a list): nothing landed


def day_window(day: date) -> tuple[datetime, datetime]:
    """[00:00, 24:00) of a day in Asia/Shanghai."""
    start = datetime.combine(day, time(0), SHANGHAI)
    return start, start + timedelta(days=1)


def split_window(start: datetime, end: datetime, longest: timedelta) -> list[tuple[datetime, datetime]]:
    """[start, end) cut into consecutive windows no longer than `longest`."""
    out = []
    while start < end:
        out.append((start, min(end, start + longest)))
        start = out[-1][1]
    return out


def page_cursor(page: Page) -> str:
    return json.dumps(page.cursor, ensure_ascii=False, sort_keys=True)


def raw_batches(
    pages: Iterable[Page], key_field: str, updated_field: str | None, stats: LandingStats
) -> Iterator[RawBatch]:
    """Each page as a batch of raw records (its request as their cursor), the pages counted
    in `stats`."""
    for page in pages:
        failpoint("page")
        stats.pages += 1
        yield RawBatch.of(page.items, key_field, updated_field, page_cursor(page))


def land_snapshot(
    lake: Lake,
    source: str,
    entity: str,
    pages: Iterable[Page],
    key_field: str,
    today: date | None = None,
    retries_of=None,
) -> IngestResult:
    """Land a whole list (reference data) as one load in today's partition."""
    today = today or datetime.now(SHANGHAI).date()
    load_id = new_load_id()
    stats = LandingStats()
    before = retries_of() if retries_of else 0
    lake.land(
        source,
        entity,
        today.isoformat(),
        load_id,
        raw_batches(pages, key_field, None, stats),
        datetime.now(UTC),
        stats=stats,
    )
    return IngestResult(
        entity,
        today.isoformat(),
        load_id,
        stats.records,
        stats.pages,
        stats.files,
        retries=(retries_of() if retries_of else 0) - before,
    )


def resume_window(
    lake: Lake, source: str, entity: str, day: date, now: datetime, overlap: timedelta
) -> tuple[datetime, datetime]:
    """The part of `day` to fetch now: all of it, or for a day still open (today) from its
    cursor minus the overlap, so late-committed updates near the cursor are not missed."""
    window_start, window_end = day_window(day)
    fetch_start = window_start
    done_until = lake.read_state(source, entity).get("partitions", {}).get(day.isoformat())
    if done_until is not None:
        done = datetime.fromisoformat(done_until)
        if done < window_end:
            fetch_start = max(window_start, done - overlap)
    return fetch_start, min(window_end, now)


def mark_done(lake: Lake, source: str, entity: str, done: dict[date, datetime]) -> None:
    """Move the cursors of days ({day: landed until}): call only after every batch they
    cover is landed. One write for all the days."""
    state = lake.read_state(source, entity)
    partitions = state.setdefault("partitions", {})
    for day, until in done.items():
        partitions[day.isoformat()] = until.isoformat()
    lake.write_state(source, entity, state)
