"""Departments, the event taxonomy and the grid staff of the sandbox world."""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from sandbox.world.geography import Grid, Township, apportion
from sandbox.world.names import mobile_number, person_name

REFERENCE_DIR = Path(__file__).resolve().parents[1] / "reference"

# Grid staffing began when the platform went live; assignments are valid from then on.
STAFFING_EPOCH = date(2024, 1, 1)
# Reassignments of full-time workers are scheduled month by month over this span, so any
# window of the world sees some (independent of the window asked for).
REASSIGNMENT_MONTHS = [(y, m) for y in range(2024, 2028) for m in range(1, 13)]


@dataclass(frozen=True)
class DepartmentKind:
    code: str
    name: str
    platform_code: str
    platform_name: str
    has_county_unit: bool
    station_name: str  # empty: no township station


@dataclass(frozen=True)
class Department:
    code: str
    name: str
    kind_code: str
    platform_code: str
    level: str  # city / county / township_station
    parent_code: str | None
    county_code: str | None
    township_code: str | None


@dataclass(frozen=True)
class SubItem:
    category_code: str
    category_name: str
    platform_code: str
    code: str
    name: str
    default_department_kind: str
    time_limit_hours: int
    report_points: int
    self_resolve_points: int
    self_resolvable: bool
    weight: int


@dataclass
class Assignment:
    grid_code: str
    role: str
    valid_from: date
    valid_to: date | None = None  # exclusive


@dataclass
class Staff:
    staff_id: str
    name: str
    phone: str
    role: str  # grid_leader / grid_instructor / fulltime_worker / parttime_worker
    employment: str  # 专职 / 兼职 / 村社区干部 / 乡镇干部
    township_code: str
    assignments: list[Assignment] = field(default_factory=list)

    def grids_on(self, day: date) -> list[str]:
        return [
            a.grid_code for a in self.assignments if a.valid_from <= day and (a.valid_to is None or day < a.valid_to)
        ]


def load_department_kinds() -> list[DepartmentKind]:
    with open(REFERENCE_DIR / "department_kinds.csv", encoding="utf-8", newline="") as fh:
        return [
            DepartmentKind(
                r["kind_code"],
                r["kind_name"],
                r["platform_code"],
                r["platform_name"],
                r["has_county_unit"] == "true",
                r["station_name"],
            )
            for r in csv.DictReader(fh)
        ]


def load_taxonomy() -> list[SubItem]:
    with open(REFERENCE_DIR / "event_taxonomy.csv", encoding="utf-8", newline="") as fh:
        return [
            SubItem(
                r["category_code"],
                r["category_name"],
                r["platform_code"],
                r["subitem_code"],
                r["subitem_name"],
                r["default_department_kind"],
                int(r["time_limit_hours"]),
                int(r["report_points"]),
                int(r["self_resolve_points"]),
                r["self_resolvable"] == "true",
                int(r["weight"]),
            )
            for r in csv.DictReader(fh)
        ]


def build_departments(
    kinds: list[DepartmentKind], county_names: dict[str, str], townships: list[Township]
) -> list[Department]:
    """City units for every kind, county units and township stations where the kind has them."""
    out: list[Department] = []
    for k in kinds:
        city_code = f"4102-{k.code}"
        out.append(Department(city_code, f"开封市{k.name}", k.code, k.platform_code, "city", None, None, None))
        if not k.has_county_unit:
            continue
        for county_code, county_name in county_names.items():
            out.append(
                Department(
                    f"{county_code}-{k.code}",
                    f"{county_name}{k.name}",
                    k.code,
                    k.platform_code,
                    "county",
                    city_code,
                    county_code,
                    None,
                )
            )
        if k.station_name:
            for t in townships:
                out.append(
                    Department(
                        f"{t.code}-{k.code}",
                        f"{t.name}{k.station_name}",
                        k.code,
                        k.platform_code,
                        "township_station",
                        f"{t.county_code}-{k.code}",
                        t.county_code,
                        t.code,
                    )
                )
    return out


