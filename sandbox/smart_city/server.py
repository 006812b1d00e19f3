"""Stand-in for the Smart City event platform (智慧开封): an Open311 GeoReport v2 API.

Standard endpoints (JSON): ``/open311/discovery.json``, ``/open311/v2/services.json``,
``/open311/v2/requests.json``. Extensions, as the platform has them:

- ``updated_after`` / ``updated_before`` on requests.json select by ``updated_datetime``
  (standard ``start_date`` / ``end_date`` select by ``requested_datetime``); either range is
  at most 90 days and needs a zone. Results are ordered by ``updated_datetime`` (or
  ``requested_datetime``), then id; ``page`` (from 1) and ``page_size`` (≤ 1000) page them.
- ``extended_attributes`` on each request: reporter, reported grid, the whole lifecycle,
  due time, self-resolution, township evaluation, and the coordinate system (GCJ-02).
- Reference lists in the same style: ``/open311/v2/ext/grids.json`` (GeoJSON features,
  GCJ-02), ``/open311/v2/ext/staff.json``, ``/open311/v2/ext/departments.json``.

Every call needs the API key, in an ``X-API-Key`` header or the Open311 ``api_key`` parameter.
The discovery document declares the extensions (``extensions``): the update range, the order,
the paging and the lists.

Other servers, as cities that run a standard GeoReport v2 system have them (``server``):

- ``plain``: services.json and requests.json only (no extension lists: 404), no extensions
  declared, requests in the order the server stores them (by id), not by update;
- ``reversed``: plain, the newest update first;
- ``shuffled``: plain, in an order of its own for every request;
- ``capped`` or ``capped:N``: plain, ``page`` and ``page_size`` ignored, at most N requests
  (default 1000) in any answer.

Every one of them answers a request without a range with the last 90 days, and refuses a
range longer than that.
"""

from __future__ import annotations

import random
import zlib
from datetime import date, datetime, timedelta

from sandbox.clock import Clock, format_local, parse_w3c
from sandbox.defects import variant
from sandbox.faults import FaultPlan, OffsetListings
from sandbox.http import App, Request, Response, ResponseCache
from sandbox.smart_city.events import REPORTER_NAMES, STATE_NAMES, Event, SmartCityEvents, to_gcj02
from sandbox.world import World
from warehouse.crs import wgs84_to_gcj02

MAX_PAGE_SIZE = 1000
MAX_RANGE = timedelta(days=90)
SERVERS = ("kaifeng", "plain", "reversed", "shuffled", "capped")
DEFAULT_CAP = 1000
LISTS = ("grids", "staff", "departments")
# How defective events show (sandbox.defects): (lat, long) far outside Kaifeng, GCJ-02 (a
# spot in Zhengzhou; 0,0 from a terminal without a fix), and requested times that are no time.
FAR_POINTS = ((34.757975, 113.665412), (0.0, 0.0))
NOT_A_TIME = ("未知", "--")


def _error(status: int, description: str) -> Response:
    return Response(status, [{"code": status, "description": description}])


def _paged(req: Request, items: list, listings: OffsetListings | None = None) -> Response | list:
    """A page of `items`; with `listings`, as a list that drifts or repeats records may serve it."""
    try:
        page = int(req.query.get("page", "1"))
        size = int(req.query.get("page_size", "100"))
    except ValueError:
        return _error(400, "page and page_size must be integers")
    if page < 1 or not 1 <= size <= MAX_PAGE_SIZE:
        return _error(400, f"page must be >= 1 and page_size between 1 and {MAX_PAGE_SIZE}")
    if listings is not None:
        listing = FaultPlan.request_key(req.method, req.path, {k: v for k, v in req.query.items() if k != "page"})
        return listings.page(listing, items, page, size)[0]
    return items[(page - 1) * size : page * size]


