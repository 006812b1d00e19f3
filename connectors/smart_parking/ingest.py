"""Landing Smart Parking data by day of update, plates pseudonymized before landing.

The lot list is reference data, landed whole (``ingest_lots``). Sessions and violations
are partitioned by the Asia/Shanghai day of their ``updated_at``: the partition of day D is read with ``updated_since = D 00:00:00`` and the
cursor pages until a record updated on D+1 shows up (results come in update order). A
closed day is read whole again when re-materialized; an open one resumes from its cursor
minus the overlap (see ``connectors.common.ingest.resume_window``).

Plate numbers are personal data: ``plate_number`` is replaced, before anything is landed,
by ``plate_key`` (keyed pseudonym, the same in every source) and ``plate_masked``
(豫B·***45). The raw plate is not kept.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

from connectors.common.ingest import (
    SHANGHAI,
    IngestResult,
    Page,
    land_snapshot,
    mark_done,
    raw_batches,
    resume_window,
)
from connectors.common.lake import Lake, LandingStats, new_load_id
from connectors.common.personal import Pseudonymizer, mask_plate
from connectors.smart_parking.client import SmartParkingClient

SOURCE = "smart_parking"
KEYS = {"lots": "lot_id", "sessions": "session_id", "violations": "violation_id"}
DAILY = ("sessions", "violations")  # collections landed by day of update
DEFAULT_OVERLAP = timedelta(minutes=30)
LOCAL_FORMAT = "%Y-%m-%d %H:%M:%S"


def pseudonymize_plates(items: list[dict], pseudo: Pseudonymizer) -> list[dict]:
    """Items as decoded from a page, each ``plate_number`` replaced in place by ``plate_key``
    and ``plate_masked`` (after the item's other fields), a page's plates at a time."""
    having = [i for i in items if "plate_number" in i]
    plates = [i.pop("plate_number") for i in having]
    for item, key, masked in zip(having, pseudo.keys("plate", plates), map(mask_plate, plates), strict=True):
        item["plate_key"] = key
        item["plate_masked"] = masked
    return items


def pseudonymize(item: dict, pseudo: Pseudonymizer) -> dict:
    """One item through `pseudonymize_plates`, the item itself left as it was."""
    return pseudonymize_plates([dict(item)], pseudo)[0]


def _parse_local(value) -> datetime | None:
    try:
        return datetime.strptime(value, LOCAL_FORMAT).replace(tzinfo=SHANGHAI)
    except (TypeError, ValueError):
        return None


def _within(pages: Iterator[Page], end: datetime, pseudo: Pseudonymizer) -> Iterator[Page]:
    """Pages cut at the first record updated at or after `end`; plates pseudonymized.

    A time in the source's fixed-width form compares as text (no parsing per record); any
    other text is parsed, and what does not parse never cuts."""
    end_text = end.astimezone(SHANGHAI).strftime(LOCAL_FORMAT)
    width = len(end_text)
    for page in pages:
        times = [i.get("updated_at") for i in page.items]
        if all(type(t) is str and len(t) == width and t[10:11] == " " for t in times) and (
            not times or max(times) < end_text
        ):  # the whole page before the end (the common case), seen at once
            yield Page(pseudonymize_plates(page.items, pseudo), page.cursor)
            continue
        items = []
        for item in page.items:
            t = item.get("updated_at")
            if isinstance(t, str) and len(t) == len(end_text) and t[10:11] == " ":
                cut = t >= end_text and _parse_local(t) is not None
            else:
                parsed = _parse_local(t)
                cut = parsed is not None and parsed >= end
            if cut:
                yield Page(pseudonymize_plates(items, pseudo), page.cursor)
                return
            items.append(item)
        yield Page(pseudonymize_plates(items, pseudo), page.cursor)


def ingest_lots(client: SmartParkingClient, lake: Lake, today: date | None = None) -> IngestResult:
    """The lot list is reference data: landed whole on each run."""
    return land_snapshot(
        lake,
        SOURCE,
        "lots",
        client.pages("lots", "1970-01-01 00:00:00"),
        KEYS["lots"],
        today,
        retries_of=lambda: client.http.retries,
    )


def ingest_day(
    client: SmartParkingClient,
    lake: Lake,
    collection: str,
    day: date,
    pseudo: Pseudonymizer,
    now: datetime | None = None,
    overlap: timedelta = DEFAULT_OVERLAP,
) -> IngestResult:
    now = now or datetime.now(SHANGHAI)
    fetch_start, fetch_end = resume_window(lake, SOURCE, collection, day, now, overlap)
    load_id = new_load_id()
    stats = LandingStats()
    before = client.http.retries
    records = []
    if fetch_start < fetch_end:
        pages = _within(client.pages(collection, fetch_start.strftime(LOCAL_FORMAT)), fetch_end, pseudo)
        records = raw_batches(pages, KEYS[collection], "updated_at", stats)
    lake.land(SOURCE, collection, day.isoformat(), load_id, records, datetime.now(UTC), stats=stats)
    mark_done(lake, SOURCE, collection, {day: fetch_end})
    return IngestResult(
        collection,
        day.isoformat(),
        load_id,
        stats.records,
        stats.pages,
        stats.files,
        (fetch_start.isoformat(), fetch_end.isoformat()),
        client.http.retries - before,
    )
