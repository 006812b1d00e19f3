"""Faults the stand-ins inject on demand, so the connectors can be shown to survive them.

A *profile* gives each fault a rate; ``chaos`` turns every fault on at once, ``flaky`` a
little of the network's, and each fault's own name is a profile of that fault alone, often.
Profiles are chosen for all sources or per source: ``--faults chaos``, ``--faults flaky``,
or ``--faults smart_city=chaos,sharp_eyes=envelope_error`` (sources not named get none).

Every decision is deterministic for a seed: it hashes the seed, the source, the fault and
the request (method, path, query and body, without credentials, nonces or timestamps)
with how many times that same request has been served. So the same run meets the same
faults, and a retry of a request is a new draw. A request that met faults
``MAX_CONSECUTIVE`` times in a row is answered cleanly next: a connector with bounded
retries always gets through, and what a profile tests is that it does so without losing
or doubling a record.

Which faults a stand-in can inject depends on its protocol (``APPLIES``). What each stand-
in injected is counted (``FaultPlan.counts``) for the run's report.
"""

from __future__ import annotations

import hashlib
import threading
from collections import Counter
from dataclasses import dataclass, field

# fault -> what the connector meets
FAULTS = {
    "http_429": "HTTP 429 Too Many Requests with a Retry-After header",
    "http_5xx": "HTTP 500, 502 or 503",
    "timeout": "the answer stalls past the client's timeout",
    "dropped_connection": "the connection drops in the middle of the body",
    "truncated_json": "HTTP 200 with its JSON body cut short",
    "invalid_json": "HTTP 200 with a body that is not JSON (a proxy's HTML error page)",
    "envelope_error": 'Artemis: HTTP 200 with an envelope code other than "0" (system busy)',
    "signature_rejected": "Artemis: a correctly signed call refused with 401",
    "token_expired": "OAuth2: the bearer token revoked in the middle of a run (401)",
    "offset_drift": "records committed before the current offset while a list is paged",
    "duplicate_across_pages": "the last record of a page served again at the top of the next",
    "connection_lost": "the database server ends the reader's connection in the middle of a stream",
    "database_locked": "the SQLite register's owner holds the file locked, past the reader's busy timeout",
    "file_in_progress": "an export file still being written: its rows, then its .done marker, come late",
    "bad_files": "extra export files that are empty, in the wrong encoding, missing a column or with an extra one",
}
# What a hostile or misconfigured peer answers: the connector must not follow it, must not
# hand it a credential, and must stop reading it; not faults a connector gets through (the
# acceptance suite's hostile cases, never in a profile of several faults), but the trickle,
# retried once, is.
HOSTILE = {
    "redirect_elsewhere": "a redirect to another server, which collects what it is sent",
    "redirect_scheme": "a redirect to a file:// address",
    "redirect_loop": "redirects that lead back to where they started",
    "endless_body": "HTTP 200 with a body that never ends",
    "trickled_body": "HTTP 200 with the first answer's body trickled a byte at a time",
}
FAULTS.update(HOSTILE)
TRANSPORT = ("http_429", "http_5xx", "timeout", "dropped_connection", "truncated_json", "invalid_json")
APPLIES = {
    "smart_city": {*TRANSPORT, "offset_drift", "duplicate_across_pages"},
    "sharp_eyes": {*TRANSPORT, "envelope_error", "signature_rejected", "offset_drift", "duplicate_across_pages"},
    "smart_parking": {*TRANSPORT, "token_expired", "duplicate_across_pages"},
    "civil_affairs": {"connection_lost", "database_locked"},
    "petitions": {"file_in_progress", "bad_files"},
}
SOURCES = tuple(APPLIES)
HOSTILE_APPLIES = {s: set(HOSTILE) for s in ("smart_city", "sharp_eyes", "smart_parking")}

# Rates: per request (transport and protocol faults, drawn for every serving), per page
# (duplicate_across_pages), per list (offset_drift) or per run (the rest, 1.0: always).
ONCE = ("offset_drift", "connection_lost", "database_locked", "file_in_progress", "bad_files")
PROFILES: dict[str, dict[str, float]] = {
    "none": {},
    "flaky": {"http_429": 0.03, "http_5xx": 0.03, "timeout": 0.01, "dropped_connection": 0.02},
    "chaos": {
        "http_429": 0.06,
        "http_5xx": 0.06,
        "timeout": 0.03,
        "dropped_connection": 0.05,
        "truncated_json": 0.05,
        "invalid_json": 0.04,
        "envelope_error": 0.06,
        "signature_rejected": 0.05,
        "token_expired": 0.06,
        "offset_drift": 0.6,
        "duplicate_across_pages": 0.15,
        "connection_lost": 1.0,
        "database_locked": 1.0,
        "file_in_progress": 1.0,
        "bad_files": 1.0,
    },
}
# One profile per fault, alone and often (for a connector's tests of that fault): a fault
# name is also a profile.
PROFILES.update({f: {f: 1.0 if f in ONCE or f in HOSTILE else 0.4} for f in FAULTS})
MAX_CONSECUTIVE = 2
STALL_SECONDS = 4.0  # a stalled answer waits this long; the client gives up sooner
CLIENT_TIMEOUT_SECONDS = 2.0  # the client timeout the sandbox advertises when stalls are on
RETRY_AFTER_SECONDS = "1"