class SmartCityStandIn:
    def __init__(
        self,
        world: World,
        start: date,
        end: date,
        clock: Clock,
        api_key: str,
        alarms=None,
        defects: bool = True,
        drop_fields: tuple[str, ...] = (),
        faults: FaultPlan | None = None,
        cache: ResponseCache | None = None,
        server: str = "kaifeng",
    ) -> None:
        """`drop_fields`: fields every request is served without (a platform that changed
        its shape: what a blocking quality check is for). `faults`: the reference lists,
        paged by offset, may drift and repeat records (sandbox.faults); requests.json is
        served in update order and is read by time, where an offset cannot drift. `server`:
        the platform's own API, or a plain GeoReport v2 server (module docstring)."""
        self.kind, self.cap = parse_server(server)
        self.world = world
        self.faults = faults or FaultPlan("smart_city")
        self.cache = cache or ResponseCache()
        self._listings = OffsetListings(self.faults) if self.faults.active else None
        self.clock = clock
        self.api_key = api_key
        self.drop_fields = drop_fields
        self.events = SmartCityEvents(world, start, end, alarms.alarms if alarms else None, defects)
        self.subitems = {s.code: s for s in world.taxonomy}
        self.dept_names = {d.code: d.name for d in world.departments}
        self.app = App("smart_city")
        self._grid_features: list[dict] | None = None
        r = self.app.route
        r("GET", "/open311/discovery.json")(self.discovery)
        r("GET", "/open311/v2/services.json")(self._authed(self.services))
        r("GET", "/open311/v2/requests.json")(self._authed(self.requests))
        if self.kind == "kaifeng":  # the extension lists
            r("GET", "/open311/v2/ext/grids.json")(self._authed(self.grids))
            r("GET", "/open311/v2/ext/staff.json")(self._authed(self.staff))
            r("GET", "/open311/v2/ext/departments.json")(self._authed(self.departments))

    def _authed(self, fn):
        def wrapped(req: Request) -> Response:
            key = req.headers.get("x-api-key") or req.query.get("api_key")
            if key != self.api_key:
                return _error(401, "invalid or missing api key")

            def produce() -> Response:
                out = fn(req)
                return out if isinstance(out, Response) else Response(200, out)

            return self.cache.get(req, produce)

        return wrapped

    # --- standard Open311 -------------------------------------------------------------
    def discovery(self, req: Request) -> Response:
        document = {
            "changeset": "2019-06-01T00:00:00+08:00",
            "contact": "开封市基层社会治理服务保障中心",
            "key_service": "API keys are issued by the platform operator",
            "coordinate_system": "GCJ-02",
            "endpoints": [
                {
                    "specification": "http://wiki.open311.org/GeoReport_v2",
                    "url": "/open311/v2",
                    "changeset": "2019-06-01T00:00:00+08:00",
                    "type": "production",
                    "formats": ["application/json"],
                }
            ],
        }
        if self.kind == "kaifeng":
            document["extensions"] = {
                "updated_range": ["updated_after", "updated_before"],
                "order": "updated_datetime",
                "paging": ["page", "page_size"],
                "max_page_size": MAX_PAGE_SIZE,
                "lists": [f"ext/{name}.json" for name in LISTS],
            }
        return Response(200, document)

    def services(self, req: Request):
        return [
            {
                "service_code": s.code,
                "service_name": s.name,
                "description": f"{s.category_name} / {s.name}",
                "metadata": False,
                "type": "realtime",
                "keywords": s.category_name,
                "group": s.category_name,
                "extended_attributes": {
                    "category_code": s.category_code,
                    "platform_code": s.platform_code,
                    "default_department_kind": s.default_department_kind,
                    "time_limit_hours": s.time_limit_hours,
                    "self_resolvable": s.self_resolvable,
                },
            }
            for s in self.world.taxonomy
        ]

    def requests(self, req: Request):
        now = self.clock.now()
        try:
            if "updated_after" in req.query or "updated_before" in req.query:
                lo, hi = self._range(req, "updated_after", "updated_before", now)
                found = self.events.updated_between(lo, hi, now)
            else:
                lo, hi = self._range(req, "start_date", "end_date", now)
                found = self.events.reported_between(lo, hi, now)
        except ValueError as exc:
            return _error(400, str(exc))
        status = req.query.get("status")
        codes = set(req.query["service_code"].split(",")) if req.query.get("service_code") else None
        rows = []
        for ev, vi in found:
            if codes and (ev.subitem_code not in codes or ev.defect == "missing_required_field"):
                continue
            record = self.render(ev, vi)
            if status and record["status"] != status:
                continue
            rows.append(record)
        return self._in_server_order(req, rows)

    def _in_server_order(self, req: Request, rows: list[dict]) -> Response | list:
        """`rows` (in update order) as this server answers with them."""
        if self.kind == "kaifeng":
            return _paged(req, rows)
        if self.kind == "reversed":
            rows = rows[::-1]
        elif self.kind == "shuffled":
            seed = zlib.crc32(repr(sorted(req.query.items())).encode())
            rows = random.Random(seed).sample(rows, len(rows))
        else:
            rows = sorted(rows, key=lambda r: r["service_request_id"])
        if self.kind == "capped":
            return rows[: self.cap]
        return _paged(req, rows)

    @staticmethod
    def _range(req: Request, lo_name: str, hi_name: str, now: datetime) -> tuple[datetime, datetime]:
        hi = parse_w3c(req.query[hi_name], hi_name) if hi_name in req.query else now + timedelta(seconds=1)
        lo = parse_w3c(req.query[lo_name], lo_name) if lo_name in req.query else hi - MAX_RANGE
        if hi <= lo:
            raise ValueError(f"{hi_name} must be after {lo_name}")
        if hi - lo > MAX_RANGE:
            raise ValueError(f"the range {lo_name}..{hi_name} may not exceed 90 days")
        return lo, hi

    def render(self, ev: Event, vi: int) -> dict:
        """The Open311 record of an event as its transitions up to index vi show it."""
        visible = ev.transitions[: vi + 1]
        last = visible[-1]
        states = {t.state for t in visible}
        closed = "closed" in states or "rejected" in states
        dept = next((t.department_code for t in reversed(visible) if t.department_code), None)
        sub = self.subitems[ev.subitem_code]
        lon, lat = to_gcj02(ev)
        dispatched = "dispatched" in states
        record = {
            "service_request_id": ev.request_id,
            "status": "closed" if closed else "open",
            "status_notes": STATE_NAMES[last.state] + (f"：{last.note}" if last.note else ""),
            "service_code": sub.code,
            "service_name": sub.name,
            "description": ev.description,
            "agency_responsible": self.dept_names.get(dept) if dept else None,
            "service_notice": None,
            "requested_datetime": format_local(visible[0].at),
            "updated_datetime": format_local(last.at),
            "expected_datetime": format_local(ev.due_at) if dispatched and ev.due_at else None,
            "address": ev.address,
            "address_id": None,
            "zipcode": "475000",
            "lat": lat,
            "long": lon,
            "media_url": None,
            "extended_attributes": {
                "coordinate_system": "GCJ-02",
                "reporter": {
                    "type": ev.reporter_type,
                    "type_name": REPORTER_NAMES[ev.reporter_type],
                    "staff_id": ev.reporter_staff_id,
                },
                "grid_code": ev.reported_grid_code,
                "alarm_id": ev.alarm_id,
                "department_code": dept,
                "due_datetime": format_local(ev.due_at) if dispatched and ev.due_at else None,
                "self_resolved": ev.self_resolved if "self_handled" in states else False,
                "township_evaluation": ev.township_evaluation if "closed" in states else None,
                "lifecycle": [
                    {
                        "seq": i + 1,
                        "state": t.state,
                        "state_name": STATE_NAMES[t.state],
                        "at": format_local(t.at),
                        "actor_type": t.actor_type,
                        "actor_id": t.actor_id,
                        "department_code": t.department_code,
                        "note": t.note,
                    }
                    for i, t in enumerate(visible)
                ],
            },
        }
        for name in self.drop_fields:
            record.pop(name, None)
        return _with_defect(record, ev)

    # --- reference lists ----------------------------------------------------------------
    def grids(self, req: Request):
        if self._grid_features is None:
            feats = []
            for g in self.world.grids:
                ring = [[round(x, 8) for x in wgs84_to_gcj02(lon, lat)] for lon, lat in g.polygon.exterior.coords]
                holes = [
                    [[round(x, 8) for x in wgs84_to_gcj02(lon, lat)] for lon, lat in h.coords]
                    for h in g.polygon.interiors
                ]
                feats.append(
                    {
                        "type": "Feature",
                        "id": g.code,
                        "geometry": {"type": "Polygon", "coordinates": [ring, *holes]},
                        "properties": {
                            "grid_code": g.code,
                            "grid_name": g.name,
                            "village_code": g.village_code,
                            "township_code": g.township_code,
                            "county_code": g.county_code,
                            "valid_from": "2024-01-01",
                            "valid_to": None,
                            "coordinate_system": "GCJ-02",
                        },
                    }
                )
            self._grid_features = feats
        return _paged(req, self._grid_features, self._listings)

    def staff(self, req: Request):
        today = self.clock.now().date()
        rows = []
        for s in self.world.staff:
            assignments = [
                {
                    "grid_code": a.grid_code,
                    "role": a.role,
                    "valid_from": a.valid_from.isoformat(),
                    "valid_to": a.valid_to.isoformat() if a.valid_to and a.valid_to <= today else None,
                }
                for a in s.assignments
                if a.valid_from <= today
            ]
            rows.append(
                {
                    "staff_id": s.staff_id,
                    "name": s.name,
                    "phone": s.phone,
                    "role": s.role,
                    "employment": s.employment,
                    "township_code": s.township_code,
                    "assignments": assignments,
                }
            )
        return _paged(req, rows, self._listings)

    def departments(self, req: Request):
        kinds = {k.code: k for k in self.world.department_kinds}
        return _paged(
            req,
            [
                {
                    "department_code": d.code,
                    "department_name": d.name,
                    "kind_code": d.kind_code,
                    "kind_name": kinds[d.kind_code].name,
                    "platform_code": d.platform_code,
                    "platform_name": kinds[d.kind_code].platform_name,
                    "level": d.level,
                    "parent_code": d.parent_code,
                    "county_code": d.county_code,
                    "township_code": d.township_code,
                }
                for d in self.world.departments
            ],
            self._listings,
        )


def parse_server(server: str) -> tuple[str, int]:
    """`kaifeng`, `plain`, `reversed`, `shuffled`, `capped` or `capped:N` -> (kind, cap)."""
    kind, _, cap = server.partition(":")
    if kind not in SERVERS or (cap and (kind != "capped" or not cap.isdigit() or int(cap) < 1)):
        raise ValueError(
            f"a Smart City server is one of {', '.join(SERVERS)} (capped:N for a cap of N), not {server!r}"
        )
    return kind, int(cap) if cap else DEFAULT_CAP


def _with_defect(record: dict, ev: Event) -> dict:
    """The record as served when its event carries a defect (the same in every version)."""
    if ev.defect == "outside_kaifeng":
        record["lat"], record["long"] = FAR_POINTS[variant(ev.request_id, len(FAR_POINTS))]
    elif ev.defect == "unparseable_time":
        record["requested_datetime"] = NOT_A_TIME[variant(ev.request_id, len(NOT_A_TIME))]
    elif ev.defect == "missing_required_field":
        record["service_code"] = None
    return record
