"""The geography of the sandbox world: real divisions laid out inside the real outlines.

Counties, townships and villages/communities are the real NBS 2023 divisions. Their
outlines below county level are not public, so each county outline (GCJ-02, converted to
WGS-84 here) is divided into its townships, each township into its villages, and each
village into its grids, by Voronoi cells around relaxed random seeds. The result is a set
of valid, pairwise disjoint polygons, every grid inside one village and one township.
"""

from __future__ import annotations

import csv
import json
import random
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import MultiPoint, Point, Polygon

from warehouse.crs import gcj02_to_wgs84

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DIVISIONS_DIR = PROJECT_ROOT / "dbt_project" / "seeds" / "reference"
BOUNDARIES_DIR = PROJECT_ROOT / "sandbox" / "reference" / "boundaries"

# The finished grid coverage is snap-rounded onto a 1e-8 degree lattice (about 1 mm), so
# neighbouring grids share their edge vertices exactly and stay disjoint through any later
# vertex-wise conversion (GCJ-02 for serving, back to WGS-84 in the warehouse).
PRECISION = 1e-8


@dataclass
class County:
    code: str
    name: str
    outline: Polygon | None = None


@dataclass
class Township:
    code: str
    name: str
    county_code: str
    kind: str  # 街道 / 镇 / 乡 / other (farms, parks)
    polygon: Polygon | None = None


@dataclass
class Village:
    code: str
    name: str
    township_code: str
    county_code: str
    polygon: Polygon | None = None

    @property
    def is_community(self) -> bool:
        return self.name.endswith("社区")


@dataclass
class Grid:
    code: str
    name: str
    village_code: str
    township_code: str
    county_code: str
    polygon: Polygon
    activity: float = 1.0  # relative event intensity (urban grids see more)
    neighbours: list[str] = field(default_factory=list)


