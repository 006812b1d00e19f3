"""Published GCJ-02 / BD-09 / WGS-84 reference pairs (``crs_reference_pairs.csv``), shared by
the Python and the SQL conversion tests. The CSV's comment header names the sources."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

PAIRS_CSV = Path(__file__).with_name("crs_reference_pairs.csv")

# What the warehouse promises: conformed points within a metre of the published values.
TOLERANCE_M = 1.0


@dataclass(frozen=True)
class ReferencePair:
    name: str
    from_crs: str
    from_lon: float
    from_lat: float
    to_crs: str
    to_lon: float
    to_lat: float
    source: str

    @property
    def id(self) -> str:
        return f"{self.name}:{self.from_crs}->{self.to_crs}"

    def point(self, crs: str) -> tuple[float, float]:
        """The pair's point in `crs` (one of its two systems)."""
        if crs == self.from_crs:
            return self.from_lon, self.from_lat
        if crs == self.to_crs:
            return self.to_lon, self.to_lat
        raise KeyError(f"{self.id} has no {crs} point")


def load_reference_pairs() -> list[ReferencePair]:
    with PAIRS_CSV.open(encoding="utf-8", newline="") as f:
        rows = csv.DictReader(line for line in f if not line.startswith("#"))
        return [
            ReferencePair(
                name=r["name"],
                from_crs=r["from_crs"],
                from_lon=float(r["from_lon"]),
                from_lat=float(r["from_lat"]),
                to_crs=r["to_crs"],
                to_lon=float(r["to_lon"]),
                to_lat=float(r["to_lat"]),
                source=r["source"],
            )
            for r in rows
        ]


REFERENCE_PAIRS = load_reference_pairs()
