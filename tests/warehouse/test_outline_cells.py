"""The outline raster the outside_kaifeng check joins (warehouse/outline_cells.py): the
committed seed is what the module derives from the outline seed, and a point's answer from
the raster agrees with the exact geometry within the stated margin."""

from __future__ import annotations

import csv
import math
import random

import shapely
from shapely.geometry import Point

from warehouse.crs import gcj02_to_wgs84
from warehouse.outline_cells import (
    CELL_DEGREES,
    CELLS_SEED,
    MARGIN_DEGREES,
    cell_of,
    cell_runs,
    outline_wgs84,
    widened_outline,
)


def _committed() -> list[tuple[int, int, int]]:
    with CELLS_SEED.open(encoding="utf-8", newline="") as f:
        return [(int(r["cell_y"]), int(r["cell_x_from"]), int(r["cell_x_to"])) for r in csv.DictReader(f)]


def _inside(runs: dict[int, list[tuple[int, int]]], lon: float, lat: float) -> bool:
    return any(lo <= cell_of(lon) <= hi for lo, hi in runs.get(cell_of(lat), []))


def _by_row(rows):
    out: dict[int, list[tuple[int, int]]] = {}
    for cy, lo, hi in rows:
        out.setdefault(cy, []).append((lo, hi))
    return out


def test_the_committed_seed_is_what_the_outline_gives():
    assert _committed() == cell_runs(widened_outline())


def test_runs_of_a_row_do_not_overlap():
    for row in _by_row(_committed()).values():
        row.sort()
        assert all(a[1] + 1 < b[0] for a, b in zip(row, row[1:])), row


def test_known_places_inside_and_outside():
    runs = _by_row(_committed())
    assert _inside(runs, *gcj02_to_wgs84(114.307, 34.797))  # Gulou district, the city centre
    assert not _inside(runs, *gcj02_to_wgs84(113.625, 34.746))  # Zhengzhou
    assert not _inside(runs, 0.0, 0.0)  # a device without a fix


def test_the_raster_agrees_with_the_geometry_within_its_margin():
    """Inside by the raster: within the margin plus one cell's diagonal of the outline.
    Outside by the raster: farther than the margin. 20,000 points over the outline's box."""
    runs = _by_row(_committed())
    outline = outline_wgs84()
    shapely.prepare(outline)
    minx, miny, maxx, maxy = outline.bounds
    rng = random.Random(20261202)
    slack = math.hypot(CELL_DEGREES, CELL_DEGREES)
    seen = {True: 0, False: 0}
    for _ in range(20_000):
        lon = rng.uniform(minx - 0.05, maxx + 0.05)
        lat = rng.uniform(miny - 0.05, maxy + 0.05)
        distance = outline.distance(Point(lon, lat))
        inside = _inside(runs, lon, lat)
        seen[inside] += 1
        if inside:
            assert distance <= MARGIN_DEGREES + slack + 1e-12, (lon, lat, distance)
        else:
            assert distance > MARGIN_DEGREES, (lon, lat, distance)
    assert seen[True] > 5_000 and seen[False] > 1_000