def _read_csv(name: str) -> list[dict]:
    with open(DIVISIONS_DIR / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def township_kind(name: str) -> str:
    for suffix in ("街道", "镇", "乡"):
        if name.endswith(suffix):
            return suffix
    return "其他"


def load_divisions() -> tuple[list[County], list[Township], list[Village]]:
    counties = [County(r["code"], r["name"]) for r in _read_csv("kaifeng_4102_counties.csv")]
    townships = [
        Township(r["code"], r["name"], r["areaCode"], township_kind(r["name"]))
        for r in _read_csv("kaifeng_4102_townships.csv")
    ]
    villages = [
        Village(r["code"], r["name"], r["streetCode"], r["areaCode"]) for r in _read_csv("kaifeng_4102_villages.csv")
    ]
    return counties, townships, villages


def load_outline_wgs84(code: str) -> Polygon:
    """A county (or the city) outline from its GCJ-02 GeoJSON, converted to WGS-84."""
    geo = json.loads((BOUNDARIES_DIR / f"{code}.json").read_text(encoding="utf-8"))
    rings = [[gcj02_to_wgs84(x, y) for x, y in ring] for ring in geo["coordinates"]]
    poly = shapely.make_valid(Polygon(rings[0], rings[1:]))
    return _largest_polygon(poly)


def _largest_polygon(geom) -> Polygon:
    if isinstance(geom, Polygon):
        return geom
    parts = [g for g in getattr(geom, "geoms", []) if isinstance(g, Polygon)]
    if not parts:
        raise ValueError(f"no polygon in {geom.geom_type}")
    return max(parts, key=lambda p: p.area)


def random_points_in(poly: Polygon, n: int, rng: random.Random) -> np.ndarray:
    """n uniform random points inside poly, by rejection from its bounding box."""
    minx, miny, maxx, maxy = poly.bounds
    gen = np.random.default_rng(rng.getrandbits(64))
    shapely.prepare(poly)
    found: list[np.ndarray] = []
    have = 0
    while have < n:
        need = max(64, 3 * (n - have))
        pts = np.column_stack([gen.uniform(minx, maxx, need), gen.uniform(miny, maxy, need)])
        inside = pts[shapely.contains_xy(poly, pts[:, 0], pts[:, 1])]
        found.append(inside)
        have += len(inside)
    return np.concatenate(found)[:n]


def _relaxed_seeds(poly: Polygon, n: int, rng: random.Random, rounds: int = 4) -> np.ndarray:
    """Seeds spread evenly by a few rounds of Lloyd relaxation over sample points."""
    seeds = random_points_in(poly, n, rng)
    samples = random_points_in(poly, max(200, 40 * n), rng)
    for _ in range(rounds):
        d = ((samples[:, None, :] - seeds[None, :, :]) ** 2).sum(axis=2)
        nearest = d.argmin(axis=1)
        for i in range(n):
            members = samples[nearest == i]
            if len(members):
                seeds[i] = members.mean(axis=0)
    return seeds


def partition(poly: Polygon, n: int, rng: random.Random) -> list[Polygon]:
    """Divide poly into n disjoint polygons (Voronoi cells of relaxed seeds, clipped).

    A clipped cell of a concave parent can fall apart; each stray piece is given to the
    neighbouring cell it shares the longest border with, so every result is one polygon.
    """
    if n == 1:
        return [poly]
    seeds = _apart(_relaxed_seeds(poly, n, rng))
    cells = shapely.voronoi_polygons(MultiPoint(seeds), extend_to=poly, ordered=True)
    kept, strays = _home_parts(seeds, [c.intersection(poly) for c in cells.geoms])
    for stray in strays:
        _give_to_neighbour(kept, stray)
    result = [c for c in kept if c is not None]
    if len(result) != n:
        raise RuntimeError(f"partition produced {len(result)} cells, wanted {n}")
    return result


def _apart(seeds: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """The seeds, exact duplicates nudged apart (Lloyd relaxation can pull two together)."""
    seen: set[tuple[float, float]] = set()
    for i, (x, y) in enumerate(seeds):
        key = (round(x, 9), round(y, 9))
        while key in seen:
            x, y = x + 1e-6, y + 1e-6
            key = (round(x, 9), round(y, 9))
        seen.add(key)
        seeds[i] = (x, y)
    return seeds


def _home_parts(seeds, clipped) -> tuple[list, list[Polygon]]:
    """(each clipped cell's part that holds its seed, or its largest; None for an empty cell),
    (the other parts: strays)."""
    kept: list = []
    strays: list[Polygon] = []
    for seed, cell in zip(seeds, clipped):
        parts = [p for p in getattr(cell, "geoms", [cell]) if isinstance(p, Polygon) and not p.is_empty]
        if not parts:
            kept.append(None)
            continue
        home = next((p for p in parts if p.covers(Point(seed))), max(parts, key=lambda p: p.area))
        kept.append(home)
        strays.extend(p for p in parts if p is not home)
    return kept, strays


def _give_to_neighbour(kept: list, stray: Polygon) -> None:
    """Merge `stray` into the kept cell it shares the longest border with (when one piece results)."""
    best, best_len = None, 0.0
    for i, cell in enumerate(kept):
        if cell is None:
            continue
        shared = cell.boundary.intersection(stray.boundary).length
        if shared > best_len:
            best, best_len = i, shared
    if best is not None:
        merged = kept[best].union(stray)
        if isinstance(merged, Polygon):
            kept[best] = merged


def node_coverage(polygons: list[Polygon]) -> list[Polygon]:
    """Make a set of adjoining polygons an exact coverage on the PRECISION lattice.

    Cells clipped from different parents meet along edges that each side computed on its
    own, so their vertices differ in the last bits. Snap-rounding all boundaries together,
    polygonizing, and giving every face back to the polygon it lies in yields polygons that
    share identical vertices along every common edge: valid and pairwise disjoint.
    """
    lines = shapely.union_all([p.boundary for p in polygons], grid_size=PRECISION)
    faces = list(shapely.polygonize(getattr(lines, "geoms", [lines])).geoms)
    tree = shapely.STRtree(polygons)
    face_idx, poly_idx = tree.query([f.point_on_surface() for f in faces], predicate="within")
    parts: dict[int, list[Polygon]] = {}
    for fi, pi in zip(face_idx, poly_idx):
        parts.setdefault(int(pi), []).append(faces[fi])
    out = []
    for i in range(len(polygons)):
        merged = shapely.union_all(parts.get(i, []), grid_size=PRECISION)
        if not isinstance(merged, Polygon) or merged.is_empty:
            raise RuntimeError(f"polygon {i} did not survive noding: {merged.geom_type}")
        out.append(merged)
    return out


def apportion(total: int, weights: list[float], minimum: int = 1) -> list[int]:
    """Split total into integers proportional to weights (largest remainder), each >= minimum."""
    base = [minimum] * len(weights)
    rest = total - minimum * len(weights)
    if rest < 0:
        raise ValueError("total smaller than the minimum allocation")
    wsum = sum(weights)
    quotas = [rest * w / wsum for w in weights]
    floors = [int(q) for q in quotas]
    left = rest - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (-(quotas[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    return [b + f for b, f in zip(base, floors)]
