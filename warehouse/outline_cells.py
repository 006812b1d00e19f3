"""The Kaifeng outline as a lookup table of cells, for the ``outside_kaifeng`` check.

The check asks whether a coordinate lies inside the city with a margin of about 500 m
(0.005 degree). Any warehouse engine can answer that by a join when the widened outline is
given as cells: a 0.001-degree raster (about 100 m) over WGS-84, one row per run of
consecutive cells in a row of the raster that the widened outline touches
(``cell_y, cell_x_from, cell_x_to``, where a coordinate's cell is ``floor(degrees / 0.001)``).
A point whose cell is in the table is inside; the margin is therefore 0.005 degree plus at
most one cell.

The table is derived from the outline seed (GCJ-02, converted with ``warehouse.crs``) and
committed as the seed ``kaifeng_4102_outline_cells.csv``; ``python -m warehouse.outline_cells``
writes it again, and a test checks that the committed table is what this module derives.
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import shapely
from shapely.geometry import Polygon, box

from warehouse.crs import gcj02_to_wgs84
from warehouse.settings import PROJECT_ROOT

CELL_DEGREES = 0.001
MARGIN_DEGREES = 0.005
SEEDS = PROJECT_ROOT / "dbt_project" / "seeds" / "reference"
OUTLINE_SEED = SEEDS / "kaifeng_4102_outline.csv"
CELLS_SEED = SEEDS / "kaifeng_4102_outline_cells.csv"


def cell_of(degrees: float) -> int:
    """The raster index of a coordinate, as the SQL computes it."""
    return math.floor(degrees / CELL_DEGREES)


def outline_wgs84(path: Path = OUTLINE_SEED) -> Polygon:
    """The city outline of the seed, converted from GCJ-02 to WGS-84."""
    with path.open(encoding="utf-8", newline="") as f:
        (row,) = list(csv.DictReader(f))
    if row["coordinate_system"] != "GCJ-02":
        raise ValueError(f"the outline seed is in {row['coordinate_system']}, not GCJ-02")
    geo = json.loads(row["geometry_geojson"])
    rings = [[gcj02_to_wgs84(x, y) for x, y in ring] for ring in geo["coordinates"]]
    return shapely.make_valid(Polygon(rings[0], rings[1:]))


def widened_outline(path: Path = OUTLINE_SEED):
    return outline_wgs84(path).buffer(MARGIN_DEGREES)


def cell_runs(area) -> list[tuple[int, int, int]]:
    """(cell_y, cell_x_from, cell_x_to) for every run of raster cells that touch `area`."""
    minx, miny, maxx, maxy = area.bounds
    shapely.prepare(area)
    runs: list[tuple[int, int, int]] = []
    for cy in range(cell_of(miny), cell_of(maxy) + 1):
        strip = area.intersection(box(minx - 1, cy * CELL_DEGREES, maxx + 1, (cy + 1) * CELL_DEGREES))
        if strip.is_empty:
            continue
        # a connected piece of the strip covers a connected range of columns
        spans = sorted((cell_of(p.bounds[0]), cell_of(p.bounds[2])) for p in getattr(strip, "geoms", [strip]))
        merged: list[list[int]] = []
        for lo, hi in spans:
            if merged and lo <= merged[-1][1] + 1:
                merged[-1][1] = max(merged[-1][1], hi)
            else:
                merged.append([lo, hi])
        runs.extend((cy, lo, hi) for lo, hi in merged)
    return runs


def write_cells(path: Path = CELLS_SEED) -> int:
    runs = cell_runs(widened_outline())
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["cell_y", "cell_x_from", "cell_x_to"])
        w.writerows(runs)
    return len(runs)


if __name__ == "__main__":
    print(f"{write_cells()} runs written to {CELLS_SEED}")
