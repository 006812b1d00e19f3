"""The one Kaifeng world every stand-in serves: deterministic for a preset and a seed.

Everything is derived from seeded random generators keyed by what is being generated (a
division code, a day), so the same township has the same outline in every preset and the
events of a day do not depend on which window was asked for.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from functools import lru_cache

import shapely
from shapely import STRtree

from sandbox.world.geography import (
    PRECISION,
    County,
    Grid,
    Township,
    Village,
    apportion,
    load_divisions,
    load_outline_wgs84,
    node_coverage,
    partition,
)
from sandbox.world.organisation import (
    Department,
    DepartmentKind,
    Staff,
    SubItem,
    build_departments,
    build_staff,
    load_department_kinds,
    load_taxonomy,
)
from sandbox.world.presets import Preset, get_preset

DEFAULT_SEED = 20190601

# How much busier a grid is, by the kind of township and village it lies in.
_TOWNSHIP_ACTIVITY = {"街道": 3.0, "镇": 1.3, "乡": 1.0, "其他": 0.5}
# Communities (社区) are denser than villages (村): they get more grids.
_COMMUNITY_GRID_WEIGHT, _VILLAGE_GRID_WEIGHT = 4.2, 1.6


@dataclass
class World:
    preset: Preset
    seed: int
    counties: list[County]
    townships: list[Township]
    villages: list[Village]
    grids: list[Grid]
    department_kinds: list[DepartmentKind]
    departments: list[Department]
    taxonomy: list[SubItem]
    staff: list[Staff]
    grid_by_code: dict[str, Grid] = field(default_factory=dict)
    township_by_code: dict[str, Township] = field(default_factory=dict)
    village_by_code: dict[str, Village] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.grid_by_code = {g.code: g for g in self.grids}
        self.township_by_code = {t.code: t for t in self.townships}
        self.village_by_code = {v.code: v for v in self.villages}

    def staff_on(self, grid_code: str, role: str, day) -> list[str]:
        """Staff ids holding `role` in the grid on `day` (sorted), from an index built once."""
        index = self.__dict__.get("_staff_index")
        if index is None:
            index = {}
            for s in self.staff:
                for a in s.assignments:
                    index.setdefault((a.grid_code, a.role), []).append((a.valid_from, a.valid_to, s.staff_id))
            self.__dict__["_staff_index"] = index
        return sorted(sid for f, t, sid in index.get((grid_code, role), []) if f <= day and (t is None or day < t))

    def staff_by_id(self, staff_id: str):
        """The staff member with this id (from an index built once)."""
        index = self.__dict__.get("_staff_by_id")
        if index is None:
            index = self.__dict__["_staff_by_id"] = {s.staff_id: s for s in self.staff}
        return index[staff_id]

    def rng(self, *key: object) -> random.Random:
        """A generator for one named part of the world, stable across presets and windows."""
        return random.Random(":".join(str(k) for k in (self.seed, *key)))


def _rng(seed: int, *key: object) -> random.Random:
    return random.Random(":".join(str(k) for k in (seed, *key)))


@lru_cache(maxsize=4)
def build_world(preset: str = "tiny", seed: int = DEFAULT_SEED) -> World:
    p = get_preset(preset)
    counties, townships, villages = load_divisions()
    scope = set(p.township_codes) if p.township_codes else {t.code for t in townships}
    in_scope_counties = {c[:6] for c in scope}

    for county in counties:
        if county.code not in in_scope_counties:
            continue
        county.outline = load_outline_wgs84(county.code)
        members = [t for t in townships if t.county_code == county.code]
        for t, cell in zip(members, partition(county.outline, len(members), _rng(seed, county.code))):
            t.polygon = cell

    townships = [t for t in townships if t.code in scope]
    villages = [v for v in villages if v.township_code in scope]
    for t in townships:
        members = [v for v in villages if v.township_code == t.code]
        for v, cell in zip(members, partition(t.polygon, len(members), _rng(seed, t.code))):
            v.polygon = cell

    weights = [_COMMUNITY_GRID_WEIGHT if v.is_community else _VILLAGE_GRID_WEIGHT for v in villages]
    per_village = apportion(p.grid_count, weights)
    kind_of = {t.code: t.kind for t in townships}
    grids: list[Grid] = []
    for v, n in zip(villages, per_village):
        for i, cell in enumerate(partition(v.polygon, n, _rng(seed, v.code)), start=1):
            activity = _TOWNSHIP_ACTIVITY[kind_of[v.township_code]] * (1.3 if v.is_community else 1.0)
            grids.append(
                Grid(
                    code=f"{v.code}{i:02d}",
                    name=f"{v.name}第{i}网格",
                    village_code=v.code,
                    township_code=v.township_code,
                    county_code=v.county_code,
                    polygon=cell,
                    activity=activity,
                )
            )
    for g, noded in zip(grids, node_coverage([g.polygon for g in grids])):
        g.polygon = noded
    # Villages and townships are exactly the union of their grids.
    for parent, key in ((villages, "village_code"), (townships, "township_code")):
        for d in parent:
            d.polygon = shapely.union_all([g.polygon for g in grids if getattr(g, key) == d.code], grid_size=PRECISION)
    _link_neighbours(grids)

    kinds = load_department_kinds()
    county_names = {c.code: c.name for c in counties}
    departments = build_departments(kinds, county_names, townships)
    staff = build_staff(grids, p.fulltime_workers, _rng(seed, "staff"))
    return World(
        preset=p,
        seed=seed,
        counties=counties,
        townships=townships,
        villages=villages,
        grids=grids,
        department_kinds=kinds,
        departments=departments,
        taxonomy=load_taxonomy(),
        staff=staff,
    )


def _link_neighbours(grids: list[Grid]) -> None:
    tree = STRtree([g.polygon for g in grids])
    for i, g in enumerate(grids):
        for j in tree.query(g.polygon, predicate="intersects"):
            if j != i:
                g.neighbours.append(grids[j].code)
