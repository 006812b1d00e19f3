"""Cameras and their alarms (linkage events), with the handling of those pushed to a worker.

Most alarms are false positives and are closed by the platform. About a third are pushed to
the full-time grid worker of the camera's grid; the worker goes there (usually within the
hour, sometimes not at all, and now and then only after the platform had closed the alarm
for want of an arrival: R4 scores that as no arrival). The worker confirms about half of them on site, and those become
Smart City events (reporter type ``sharp_eyes``, ``alarm_id`` set). The alarms of a day
depend only on the world's seed and the day. A few alarms the platform closed by itself are
served with a defect (sandbox.defects): a level outside 1-3, an impossible start time, or
the type of an algorithm just added to the platform.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import numpy as np

from sandbox.clock import SHANGHAI
from sandbox.defects import Defect, pick
from sandbox.world import World
from sandbox.world.geography import random_points_in

# The platform's own event type codes, with the taxonomy sub-item a confirmed alarm of
# that type is dispatched as on the Smart City platform.
EVENT_TYPES = {
    131585: ("人员聚集", "3002", 8),
    131586: ("占道经营", "0201", 30),
    131587: ("垃圾堆放", "0102", 25),
    131588: ("烟火检测", "3405", 4),
    131589: ("机动车违停", "0301", 20),
    131590: ("非机动车乱停放", "0305", 18),
    131591: ("水域人员闯入", "3601", 5),
    131592: ("渣土车抛洒", "0902", 6),
}
RULE_NAMES = {code: f"{name}联动规则" for code, (name, _, _) in EVENT_TYPES.items()}
# A type the platform serves once a new algorithm is switched on, before anyone maps it.
NEW_EVENT_TYPE = (131600, "高空抛物")
_TYPE_CODES = list(EVENT_TYPES)
_TYPE_CUM = np.cumsum([w for _, _, w in EVENT_TYPES.values()], dtype=float)
_HOURLY = np.array([2, 1, 1, 1, 1, 2, 4, 7, 10, 11, 11, 10, 9, 10, 11, 11, 11, 10, 9, 8, 7, 6, 4, 3], dtype=float)


# The field each kind of defect shows in.
DEFECT_FIELDS = {"unknown_code": "eventLevel", "impossible_date": "startTime", "unmapped_code": "eventType"}


@dataclass
class Camera:
    index_code: str  # GB/T 28181 style 20-digit id
    name: str
    region_index_code: str  # the township
    grid_code: str
    lon: float  # WGS-84
    lat: float
    online: bool


@dataclass
class Alarm:
    alarm_id: str
    event_type: int
    level: int
    camera: Camera
    start: datetime
    end: datetime
    pushed_at: datetime | None = None
    assigned_staff_id: str | None = None
    arrived_at: datetime | None = None
    outcome: str | None = None  # confirmed / false_alarm, decided on site
    closed_at: datetime | None = None
    remark: str = ""
    rereported: bool = False  # the platform reports this alarm twice
    defect: str | None = None  # the kind of defect it is served with

    @property
    def type_name(self) -> str:
        return EVENT_TYPES[self.event_type][0]

    @property
    def subitem_code(self) -> str:
        return EVENT_TYPES[self.event_type][1]


def build_cameras(world: World) -> list[Camera]:
    rng = world.rng("sharp_eyes", "cameras")
    grids = world.grids
    cum = np.cumsum([g.activity for g in grids], dtype=float)
    cameras: list[Camera] = []
    per_grid: dict[str, int] = {}
    for n in range(world.preset.cameras):
        grid = grids[int(np.searchsorted(cum, rng.random() * cum[-1], side="right"))]
        per_grid[grid.code] = per_grid.get(grid.code, 0) + 1
        inner = grid.polygon.buffer(-0.00005)  # ~5 m inside, so conversions cannot move it out
        ((lon, lat),) = random_points_in(grid.polygon if inner.is_empty else inner, 1, rng)
        village = world.village_by_code[grid.village_code]
        cameras.append(
            Camera(
                index_code=f"{grid.county_code}0000131{0 if rng.random() < 0.5 else 1}{n + 1:06d}",
                name=f"{village.name}{per_grid[grid.code]}号监控",
                region_index_code=grid.township_code,
                grid_code=grid.code,
                lon=round(float(lon), 6),
                lat=round(float(lat), 6),
                online=rng.random() > 0.05,
            )
        )
    return cameras


class SharpEyesAlarms:
    """The cameras and all alarms of a window."""

    def __init__(self, world: World, start: date, end: date, defects: bool = True) -> None:
        self.world = world
        self.cameras = build_cameras(world)
        self._online = [c for c in self.cameras if c.online]
        self.alarms: list[Alarm] = []
        d = start
        while d < end:
            day_alarms = self._day(d)
            if defects:
                # Only alarms never pushed to a worker: no handling record or event refers to them.
                eligible = [a.alarm_id for a in day_alarms if a.pushed_at is None and not a.rereported]
                chosen = pick(world, "sharp_eyes", "events", d, len(day_alarms), eligible)
                for a in day_alarms:
                    a.defect = chosen.get(a.alarm_id)
            self.alarms.extend(day_alarms)
            d += timedelta(days=1)
        self.by_id = {a.alarm_id: a for a in self.alarms}

    def defects(self) -> list[Defect]:
        """The alarms of the window served with a defect."""
        return [
            Defect("sharp_eyes", "events", a.alarm_id, a.defect, DEFECT_FIELDS[a.defect])
            for a in self.alarms
            if a.defect
        ]

    def worker(self, grid_code: str, day: date) -> str | None:
        """The full-time grid worker of the grid that day (alarms are pushed to them)."""
        workers = self.world.staff_on(grid_code, "fulltime_worker", day)
        return workers[0] if workers else None

    def _day(self, day: date) -> list[Alarm]:
        rng = self.world.rng("sharp_eyes", day.isoformat())
        if not self._online:
            return []
        mean = self.world.preset.alarms_per_day
        count = max(0, int(round(rng.gauss(mean, mean**0.5))))
        hour_cum = np.cumsum(_HOURLY)
        midnight = datetime.combine(day, time(0), SHANGHAI)
        out = []
        for _ in range(count):
            cam = self._online[rng.randrange(len(self._online))]
            etype = _TYPE_CODES[int(np.searchsorted(_TYPE_CUM, rng.random() * _TYPE_CUM[-1], side="right"))]
            hour = int(np.searchsorted(hour_cum, rng.random() * hour_cum[-1], side="right"))
            start = midnight + timedelta(hours=hour, seconds=rng.randrange(3600))
            alarm = Alarm(
                alarm_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                event_type=etype,
                level=rng.choices((1, 2, 3), weights=(55, 35, 10))[0],
                camera=cam,
                start=start,
                end=start + timedelta(seconds=rng.randrange(5, 600)),
                rereported=rng.random() < 0.02,
            )
            self._handle(alarm, rng)
            out.append(alarm)
        out.sort(key=lambda a: (a.start, a.alarm_id))
        return out

    def _handle(self, a: Alarm, rng: random.Random) -> None:
        self._decide(a, rng)
        for attr in ("pushed_at", "arrived_at", "closed_at"):  # the platform's clock: whole seconds
            value = getattr(a, attr)
            if value is not None:
                setattr(a, attr, value.replace(microsecond=0))

    def _decide(self, a: Alarm, rng: random.Random) -> None:
        if rng.random() >= 0.32:
            a.outcome = "false_alarm"
            a.closed_at = a.end + timedelta(minutes=rng.uniform(1, 30))
            a.remark = "平台研判为误报"
            return
        worker = self.worker(a.camera.grid_code, a.start.date())
        if worker is None:
            a.closed_at = a.end + timedelta(minutes=rng.uniform(1, 30))
            a.remark = "无在岗网格员，平台关闭"
            return
        a.assigned_staff_id = worker
        a.pushed_at = a.start + timedelta(seconds=rng.randrange(30, 600))
        r = rng.random()
        if r < 0.10:  # nobody went: the platform closes it after a while
            a.closed_at = a.pushed_at + timedelta(hours=rng.uniform(2, 6))
            a.remark = "超时未到场，平台关闭"
            return
        if r < 0.12:  # closed for want of an arrival; the worker checks in on site later still
            a.closed_at = a.pushed_at + timedelta(hours=rng.uniform(2, 3))
            a.arrived_at = a.closed_at + timedelta(minutes=rng.uniform(5, 60))
            a.remark = "超时未到场，平台关闭；网格员事后到场"
            return
        minutes = rng.lognormvariate(3.2, 0.55)  # median ~25 min
        a.arrived_at = a.pushed_at + timedelta(minutes=minutes, seconds=rng.randrange(60))
        a.outcome = "confirmed" if rng.random() < 0.5 else "false_alarm"
        a.closed_at = a.arrived_at + timedelta(minutes=rng.uniform(5, 90))
        a.remark = "现场核实属实，已转派处置" if a.outcome == "confirmed" else "现场核实为误报"
