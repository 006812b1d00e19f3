"""Bad records the stand-ins serve on purpose, and the truth of which ones they are.

The stand-ins mix a small, deterministic share of defective records (bad data, not transport
faults) into what they serve, so the warehouse's quarantine can be tested against a known
answer. Every defective record is still served in its normal place (its time window, cursor
position or export file); only the value of one field is bad.

Which records are defective is decided per batch of generated records (one day of an
entity, or the civil-affairs register) by a generator keyed by the world's seed, the entity
and the batch, apart from the generators that make the records themselves: a day's records
still depend only on the seed and the day, and a world served without defects is the same
world with those values good. The number per batch is the preset's ``defect_rate`` times the
batch's size (fractions decided by that generator), at least the preset's
``defects_at_least``; the kinds of an entity are dealt round-robin starting from the day, so
a few days of a small world show every kind.

Records that other records refer to are left clean (Sharp Eyes alarms pushed to a grid
worker, which have handling records and may become Smart City events; Smart City events
filed from alarms; recipients with payments), so links across systems stay intact. A record
carries at most one defect.
"""

from __future__ import annotations

import zlib
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sandbox.clock import SHANGHAI
from sandbox.world import World

# Every kind of defect the stand-ins produce: the machine-readable reason the warehouse
# reports it under, and what it means.
KINDS: dict[str, str] = {
    "outside_kaifeng": "coordinates far outside Kaifeng (a fixed spot in Zhengzhou, or 0,0 from a device without a fix)",
    "unparseable_time": "a time or date field holds text that is no time at all (未知, --, 不详)",
    "impossible_date": "a time in the source's usual shape that names no real moment (30 February, hour 25)",
    "missing_required_field": "a field the record cannot do without is null",
    "missing_record_key": "the record's own key is empty",
    "unknown_code": "a coded field holds a value outside its code set",
    "unmapped_code": "a well-formed code the platform has only just introduced and the warehouse has not mapped "
    "(kept and counted, not quarantined)",
    "out_of_range": "a number outside the range its field allows (a negative fee)",
    "invalid_id_check_digit": "an 18-character resident ID number whose GB 11643 check digit is wrong",
}

# The kinds each entity is given, dealt round-robin (entities as the connectors land them).
# invalid_id_check_digit is not dealt: ID numbers are drawn with a wrong check digit now and
# then as they are generated (sandbox.civil_affairs.data.id_number).
ENTITY_KINDS: dict[tuple[str, str], tuple[str, ...]] = {
    ("smart_city", "service_requests"): ("outside_kaifeng", "unparseable_time", "missing_required_field"),
    ("sharp_eyes", "events"): ("unknown_code", "impossible_date", "unmapped_code"),
    ("smart_parking", "sessions"): ("impossible_date", "out_of_range"),
    ("smart_parking", "violations"): ("outside_kaifeng",),
    ("civil_affairs", "recipients"): ("unknown_code",),
    ("petitions", "cases"): ("missing_record_key", "unparseable_time", "unknown_code"),
}


@dataclass(frozen=True)
class Defect:
    """One defective record as a connector lands it.

    `record_id` is the value landed as the record's key; where the defect is the missing key
    itself it is None and `locator` says where the record is (for petitions
    ``<file name>#<0-based data row, 6 digits>``). `field` is the source field holding the
    bad value.
    """

    source: str
    entity: str
    record_id: str | None
    kind: str
    field: str
    locator: str | None = None


def pick(world: World, source: str, entity: str, batch: date | str, total: int, eligible: Sequence[Hashable]) -> dict:
    """The defective records of one batch: {record: kind}.

    `total` is how many records the batch has; `eligible` the ones that may carry a defect
    (ids or positions, sortable). The choice depends only on the seed, the entity and the batch.
    """
    kinds = ENTITY_KINDS[(source, entity)]
    batch_key = batch.isoformat() if isinstance(batch, date) else batch
    rng = world.rng("defects", source, entity, batch_key)
    expected = total * world.preset.defect_rate
    n = int(expected) + (1 if rng.random() < expected - int(expected) else 0)
    n = min(max(n, world.preset.defects_at_least), len(eligible))
    chosen = sorted(rng.sample(sorted(eligible), n))
    first = batch.toordinal() if isinstance(batch, date) else 0
    return {record: kinds[(first + j) % len(kinds)] for j, record in enumerate(chosen)}


def impossible_local_time(t: datetime, record_id: str, sep: str = " ", suffix: str = "") -> str:
    """`t` in Asia/Shanghai, in a source's usual 'yyyy-MM-dd<sep>HH:mm:ss<suffix>' shape, made
    to name no real moment: the time of day on 30 February, or hour 25 of the real day (which
    of the two depends on the record)."""
    t = t.astimezone(SHANGHAI)
    if variant(record_id, 2) == 0:
        return f"{t.year}-02-30{sep}{t:%H:%M:%S}{suffix}"
    return f"{t:%Y-%m-%d}{sep}25:{t:%M:%S}{suffix}"


def variant(record_id: str, n: int) -> int:
    """Which of n forms of a defect a record shows (stable: a hash of its id)."""
    return zlib.crc32(record_id.encode("utf-8")) % n
