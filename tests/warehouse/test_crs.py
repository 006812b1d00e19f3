"""Coordinate conversions: round trips, the size and direction of the offsets in Kaifeng."""

import math

import pytest

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