def build_staff(grids: list[Grid], fulltime_total: int, rng: random.Random) -> list[Staff]:
    """1+1+1+N staffing of every grid.

    Per grid one leader (a village/community committee member); one instructor (a township
    cadre) per about five grids of a township; full-time workers apportioned over townships
    (about three grids each, consecutive grids of one township); part-time workers on about
    a third of the grids.
    """
    staff: list[Staff] = []
    seq = 0

    def new(role: str, employment: str, township: str) -> Staff:
        nonlocal seq
        seq += 1
        s = Staff(f"GS{seq:07d}", person_name(rng), mobile_number(rng), role, employment, township)
        staff.append(s)
        return s

    by_township: dict[str, list[Grid]] = {}
    for g in grids:
        by_township.setdefault(g.township_code, []).append(g)
    townships = sorted(by_township)
    ft_counts = apportion(fulltime_total, [len(by_township[t]) for t in townships])

    for t, n_ft in zip(townships, ft_counts):
        tgrids = by_township[t]
        for g in tgrids:
            new("grid_leader", "村社区干部", t).assignments.append(Assignment(g.code, "grid_leader", STAFFING_EPOCH))
        for i in range(0, len(tgrids), 5):
            cadre = new("grid_instructor", "乡镇干部", t)
            for g in tgrids[i : i + 5]:
                cadre.assignments.append(Assignment(g.code, "grid_instructor", STAFFING_EPOCH))
        n_ft = min(n_ft, len(tgrids))
        bounds = [round(i * len(tgrids) / n_ft) for i in range(n_ft + 1)]
        for i in range(n_ft):
            worker = new("fulltime_worker", "专职", t)
            for g in tgrids[bounds[i] : bounds[i + 1]]:
                worker.assignments.append(Assignment(g.code, "fulltime_worker", STAFFING_EPOCH))
        for g in tgrids:
            if rng.random() < 0.35:
                new("parttime_worker", "兼职", t).assignments.append(
                    Assignment(g.code, "parttime_worker", STAFFING_EPOCH)
                )

    _schedule_reassignments(staff, rng)
    return staff


def _schedule_reassignments(staff: list[Staff], rng: random.Random) -> None:
    """Each month about 1% of full-time workers swap their grids with a colleague.

    Pairs are drawn within a county (preferring another township), so some workers change
    township mid-month; both assignments are closed and reopened on the swap day.
    """
    workers = [s for s in staff if s.role == "fulltime_worker"]
    if len(workers) < 2:
        return
    by_county: dict[str, list[Staff]] = {}
    for w in workers:
        by_county.setdefault(w.township_code[:6], []).append(w)
    pairs_per_month = max(1, round(0.005 * len(workers)))
    swaps: list[tuple[date, Staff, Staff]] = []
    counties = sorted(by_county)
    for year, month in REASSIGNMENT_MONTHS:
        for _ in range(pairs_per_month):
            pool = by_county[rng.choice(counties)]
            if len(pool) < 2:
                continue
            a, b = rng.sample(pool, 2)
            swaps.append((date(year, month, rng.randint(2, 27)), a, b))
    swaps.sort(key=lambda s: (s[0], s[1].staff_id, s[2].staff_id))
    for day, a, b in swaps:
        ga, gb = a.grids_on(day), b.grids_on(day)
        if not ga or not gb:
            continue
        for person, old, new_grids in ((a, ga, gb), (b, gb, ga)):
            for asg in person.assignments:
                if asg.grid_code in old and asg.valid_to is None:
                    asg.valid_to = day
            for gc in new_grids:
                person.assignments.append(Assignment(gc, "fulltime_worker", day))
            # a second swap on the same day leaves an empty interval behind: drop it
            person.assignments = [x for x in person.assignments if x.valid_to is None or x.valid_to > x.valid_from]


def days(start: date, end: date):
    d = start
    while d < end:
        yield d
        d += timedelta(days=1)
