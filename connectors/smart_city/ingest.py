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

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

from connectors.common.ingest import (
    SHANGHAI,
    IngestResult,
    Page,
    day_window,
    land_snapshot,
    mark_done,
    raw_batches,
    resume_window,
)
from connectors.common.lake import Lake, LandingStats, RecentVersions, new_load_id
from connectors.common.personal import Pseudonymizer, protect, scrub_text
from connectors.smart_city.client import Open311Client

SOURCE = "smart_city"
EVENT_ENTITY = "service_requests"
# Reference lists landed whole, with the field that keys their records.
REFERENCE_ENTITIES = {
    "services": "service_code",
    "grids": "id",
    "staff": "staff_id",
    "departments": "department_code",
}
DEFAULT_OVERLAP = timedelta(minutes=30)
# Grid staff are people too: their names and phones become pseudonyms and masked forms
# before landing, like residents'. Staging shows the masked name; the phone is not used.
STAFF_PERSONAL = {"name": "name", "phone": "phone"}
# Free text of an event, where reporters and handlers type phone or ID numbers: scrubbed
# before landing (connectors.common.personal.scrub_text), as is each lifecycle step's note.
FREE_TEXT = ("description", "status_notes")


def scrub_requests(items: list) -> list:
    """Open311 requests as decoded from a page, their free text scrubbed of personal data in
    place (the page's own objects: nothing else holds them)."""
    for item in items:
        if type(item) is not dict:
            continue
        for k in FREE_TEXT:
            if k in item:
                item[k] = scrub_text(item[k])
        ext = item.get("extended_attributes")
        if type(ext) is dict and type(steps := ext.get("lifecycle")) is list:
            for step in steps:
                if type(step) is dict and "note" in step:
                    step["note"] = scrub_text(step["note"])
    return items


def ingest_service_requests(
    client: Open311Client, lake: Lake, day: date, now: datetime | None = None, overlap: timedelta = DEFAULT_OVERLAP
) -> IngestResult:
    """Land the events updated on `day` (Asia/Shanghai) and advance that day's cursor. A day
    still open resumes from its cursor minus the overlap; of what the overlap reads again,
    only the versions not landed yet are landed (RecentVersions)."""
    now = now or datetime.now(SHANGHAI)
    partition = day.isoformat()
    fetch_start, fetch_end = resume_window(lake, SOURCE, EVENT_ENTITY, day, now, overlap)
    resumed = fetch_start > day_window(day)[0]
    recent = RecentVersions(lake, SOURCE, EVENT_ENTITY)
    load_id = new_load_id()
    fetched_at = datetime.now(UTC)
    stats = LandingStats()
    retries_before = client.http.retries
    still_open = resumed or fetch_end < day_window(day)[1]  # the next read goes over its end again
    batches = []
    if fetch_start < fetch_end:
        pages = (Page(scrub_requests(p.items), p.cursor) for p in client.request_pages(fetch_start, fetch_end))
        batches = (
            recent.changed(b, b.updated, skip=resumed, remember=still_open)
            for b in raw_batches(pages, "service_request_id", "updated_datetime", stats)
        )
    lake.land(SOURCE, EVENT_ENTITY, partition, load_id, batches, fetched_at, stats=stats)
    if still_open:
        recent.save(keep_from=fetch_end - overlap)
    # Only now that every batch of the window is landed does the cursor move.
    mark_done(lake, SOURCE, EVENT_ENTITY, {day: fetch_end})
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


def ingest_reference(
    client: Open311Client, lake: Lake, entity: str, pseudo: Pseudonymizer, today: date | None = None
) -> IngestResult:
    """Land a whole snapshot of a reference list (services, grids, staff, departments);
    staff with their personal data pseudonymized. A list the server does not have lands
    nothing (an empty snapshot would say that every record left the list)."""
    if entity not in REFERENCE_ENTITIES:
        raise ValueError(f"unknown Smart City reference entity {entity!r}")
    key = REFERENCE_ENTITIES[entity]
    before = client.http.retries  # asking whether the server has the list is part of the read
    if entity != "services" and not client.offers(entity):  # a list the server lacks is not landed
        day = (today or datetime.now(SHANGHAI).date()).isoformat()
        return IngestResult(entity, day, "", 0, 0, 0, retries=client.http.retries - before, not_offered=True)
    pages: Iterator[Page] = iter([client.services()]) if entity == "services" else client.reference_pages(entity, key)
    if entity == "staff":
        pages = (Page([protect(i, pseudo, STAFF_PERSONAL) for i in p.items], p.cursor) for p in pages)
    result = land_snapshot(lake, SOURCE, entity, pages, key, today)
    result.retries = client.http.retries - before
    return result