def parse_faults(spec: str | None) -> dict[str, str]:
    """`chaos` -> every source chaos; `smart_city=chaos,petitions=flaky` -> those; None -> none."""
    if not spec or spec == "none":
        return {}
    spec = spec.strip()
    if "=" not in spec:
        if spec not in PROFILES:
            raise ValueError(f"unknown fault profile {spec!r}: one of {', '.join(PROFILES)}")
        return dict.fromkeys(SOURCES, spec)
    out = {}
    for part in spec.split(","):
        source, _, profile = part.partition("=")
        source, profile = source.strip(), profile.strip()
        if source not in APPLIES:
            raise ValueError(f"unknown source {source!r} in --faults: one of {', '.join(SOURCES)}")
        if profile not in PROFILES:
            raise ValueError(f"unknown fault profile {profile!r} for {source}: one of {', '.join(PROFILES)}")
        out[source] = profile
    return out


def _unit(*parts: object) -> float:
    """A number in [0, 1) from the parts, the same every run."""
    h = hashlib.sha256("\x1f".join(map(str, parts)).encode("utf-8")).digest()
    return int.from_bytes(h[:8], "big") / 2**64


@dataclass
class FaultPlan:
    """The faults one stand-in injects: rates of the faults its protocol has."""

    source: str
    rates: dict[str, float] = field(default_factory=dict)
    seed: int = 0
    counts: Counter = field(default_factory=Counter)
    _served: Counter = field(default_factory=Counter, repr=False)
    _streak: Counter = field(default_factory=Counter, repr=False)
    _once: set = field(default_factory=set, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def for_source(cls, source: str, profile: str | None, seed: int) -> FaultPlan:
        rates = PROFILES[profile or "none"]
        applies = APPLIES[source] | HOSTILE_APPLIES.get(source, set())
        return cls(source, {f: r for f, r in rates.items() if f in applies and r > 0}, seed)

    @property
    def active(self) -> bool:
        return bool(self.rates)

    def on(self, fault: str) -> bool:
        return self.rates.get(fault, 0.0) > 0

    @staticmethod
    def request_key(method: str, path: str, query: dict[str, str], body: bytes = b"") -> str:
        """A request as the fault draws see it: without credentials."""
        q = "&".join(f"{k}={v}" for k, v in sorted(query.items()) if k not in ("api_key", "access_token"))
        return f"{method} {path}?{q} {hashlib.sha256(body).hexdigest()[:16]}"

    def draw(self, faults: tuple[str, ...] | list[str], key: str) -> str | None:
        """Which of `faults` (if any) this serving of request `key` meets. Counts the
        serving, and never faults a request more than MAX_CONSECUTIVE times in a row. A
        layer drawing for the same request (the network, then the protocol) uses a key of
        its own: each keeps its own count and streak."""
        candidates = [f for f in faults if self.on(f)]
        if not candidates:
            return None
        with self._lock:
            n = self._served[key]
            self._served[key] += 1
            if self._streak[key] >= MAX_CONSECUTIVE:
                self._streak[key] = 0
                return None
            for fault in candidates:
                if _unit(self.seed, self.source, fault, key, n) < self.rates[fault]:
                    self._streak[key] += 1
                    self.counts[fault] += 1
                    return fault
            self._streak[key] = 0
            return None

    def once(self, fault: str, key: str) -> bool:
        """Whether a once-per-thing fault (a list drifting, a file arriving late) hits `key`;
        counted when it does. The same key always gets the same answer."""
        if not self.on(fault) or _unit(self.seed, self.source, fault, key) >= self.rates[fault]:
            return False
        with self._lock:
            if (fault, key) not in self._once:
                self._once.add((fault, key))
                self.counts[fault] += 1
        return True

    def first(self, fault: str) -> bool:
        """Whether this is the first time `fault` strikes (then counted): a fault injected once a run."""
        if not self.on(fault):
            return False
        with self._lock:
            if self.counts[fault]:
                return False
            self.counts[fault] += 1
            return True

    def pick(self, fault: str, key: str, n: int) -> int:
        """A position in range(n), the same for the same key (where a fault strikes)."""
        return int(_unit(self.seed, self.source, fault, key, "at") * n) if n else 0

    def count(self, fault: str) -> None:
        """Count a fault injected outside the draws (a connection the proxy cut)."""
        with self._lock:
            self.counts[fault] += 1

    def report(self) -> dict[str, int]:
        with self._lock:
            return dict(self.counts)


class OffsetListings:
    """Drift and repeats for a stand-in's lists paged by offset (page / page_size,
    pageNo / pageSize), keyed by the list asked for (the request without its page).

    - ``offset_drift`` (once per list of more than a page): a few records of the first page
      are missing from the first page served, and appear, in their place, once a later page
      is asked for: as if committed late, before the offset the client has reached. A naive
      offset pager misses them and sees the records they push across the page boundary
      twice; a new pass over the list has them.
    - ``duplicate_across_pages`` (drawn per page request): the last record of the page
      before is served again at the top of the page.
    """

    def __init__(self, plan: FaultPlan) -> None:
        self.plan = plan
        self._revealed: set[str] = set()
        self._lock = threading.Lock()

    def page(self, listing: str, items: list, page: int, size: int) -> tuple[list, int]:
        """(the records of page `page`, the total the list has as this request sees it)."""
        view = items
        if self.plan.on("offset_drift") and len(items) > size and self.plan.once("offset_drift", listing):
            with self._lock:
                if page >= 2:
                    self._revealed.add(listing)
                revealed = listing in self._revealed
            if not revealed:
                k = max(1, size // 50)
                start = self.plan.pick("offset_drift", listing, max(1, size - k))
                view = items[:start] + items[start + k :]
        chunk = view[(page - 1) * size : page * size]
        if page >= 2 and chunk and self.plan.draw(["duplicate_across_pages"], f"{listing}#page={page}"):
            chunk = [view[(page - 1) * size - 1], *chunk]
        return chunk, len(view)
