"""Parking lots, parking sessions and parking violations of the sandbox world.

Lots lie in grids (their coordinates are served in BD-09, Baidu's system). Sessions start
at entry and are updated at exit; violations are found, dispatched to a department's
urban-management unit, handled and closed. Every change is a version with its own update
time. The records of a day depend only on the world's seed and the day. A few are served
with a defect (sandbox.defects): sessions with an impossible entry time or a negative fee,
violations located far outside Kaifeng.
"""

from __future__ import annotations

import bisect
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import numpy as np

from sandbox.clock import SHANGHAI
from sandbox.defects import Defect, impossible_local_time, pick, variant
from sandbox.world import World
from sandbox.world.geography import random_points_in

# The platform's violation types, with the taxonomy sub-item each corresponds to.
VIOLATION_TYPES = {
    "1001": ("违法停车", "0301", 50),
    "1002": ("占用消防通道停车", "0302", 10),
    "1003": ("超时停车", "0303", 25),
    "1004": ("僵尸车", "0304", 5),
    "1005": ("私设地锁占车位", "0306", 10),
}
_PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
# How defective records show: (longitude, latitude) far outside Kaifeng in BD-09 (a spot in
# Zhengzhou; 0,0 from a device without a fix); the field each kind shows in.
FAR_POINTS_BD09 = ((113.671872, 34.764051), (0.0, 0.0))
DEFECT_FIELDS = {
    ("sessions", "impossible_date"): "entry_time",
    ("sessions", "out_of_range"): "fee_fen",
    ("violations", "outside_kaifeng"): "longitude,latitude",
}


@dataclass
class Lot:
    lot_id: str
    name: str
    address: str
    berth_count: int
    grid_code: str
    lon: float  # WGS-84; served in BD-09
    lat: float
    kind: str  # road_side / off_street


@dataclass
class Version:
    """One state of a record: when it took effect and what the record says from then on."""

    at: datetime
    record: dict


@dataclass
class Record:
    record_id: str
    versions: list[Version]


def plate(rng: random.Random) -> str:
    tail = "".join(rng.choice(_PLATE_LETTERS + "0123456789") for _ in range(4))
    head = rng.choice(_PLATE_LETTERS)
    if rng.random() < 0.08:  # new-energy plates have six characters
        return f"豫B{rng.choice('DF')}{head}{tail}"
    return f"豫B{head}{tail}"


def local(t: datetime | None) -> str | None:
    """The platform's time format: naive local yyyy-MM-dd HH:mm:ss (Asia/Shanghai)."""
    return t.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S") if t else None


