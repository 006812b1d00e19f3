"""Governance events of the Smart City platform (智慧开封), generated day by day.

Each event is reported in a grid by a grid worker, a citizen or the 12345 hotline and then
lives through the platform's lifecycle over hours to weeks: 上报 → 受理 / 不予立案 → 派遣
(possibly 分流转办 to another department) → 处置 → 网格长验收 (passed, or returned for
rework) → 结案; or, when the reporting grid worker can settle it on the spot, 自行处置.
The events of a day depend only on the world's seed and the day. A few of them carry a
defect in every version (sandbox.defects): a point far outside Kaifeng, a requested time
that is no time, or no service code.
"""

from __future__ import annotations

import bisect
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import numpy as np
import shapely

from sandbox.clock import SHANGHAI
from sandbox.defects import Defect, pick
from sandbox.world import World
from sandbox.world.geography import Grid
from warehouse.crs import wgs84_to_gcj02

STATE_NAMES = {
    "reported": "上报",
    "registered": "受理",
    "rejected": "不予立案",
    "dispatched": "派遣",
    "rerouted": "分流转办",
    "handled": "处置",
    "self_handled": "自行处置",
    "inspection_passed": "网格长验收通过",
    "inspection_returned": "网格长验收退回",
    "closed": "结案",
}
REJECTION_REASONS = {"false_report": "虚假上报", "out_of_scope": "不属于受理范围"}

# Who reports events, with shares of all reports.
REPORTER_SHARES = (
    ("fulltime_worker", 0.52),
    ("parttime_worker", 0.15),
    ("citizen_app", 0.14),
    ("hotline_12345", 0.19),
)
REPORTER_NAMES = {
    "fulltime_worker": "专职网格员",
    "parttime_worker": "兼职网格员",
    "citizen_app": "市民随手拍",
    "hotline_12345": "12345热线",
    "sharp_eyes": "雪亮工程告警",
    "parking": "智慧停车",
}
# Relative intensity by hour of day (Asia/Shanghai).
HOURLY = np.array([1, 1, 1, 1, 1, 2, 4, 8, 12, 14, 14, 12, 9, 10, 13, 14, 13, 11, 8, 6, 5, 4, 2, 1], dtype=float)


@dataclass
class Transition:
    state: str
    at: datetime
    actor_type: str  # staff / department / platform / township
    actor_id: str
    department_code: str | None = None
    note: str = ""


@dataclass
class Event:
    request_id: str
    subitem_code: str
    grid_code: str  # where it really is
    reported_grid_code: str  # the grid the reporter filed it under
    lon_wgs84: float
    lat_wgs84: float
    reporter_type: str
    reporter_staff_id: str | None
    description: str
    address: str
    transitions: list[Transition] = field(default_factory=list)
    due_at: datetime | None = None
    self_resolved: bool = False
    township_evaluation: int | None = None
    alarm_id: str | None = None
    defect: str | None = None  # the kind of defect every version of it is served with

    @property
    def reported_at(self) -> datetime:
        return self.transitions[0].at


class SmartCityEvents:
    """All events of a window, with each one's visible state at any clock time."""

    def __init__(self, world: World, start: date, end: date, alarms=None, defects: bool = True) -> None:
        """`alarms`: the Sharp Eyes alarms of the window; confirmed ones become events here.
        `defects`: whether a few events are served with a defect (sandbox.defects)."""
        self.world = world
        self.start, self.end = start, end
        self._ctx = _Context(world)
        self.events: list[Event] = []
        d = start
        while d < end:
            day_events = generate_day(self._ctx, d)
            if defects:
                _mark_defects(world, d, day_events)
            self.events.extend(day_events)
            d += timedelta(days=1)
        for alarm in alarms or []:
            if alarm.outcome == "confirmed" and alarm.arrived_at is not None:
                self.events.append(_from_alarm(self._ctx, alarm))
        self.reindex()

    def reindex(self) -> None:
        """Every transition is a version of its event; index versions by time (again after
        events were added)."""
        versions = [
            (t.at, e.request_id, ei, vi) for ei, e in enumerate(self.events) for vi, t in enumerate(e.transitions)
        ]
        versions.sort()
        self._v_time = [v[0] for v in versions]
        self._v_ref = [(v[2], v[3]) for v in versions]

    def defects(self) -> list[Defect]:
        """The defective events of the window (each is served with its defect in every version)."""
        return [
            Defect("smart_city", "service_requests", e.request_id, e.defect, DEFECT_FIELDS[e.defect])
            for e in self.events
            if e.defect
        ]

    def updated_between(self, after: datetime, before: datetime, clock: datetime) -> list[tuple[Event, int]]:
        """Events whose latest state visible at `clock` was last updated in [after, before).

        Returned as (event, index of its last visible transition), ordered by update time
        and then id: the order the platform pages in.
        """
        hi_time = min(before, clock + timedelta(microseconds=1))
        lo = bisect.bisect_left(self._v_time, after)
        hi = bisect.bisect_left(self._v_time, hi_time)
        out = []
        for i in range(lo, hi):
            ei, vi = self._v_ref[i]
            e = self.events[ei]
            nxt = e.transitions[vi + 1].at if vi + 1 < len(e.transitions) else None
            if nxt is None or nxt > clock:
                out.append((e, vi))
        return out

    def reported_between(self, after: datetime, before: datetime, clock: datetime) -> list[tuple[Event, int]]:
        """Events reported in [after, before) and visible at `clock`, in their latest state."""
        out = []
        for e in self.events:
            if after <= e.reported_at < before and e.reported_at <= clock:
                vi = bisect.bisect_right([t.at for t in e.transitions], clock) - 1
                out.append((e, vi))
        out.sort(key=lambda p: (p[0].transitions[p[1]].at, p[0].request_id))
        return out


