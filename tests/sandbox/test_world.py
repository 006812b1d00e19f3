"""The sandbox world: real divisions, 5,811 valid disjoint grids, 1+1+1+N staffing."""

from collections import Counter
from datetime import date

import pytest
import shapely

from sandbox.world import build_world


@pytest.fixture(scope="module")
def city():
    return build_world("city")


def test_city_has_the_real_division_counts(city):
    assert len({c.code for c in city.counties}) == 9
    assert len(city.townships) == 124
    assert len(city.villages) == 2528
    assert len(city.grids) == 5811


def test_grid_codes_embed_their_village_code_and_are_unique(city):
    codes = [g.code for g in city.grids]
    assert len(set(codes)) == len(codes)
    for g in city.grids:
        assert g.code.startswith(g.village_code) and len(g.code) == 14
        assert g.village_code.startswith(g.township_code) and g.township_code.startswith(g.county_code)


def test_every_village_has_at_least_one_grid(city):
    per_village = Counter(g.village_code for g in city.grids)
    assert set(per_village) == {v.code for v in city.villages}


def test_grid_polygons_are_valid_and_pairwise_disjoint(city):
    polys = [g.polygon for g in city.grids]
    assert all(p.geom_type == "Polygon" and p.is_valid and p.area > 0 for p in polys)
    tree = shapely.STRtree(polys)
    left, right = tree.query(polys, predicate="intersects")
    pairs = [(i, j) for i, j in zip(left, right) if i < j]
    overlap = [polys[i].intersection(polys[j]).area for i, j in pairs]
    assert pairs, "neighbouring grids should touch"
    assert max(overlap) == 0.0


def test_every_grid_lies_in_its_village_township_and_real_county_outline(city):
    villages = {v.code: v for v in city.villages}
    townships = {t.code: t for t in city.townships}
    counties = {c.code: c for c in city.counties if c.outline is not None}
    for g in city.grids:
        assert villages[g.village_code].polygon.covers(g.polygon)
        assert townships[g.township_code].polygon.covers(g.polygon)
        # the county outline came from GCJ-02: grids sit inside it to within a millimetre
        assert counties[g.county_code].outline.buffer(1e-8).covers(g.polygon)


def test_staffing_is_one_plus_one_plus_one_plus_n(city):
    roles = Counter(s.role for s in city.staff)
    assert roles["grid_leader"] == 5811
    assert roles["fulltime_worker"] == 1821
    assert roles["grid_instructor"] > 0 and roles["parttime_worker"] > 0
    assert 10_000 <= len(city.staff) <= 12_000
    day = date(2026, 10, 15)
    covered = Counter()
    for s in city.staff:
        for grid in s.grids_on(day):
            covered[(grid, s.role)] += 1
    for g in city.grids:
        assert covered[(g.code, "grid_leader")] == 1
        assert covered[(g.code, "grid_instructor")] == 1
        assert covered[(g.code, "fulltime_worker")] == 1


def test_some_fulltime_workers_are_reassigned_with_closed_intervals(city):
    moved = [s for s in city.staff if any(a.valid_to for a in s.assignments)]
    assert moved
    for s in moved:
        for a in s.assignments:
            assert a.valid_to is None or a.valid_to > a.valid_from


def test_departments_cover_the_four_platforms_with_township_stations(city):
    platforms = Counter(d.platform_code for d in city.departments)
    assert set(platforms) == {"GOV", "ENF", "SVC", "SUP"}
    levels = Counter(d.level for d in city.departments)
    assert levels["city"] == len(city.department_kinds)
    assert levels["township_station"] >= 124


def test_taxonomy_has_56_categories_and_314_subitems(city):
    assert len(city.taxonomy) == 314
    assert len({s.category_code for s in city.taxonomy}) == 56
    kinds = {k.code for k in city.department_kinds}
    assert all(s.default_department_kind in kinds for s in city.taxonomy)


def test_world_is_deterministic_for_a_seed_and_differs_across_seeds():
    fresh = build_world.__wrapped__  # bypass the cache: build the world twice for real
    a, b, c = fresh("tiny", 7), fresh("tiny", 7), fresh("tiny", 8)
    assert a is not b
    assert [g.polygon.wkt for g in a.grids] == [g.polygon.wkt for g in b.grids]
    assert [g.polygon.wkt for g in a.grids] != [g.polygon.wkt for g in c.grids]
    assert [s.name for s in a.staff] == [s.name for s in b.staff]


def test_tiny_is_one_township_with_a_few_grids():
    tiny = build_world("tiny")
    assert [t.code for t in tiny.townships] == ["410204002"]
    assert 3 <= len(tiny.grids) <= 12