class ParkingData:
    def __init__(self, world: World, start: date, end: date, defects: bool = True) -> None:
        self.world = world
        self.with_defects = defects
        # session id / violation id -> the kind of defect it is served with
        self.session_defects: dict[str, str] = {}
        self.violation_defects: dict[str, str] = {}
        rng = world.rng("smart_parking", "lots")
        grids = sorted(world.grids, key=lambda g: -g.activity)
        n_lots = max(3, len(world.grids) // 10)
        self.lots: list[Lot] = []
        for i in range(n_lots):
            g = grids[i % len(grids)] if rng.random() < 0.7 else rng.choice(grids)
            inner = g.polygon.buffer(-0.00005)
            ((lon, lat),) = random_points_in(g.polygon if inner.is_empty else inner, 1, rng)
            township = world.township_by_code[g.township_code]
            kind = "road_side" if rng.random() < 0.6 else "off_street"
            self.lots.append(
                Lot(
                    lot_id=f"P{g.county_code}{i + 1:05d}",
                    name=f"{township.name}{'路侧' if kind == 'road_side' else ''}停车场{i + 1}",
                    address=f"开封市{township.name}{world.village_by_code[g.village_code].name}",
                    berth_count=rng.randint(20, 60) if kind == "road_side" else rng.randint(80, 600),
                    grid_code=g.code,
                    lon=round(float(lon), 6),
                    lat=round(float(lat), 6),
                    kind=kind,
                )
            )
        self.lot_by_id = {lot.lot_id: lot for lot in self.lots}
        self.plates = [plate(world.rng("smart_parking", "plate", i)) for i in range(max(50, len(world.grids) * 12))]
        per_day = 20_000 * world.preset.volume_multiplier if world.preset.township_codes is None else 150
        self.window_start = datetime.combine(start, time(0), SHANGHAI)
        self.violations: list[Record] = []
        day_sessions = []
        d = start
        while d < end:
            day_sessions.append(self._day(d, per_day))
            d += timedelta(days=1)
        self.sessions = _Sessions(self, day_sessions)
        self.lot_records = [
            Record(
                lot.lot_id,
                [
                    Version(
                        datetime.combine(date(2024, 1, 1), time(0), SHANGHAI),
                        {**self._lot_json(lot), "updated_at": "2024-01-01 00:00:00"},
                    )
                ],
            )
            for lot in self.lots
        ]
        self.index = {
            "lots": _VersionIndex(self.lot_records),
            "sessions": self.sessions,
            "violations": _VersionIndex(self.violations),
        }

    @staticmethod
    def _lot_json(lot: Lot) -> dict:
        from warehouse.crs import wgs84_to_bd09

        lon, lat = wgs84_to_bd09(lot.lon, lot.lat)
        return {
            "lot_id": lot.lot_id,
            "name": lot.name,
            "address": lot.address,
            "berth_count": lot.berth_count,
            "lot_type": lot.kind,
            "longitude": round(lon, 6),
            "latitude": round(lat, 6),
            "coordinate_system": "BD-09",
        }

    def _day(self, day: date, per_day: float) -> dict:
        """The day's sessions as columns (tens of thousands a day: no object per session)."""
        rng = self.world.rng("smart_parking", day.isoformat())
        gen = np.random.default_rng(rng.getrandbits(64))
        count = max(0, int(round(rng.gauss(per_day, per_day**0.5))))
        day0 = int((datetime.combine(day, time(0), SHANGHAI) - self.window_start).total_seconds())
        entry = day0 + gen.triangular(6 * 3600, 9 * 3600, 22 * 3600, count).astype(np.int64)
        stay = (60 * np.maximum(5.0, gen.lognormal(4.3, 0.8, count))).astype(np.int64)
        lot_idx = gen.integers(0, len(self.lots), count)
        berths = np.array([lot.berth_count for lot in self.lots])[lot_idx]
        sessions = {
            "day": np.full(count, (day - self.window_start.date()).days, dtype=np.int64),
            "seq": np.arange(1, count + 1, dtype=np.int64),
            "plate": gen.integers(0, len(self.plates), count),
            "lot": lot_idx,
            "berth": 1 + (gen.random(count) * berths).astype(np.int64),
            "entry": entry,
            "exit": entry + stay,
            "fee": np.where(stay <= 1800, 0, -(-stay // 3600) * 200),
        }
        if self.with_defects:
            # sessions that end the day they start, so the fee of each is served within the day
            same_day = np.nonzero(sessions["exit"] < day0 + 86400)[0] + 1
            chosen = pick(self.world, "smart_parking", "sessions", day, count, [int(q) for q in same_day])
            self.session_defects.update({f"S{day:%Y%m%d}{seq:06d}": kind for seq, kind in chosen.items()})
        self._violations_of(day, rng, per_day)
        return sessions

    def _violations_of(self, day: date, rng: random.Random, per_day: float) -> None:
        first = len(self.violations)
        self._make_violations(day, rng, per_day)
        if not self.with_defects:
            return
        day_records = self.violations[first:]
        ids = [r.record_id for r in day_records]
        chosen = pick(self.world, "smart_parking", "violations", day, len(ids), ids)
        for r in day_records:
            if r.record_id in chosen:
                self.violation_defects[r.record_id] = chosen[r.record_id]
                lon, lat = FAR_POINTS_BD09[variant(r.record_id, len(FAR_POINTS_BD09))]
                for v in r.versions:
                    v.record["longitude"], v.record["latitude"] = lon, lat

    def _make_violations(self, day: date, rng: random.Random, per_day: float) -> None:
        midnight = datetime.combine(day, time(0), SHANGHAI)
        n_viol = max(0, int(round(rng.gauss(per_day / 60, (per_day / 60) ** 0.5))))
        codes = list(VIOLATION_TYPES)
        weights = [w for _, _, w in VIOLATION_TYPES.values()]
        for n in range(n_viol):
            lot = self.lots[rng.randrange(len(self.lots))]
            code = rng.choices(codes, weights=weights)[0]
            grid = self.world.grid_by_code[lot.grid_code]
            found = midnight + timedelta(seconds=rng.randrange(7 * 3600, 21 * 3600))
            station = f"{grid.township_code}-CGJ"
            dept = station if rng.random() < 0.6 else f"{grid.county_code}-CGJ"
            base = {
                "violation_id": f"V{day:%Y%m%d}{n + 1:05d}",
                "plate_number": rng.choice(self.plates),
                "violation_type": code,
                "violation_type_name": VIOLATION_TYPES[code][0],
                "lot_id": lot.lot_id,
                **{k: v for k, v in self._lot_json(lot).items() if k in ("longitude", "latitude", "coordinate_system")},
                "found_time": local(found),
                "status": "registered",
                "handling_department": None,
                "dispatch_time": None,
                "handled_time": None,
                "closed_time": None,
            }
            t_dispatch = found + timedelta(minutes=rng.uniform(10, 60))
            t_handled = t_dispatch + timedelta(hours=rng.uniform(0.5, 30))
            t_closed = t_handled + timedelta(hours=rng.uniform(0.2, 4))
            v1 = {**base, "updated_at": local(found)}
            v2 = {
                **v1,
                "status": "dispatched",
                "handling_department": dept,
                "dispatch_time": local(t_dispatch),
                "updated_at": local(t_dispatch),
            }
            v3 = {**v2, "status": "handled", "handled_time": local(t_handled), "updated_at": local(t_handled)}
            v4 = {**v3, "status": "closed", "closed_time": local(t_closed), "updated_at": local(t_closed)}
            self.violations.append(
                Record(
                    base["violation_id"],
                    [
                        Version(found, v1),
                        Version(t_dispatch.replace(microsecond=0), v2),
                        Version(t_handled.replace(microsecond=0), v3),
                        Version(t_closed.replace(microsecond=0), v4),
                    ],
                )
            )

    def defects(self) -> list[Defect]:
        """The sessions and violations of the window served with a defect."""
        out = []
        for entity, chosen in (("sessions", self.session_defects), ("violations", self.violation_defects)):
            for rid, kind in sorted(chosen.items()):
                out.append(Defect("smart_parking", entity, rid, kind, DEFECT_FIELDS[(entity, kind)]))
        return out

    def truth(self, collection: str, now: datetime) -> dict[str, dict]:
        """Each record's state visible at `now` (for tests): everything, one page."""
        id_field = {"lots": "lot_id", "sessions": "session_id", "violations": "violation_id"}[collection]
        since = datetime(1970, 1, 1, tzinfo=SHANGHAI)
        return {r[id_field]: r for r in self.index[collection].after(since, None, now, 10**9)}


class _Sessions:
    """Sessions as numpy columns, with their two versions (entry, exit) ordered by a 64-bit
    key: seconds since the window start, shifted left past a number that sorts like the
    session id (day in the window x 1e6 + sequence)."""

    def __init__(self, data: ParkingData, days: list[dict]) -> None:
        self.data = data
        cols = {
            k: np.concatenate([d[k] for d in days]) if days else np.zeros(0, np.int64)
            for k in ("day", "seq", "plate", "lot", "berth", "entry", "exit", "fee")
        }
        self.cols = cols
        sid = cols["day"] * 1_000_000 + cols["seq"]
        n = len(sid)
        self.bits = max(1, int(sid.max()).bit_length()) if n else 1
        ts = np.concatenate([cols["entry"], cols["exit"]])
        self.kind = np.concatenate([np.zeros(n, np.int8), np.ones(n, np.int8)])
        self.row = np.concatenate([np.arange(n), np.arange(n)])
        keys = (ts << self.bits) | np.concatenate([sid, sid])
        order = np.argsort(keys, kind="stable")
        self.keys, self.kind, self.row, self.ts = keys[order], self.kind[order], self.row[order], ts[order]
        self.start = data.window_start
        self.day0 = data.window_start.date()

    def __len__(self) -> int:
        return len(self.cols["seq"])

    def _sid(self, i: int) -> str:
        d = self.day0 + timedelta(days=int(self.cols["day"][i]))
        return f"S{d:%Y%m%d}{int(self.cols['seq'][i]):06d}"

    def _key(self, t: datetime, sid: str | None) -> int:
        secs = int((t - self.start).total_seconds())
        if sid is None:
            return secs << self.bits
        d = date(int(sid[1:5]), int(sid[5:7]), int(sid[7:9]))
        return (secs << self.bits) | ((d - self.day0).days * 1_000_000 + int(sid[9:]))

    def _at(self, secs: int) -> datetime:
        return self.start + timedelta(seconds=int(secs))

    def render(self, i: int, exited: bool) -> dict:
        c = self.cols
        lot = self.data.lots[int(c["lot"][i])]
        entry, exit_ = self._at(c["entry"][i]), self._at(c["exit"][i])
        sid = self._sid(i)
        record = {
            "session_id": sid,
            "plate_number": self.data.plates[int(c["plate"][i])],
            "lot_id": lot.lot_id,
            "berth_no": f"{int(c['berth'][i]):03d}",
            "entry_time": local(entry),
            "exit_time": local(exit_) if exited else None,
            "fee_fen": int(c["fee"][i]) if exited else None,
            "updated_at": local(exit_ if exited else entry),
        }
        defect = self.data.session_defects.get(sid)
        if defect == "impossible_date":  # in every version; updated_at keeps the real time
            record["entry_time"] = impossible_local_time(entry, sid)
        elif defect == "out_of_range" and exited:  # the fee comes with the exit version
            record["fee_fen"] = -(record["fee_fen"] or 200)
        return record

    def after(self, since: datetime, cursor, now: datetime, limit: int) -> list[dict]:
        start = int(np.searchsorted(self.keys, max(self._key(since, None), 0), side="left"))
        if cursor is not None:
            start = max(start, int(np.searchsorted(self.keys, self._key(*cursor), side="right")))
        now_secs = int((now - self.start).total_seconds())
        out = []
        i = start
        while i < len(self.keys) and len(out) < limit:
            if self.ts[i] > now_secs:
                break
            row, kind = int(self.row[i]), int(self.kind[i])
            if not (kind == 0 and self.cols["exit"][row] <= now_secs):  # entry superseded by a visible exit
                out.append(self.render(row, kind == 1))
            i += 1
        return out


class _VersionIndex:
    """All versions of a collection ordered by (time, id), for `updated_since` + cursor reads."""

    def __init__(self, records: list[Record]) -> None:
        rows = []
        for rec in records:
            for i, v in enumerate(rec.versions):
                nxt = rec.versions[i + 1].at if i + 1 < len(rec.versions) else None
                rows.append((v.at.replace(microsecond=0), rec.record_id, nxt, v))
        rows.sort(key=lambda r: (r[0], r[1]))
        self.rows = rows
        self.keys = [(r[0], r[1]) for r in rows]

    def after(self, since: datetime, cursor: tuple[datetime, str] | None, now: datetime, limit: int) -> list[dict]:
        """Up to `limit` records in their state at `now`, updated at or after `since`, past `cursor`."""
        start = bisect.bisect_left(self.keys, (since, ""))
        if cursor is not None:
            start = max(start, bisect.bisect_right(self.keys, cursor))
        out = []
        for t, _rid, nxt, version in self.rows[start:]:
            if t > now:
                break
            if nxt is not None and nxt <= now:
                continue  # a later version is visible: this one is superseded
            out.append(version.record)
            if len(out) >= limit:
                break
        return out