class _Context:
    """What the generator needs from the world, prepared once."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.subitems = world.taxonomy
        self.subitem_cum = np.cumsum([s.weight for s in self.subitems], dtype=float)
        self.grids = world.grids
        self.grid_cum = np.cumsum([g.activity for g in self.grids], dtype=float)
        self.kinds = {k.code: k for k in world.department_kinds}
        self.dept_by_code = {d.code: d for d in world.departments}
        self.dept_names = {d.code: d.name for d in world.departments}
        self.inner: dict[str, object] = {}  # grids shrunk by ~5 m, for event points

    def department_for(self, kind_code: str, grid: Grid, rng: random.Random) -> str:
        kind = self.kinds[kind_code]
        station = f"{grid.township_code}-{kind_code}"
        county = f"{grid.county_code}-{kind_code}"
        if kind.station_name and station in self.dept_by_code and rng.random() < 0.6:
            return station
        if county in self.dept_by_code:
            return county
        return f"4102-{kind_code}"

    def point_in(self, grid: Grid, rng: random.Random) -> tuple[float, float]:
        """A random point at least ~5 m inside the grid (so conversions cannot flip it)."""
        inner = self.inner.get(grid.code)
        if inner is None:
            inner = grid.polygon.buffer(-0.00005)
            if inner.is_empty:
                inner = grid.polygon
            shapely.prepare(inner)
            self.inner[grid.code] = inner
        minx, miny, maxx, maxy = inner.bounds
        for _ in range(1000):
            x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
            if shapely.contains_xy(inner, x, y):
                return round(x, 7), round(y, 7)
        c = inner.representative_point()
        return round(c.x, 7), round(c.y, 7)


def _pick(cum: np.ndarray, rng: random.Random) -> int:
    return int(np.searchsorted(cum, rng.random() * cum[-1], side="right"))


def _minutes(rng: random.Random, lo: float, hi: float) -> timedelta:
    return timedelta(minutes=rng.uniform(lo, hi))


def generate_day(ctx: _Context, day: date) -> list[Event]:
    world = ctx.world
    rng = world.rng("smart_city", day.isoformat())
    mean = world.preset.smart_city_events_per_day * (0.85 if day.weekday() >= 5 else 1.06)
    count = max(0, int(round(rng.gauss(mean, mean**0.5))))
    hour_cum = np.cumsum(HOURLY)
    midnight = datetime.combine(day, time(0), SHANGHAI)
    events: list[Event] = []
    for n in range(count):
        sub = ctx.subitems[_pick(ctx.subitem_cum, rng)]
        grid = ctx.grids[_pick(ctx.grid_cum, rng)]
        hour = _pick(hour_cum, rng)
        reported_at = midnight + timedelta(hours=hour, seconds=rng.randrange(3600))
        reported_at = reported_at.replace(microsecond=0)
        events.append(_one_event(ctx, rng, f"SC{day:%Y%m%d}{n + 1:05d}", sub, grid, reported_at))
        # Now and then a second worker reports the same matter shortly after (a duplicate).
        if events[-1].reporter_type.endswith("_worker") and rng.random() < 0.02:
            dup_at = reported_at + _minutes(rng, 10, 100)
            dup = _one_event(
                ctx, rng, f"SC{day:%Y%m%d}{n + 1:05d}D", sub, grid, dup_at.replace(microsecond=0), force_worker=True
            )
            events.append(dup)
    events.sort(key=lambda e: (e.reported_at, e.request_id))
    return events


# The field(s) each kind of defect shows in.
DEFECT_FIELDS = {
    "outside_kaifeng": "lat,long",
    "unparseable_time": "requested_datetime",
    "missing_required_field": "service_code",
}


def _mark_defects(world: World, day: date, events: list[Event]) -> None:
    """Give a few of the day's events a defect; not duplicates or the events they duplicate,
    so a duplicate still matches its original."""
    ids = {e.request_id for e in events}
    eligible = [e.request_id for e in events if not e.request_id.endswith("D") and f"{e.request_id}D" not in ids]
    chosen = pick(world, "smart_city", "service_requests", day, len(events), eligible)
    for e in events:
        e.defect = chosen.get(e.request_id)


def _from_alarm(ctx: _Context, alarm) -> Event:
    """The event a grid worker files on site for a confirmed Sharp Eyes alarm."""
    rng = ctx.world.rng("smart_city", "alarm", alarm.alarm_id)
    sub = next(s for s in ctx.subitems if s.code == alarm.subitem_code)
    grid = ctx.world.grid_by_code[alarm.camera.grid_code]
    reported_at = (alarm.arrived_at + _minutes(rng, 2, 15)).replace(microsecond=0)
    rid = f"SC{reported_at:%Y%m%d}A{alarm.alarm_id[:8].upper()}"
    return _one_event(
        ctx,
        rng,
        rid,
        sub,
        grid,
        reported_at,
        reporter=("sharp_eyes", alarm.assigned_staff_id),
        point=(alarm.camera.lon, alarm.camera.lat),
        alarm_id=alarm.alarm_id,
    )


def _one_event(
    ctx: _Context,
    rng: random.Random,
    rid: str,
    sub,
    grid: Grid,
    reported_at: datetime,
    force_worker: bool = False,
    reporter: tuple[str, str | None] | None = None,
    point: tuple[float, float] | None = None,
    alarm_id: str | None = None,
) -> Event:
    """One event and its transitions: reported (by a worker, a citizen or a camera's alarm),
    then rejected, or handled by its worker on the spot, or dispatched to a department. The
    steps draw from `rng` in a fixed order, so a world is the same for the same seed."""
    day = reported_at.date()
    reporter_type, staff_id = _reporter(ctx, rng, grid, day, force_worker, reporter)
    ev = _reported(ctx, rng, rid, sub, grid, reporter_type, staff_id, point, alarm_id)
    # reporters now and then type their phone into the text (the connector scrubs it)
    typed_phone = staff_id and rng.random() < 0.1
    if typed_phone:
        ev.description += f"联系电话{ctx.world.staff_by_id(staff_id).phone}"
    reporter_actor = ("staff", staff_id) if staff_id else ("platform", reporter_type)
    ts = ev.transitions
    ts.append(Transition("reported", reported_at, *reporter_actor))
    t = reported_at + _minutes(rng, 3, 45)
    reject_p = 0.0 if alarm_id else 0.05 if staff_id else 0.10
    if rng.random() < reject_p:
        reason = "false_report" if staff_id and rng.random() < 0.5 else "out_of_scope"
        ts.append(Transition("rejected", t, "platform", "command_room", note=REJECTION_REASONS[reason]))
        return _stamp(ev)
    ts.append(Transition("registered", t, "platform", "command_room"))
    leaders = ctx.world.staff_on(grid.code, "grid_leader", day)
    leader = leaders[0] if leaders else "unknown"
    if staff_id and not alarm_id and sub.self_resolvable and rng.random() < 0.55:
        _self_handled(ctx, rng, ev, t, staff_id, leader, typed_phone)
    else:
        _dispatched(ctx, rng, ev, t, sub, grid, leader)
    return _stamp(ev)


def _reporter(
    ctx: _Context, rng: random.Random, grid: Grid, day, force_worker: bool, reporter: tuple[str, str | None] | None
) -> tuple[str, str | None]:
    """(who reports: a worker's pool, a citizen's channel or the camera platform; the worker's
    staff id, if a worker)."""
    r = rng.random()
    reporter_type = "fulltime_worker"
    acc = 0.0
    for kind, share in REPORTER_SHARES:
        acc += share
        if r < acc:
            reporter_type = kind
            break
    staff_id = None
    if force_worker and not reporter_type.endswith("_worker"):
        reporter_type = "parttime_worker"
    if reporter is not None:
        return reporter
    if reporter_type.endswith("_worker"):
        candidates = ctx.world.staff_on(grid.code, reporter_type, day) or ctx.world.staff_on(
            grid.code, "fulltime_worker", day
        )
        if candidates:
            staff_id = rng.choice(candidates)
            if not ctx.world.staff_on(grid.code, reporter_type, day):
                reporter_type = "fulltime_worker"
        else:
            reporter_type = "citizen_app"
    return reporter_type, staff_id


def _reported(
    ctx: _Context,
    rng: random.Random,
    rid: str,
    sub,
    grid: Grid,
    reporter_type: str,
    staff_id: str | None,
    point: tuple[float, float] | None,
    alarm_id: str | None,
) -> Event:
    """The event as reported: where (a worker now and then files it in a neighbouring grid),
    what, by whom."""
    reported_grid = grid.code
    if staff_id and grid.neighbours and rng.random() < 0.03:
        reported_grid = rng.choice(grid.neighbours)
    lon, lat = point if point is not None else ctx.point_in(grid, rng)
    village = ctx.world.village_by_code[grid.village_code]
    township = ctx.world.township_by_code[grid.township_code]
    address = f"开封市{township.name}{village.name}{grid.name[len(village.name) :]}附近"
    return Event(
        request_id=rid,
        subitem_code=sub.code,
        grid_code=grid.code,
        reported_grid_code=reported_grid,
        lon_wgs84=lon,
        lat_wgs84=lat,
        reporter_type=reporter_type,
        reporter_staff_id=staff_id,
        description=f"{village.name}发现{sub.name}问题，请处理。",
        address=address,
        alarm_id=alarm_id,
    )


def _self_handled(
    ctx: _Context, rng: random.Random, ev: Event, t: datetime, staff_id: str, leader: str, typed_phone
) -> None:
    """The worker who reported it handles it on the spot; the grid leader inspects, the
    command room closes."""
    ev.self_resolved = True
    ts = ev.transitions
    t += _minutes(rng, 10, 90)
    note = "网格员现场自行处置" + (f"，电话{ctx.world.staff_by_id(staff_id).phone}" if typed_phone else "")
    ts.append(Transition("self_handled", t, "staff", staff_id, note=note))
    t += _minutes(rng, 20, 240)
    ts.append(Transition("inspection_passed", t, "staff", leader))
    t += _minutes(rng, 5, 60)
    ts.append(Transition("closed", t, "platform", "command_room"))


def _dispatched(ctx: _Context, rng: random.Random, ev: Event, t: datetime, sub, grid: Grid, leader: str) -> None:
    """Dispatched to a department (now and then passed on to another, once or twice), handled
    within its time limit or late, sometimes sent back by the inspection, closed and rated."""
    ts = ev.transitions
    t += _minutes(rng, 10, 120)
    dept = ctx.department_for(sub.default_department_kind, grid, rng)
    ts.append(Transition("dispatched", t, "township", grid.township_code, dept))
    limit = timedelta(hours=sub.time_limit_hours)
    for _ in range(2):
        if rng.random() >= 0.08:
            break
        t += _minutes(rng, 30, 24 * 60)
        other_kind = rng.choice([k for k in ctx.kinds if k != dept.split("-")[1]])
        dept = ctx.department_for(other_kind, grid, rng)
        ts.append(Transition("rerouted", t, "township", grid.township_code, dept, note="分流转办"))
    ev.due_at = (t + limit).replace(microsecond=0)
    factor = rng.uniform(0.05, 0.95) if rng.random() < 0.86 else rng.uniform(1.02, 2.5)
    t += limit * factor
    ts.append(Transition("handled", t, "department", dept, dept))
    if rng.random() < 0.1:
        t += _minutes(rng, 30, 600)
        ts.append(Transition("inspection_returned", t, "staff", leader, dept, note="整改不到位，退回重办"))
        t += _minutes(rng, 120, 36 * 60)
        ts.append(Transition("handled", t, "department", dept, dept))
    t += _minutes(rng, 30, 24 * 60)
    ts.append(Transition("inspection_passed", t, "staff", leader, dept))
    t += _minutes(rng, 10, 12 * 60)
    ts.append(Transition("closed", t, "platform", "command_room", dept))
    overdue = ts[-3].at > ev.due_at if ts[-3].state == "handled" else False
    weights = (2, 4, 10, 30, 54) if not overdue else (8, 15, 30, 30, 17)
    ev.township_evaluation = rng.choices((1, 2, 3, 4, 5), weights=weights)[0]


def _stamp(ev: Event) -> Event:
    """Whole seconds, strictly increasing: the platform's clock resolution."""
    prev = None
    for tr in ev.transitions:
        tr.at = tr.at.replace(microsecond=0)
        if prev is not None and tr.at <= prev:
            tr.at = prev + timedelta(seconds=1)
        prev = tr.at
    return ev


def to_gcj02(ev: Event) -> tuple[float, float]:
    lon, lat = wgs84_to_gcj02(ev.lon_wgs84, ev.lat_wgs84)
    return round(lon, 6), round(lat, 6)
