"""Coordinate conversions: round trips, the size and direction of the offsets in Kaifeng, and
agreement within a metre with published reference pairs (crs_reference_pairs.csv)."""

import math

import pytest

from tests.warehouse.crs_reference import REFERENCE_PAIRS, TOLERANCE_M
from warehouse import crs

KAIFENG_POINTS = [(114.30, 34.80), (114.35, 34.79), (114.76, 34.56), (114.19, 34.41), (114.91, 34.84)]


@pytest.mark.parametrize("lon,lat", KAIFENG_POINTS)
def test_gcj02_round_trip_within_a_millimetre(lon, lat):
    g = crs.wgs84_to_gcj02(lon, lat)
    back = crs.gcj02_to_wgs84(*g)
    assert crs.haversine_m(lon, lat, *back) < 0.001


@pytest.mark.parametrize("lon,lat", KAIFENG_POINTS)
def test_bd09_round_trip_within_a_millimetre(lon, lat):
    b = crs.wgs84_to_bd09(lon, lat)
    back = crs.bd09_to_wgs84(*b)
    assert crs.haversine_m(lon, lat, *back) < 0.001


@pytest.mark.parametrize("lon,lat", KAIFENG_POINTS)
def test_gcj02_offset_in_kaifeng_is_a_few_hundred_metres_east_north_east(lon, lat):
    g = crs.wgs84_to_gcj02(lon, lat)
    shift = crs.haversine_m(lon, lat, *g)
    assert 300 < shift < 900
    assert g[0] > lon  # GCJ-02 moves points east here


def test_one_inverse_step_is_not_enough_three_are():
    g = crs.wgs84_to_gcj02(114.3, 34.8)
    one = crs.gcj02_to_wgs84(*g, iterations=1)
    three = crs.gcj02_to_wgs84(*g, iterations=3)
    assert crs.haversine_m(114.3, 34.8, *one) > 0.1
    assert crs.haversine_m(114.3, 34.8, *three) < 0.001


def test_haversine_one_degree_of_latitude():
    assert math.isclose(crs.haversine_m(114.0, 34.0, 114.0, 35.0), 111_195, rel_tol=1e-3)


# --- published reference pairs (tests/warehouse/crs_reference_pairs.csv) ------------------
CONVERSIONS = {
    ("WGS-84", "GCJ-02"): crs.wgs84_to_gcj02,
    ("GCJ-02", "WGS-84"): crs.gcj02_to_wgs84,
    ("GCJ-02", "BD-09"): crs.gcj02_to_bd09,
    ("BD-09", "GCJ-02"): crs.bd09_to_gcj02,
    ("WGS-84", "BD-09"): crs.wgs84_to_bd09,
    ("BD-09", "WGS-84"): crs.bd09_to_wgs84,
}


def test_reference_pairs_cover_each_conversion_kaifeng_and_every_source():
    by_systems: dict[frozenset[str], int] = {}
    for p in REFERENCE_PAIRS:
        key = frozenset((p.from_crs, p.to_crs))
        by_systems[key] = by_systems.get(key, 0) + 1
        assert p.source.strip()
        assert (p.from_crs, p.to_crs) in CONVERSIONS
    assert by_systems[frozenset(("WGS-84", "GCJ-02"))] >= 6
    assert by_systems[frozenset(("GCJ-02", "BD-09"))] >= 6
    assert by_systems[frozenset(("WGS-84", "BD-09"))] >= 6
    assert any(p.name.startswith("kaifeng") for p in REFERENCE_PAIRS)


@pytest.mark.parametrize("direction", ["forward", "inverse"])
@pytest.mark.parametrize("pair", REFERENCE_PAIRS, ids=lambda p: p.id)
def test_conversion_agrees_with_published_pair_within_a_metre(pair, direction):
    src, dst = (pair.from_crs, pair.to_crs) if direction == "forward" else (pair.to_crs, pair.from_crs)
    got = CONVERSIONS[(src, dst)](*pair.point(src))
    error_m = crs.haversine_m(*got, *pair.point(dst))
    assert error_m < TOLERANCE_M, f"{pair.id} {src} -> {dst}: {error_m:.3f} m off ({pair.source})"
