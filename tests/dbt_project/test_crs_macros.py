"""The SQL conversion macros (dbt_project/macros/crs.sql) against the published reference
pairs, run through dbt itself: one `dbt show --inline` on a throwaway DuckDB warehouse.

The SQL only converts towards WGS-84 (`to_wgs84_point` from GCJ-02 and BD-09) plus the BD-09
-> GCJ-02 step it is built on, so each pair is fed in from its GCJ-02 or BD-09 side and
compared with its other side."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.dbt_project.dbt_cli import dbt_env, run_dbt
from tests.warehouse.crs_reference import REFERENCE_PAIRS, TOLERANCE_M, ReferencePair
from warehouse.crs import haversine_m

pytestmark = pytest.mark.slow  # dbt on a project or warehouse of its own: make test-all

# Which side of a pair goes in, and which comes out, for each pair of systems.
_SQL_DIRECTION = {
    frozenset(("WGS-84", "GCJ-02")): ("GCJ-02", "WGS-84"),
    frozenset(("WGS-84", "BD-09")): ("BD-09", "WGS-84"),
    frozenset(("GCJ-02", "BD-09")): ("BD-09", "GCJ-02"),
}


def _sql_cases() -> list[tuple[ReferencePair, str, str]]:
    return [(p, *_SQL_DIRECTION[frozenset((p.from_crs, p.to_crs))]) for p in REFERENCE_PAIRS]


def _inline_query(cases: list[tuple[ReferencePair, str, str]]) -> str:
    # Cast to DOUBLE as staging produces them: with DECIMAL literals the macros' squared
    # terms overflow DuckDB's DECIMAL(18).
    rows = ",\n    ".join(
        f"({i}, {lon!r}::double, {lat!r}::double, '{src}', '{dst}')"
        for i, (p, src, dst) in enumerate(cases)
        for lon, lat in [p.point(src)]
    )
    return f"""
with pairs(i, lon, lat, crs, target) as (
  values
    {rows}
),
converted as (
  select
    i,
    case
      when target = 'GCJ-02' then {{{{ bd09_to_gcj02_vertices('[[lon, lat]]') }}}}[1]
      else {{{{ to_wgs84_point('lon', 'lat', 'crs') }}}}
    end as p
  from pairs
)
select i, p[1] as lon, p[2] as lat from converted order by i
"""


def _dbt_show(sql: str, limit: int, tmp_path: Path) -> list[dict]:
    env = dbt_env(tmp_path / "crs.duckdb", tmp_path / "lake")
    args = ["show", "--output", "json", "--limit", str(limit), "--inline", sql]
    done = run_dbt(args, env, tmp_path, timeout=300)
    assert done.returncode == 0, f"dbt show failed:\n{done.stdout}\n{done.stderr}"
    return json.loads(done.stdout[done.stdout.index("{") :])["show"]


@pytest.fixture(scope="module")
def sql_results(tmp_path_factory):
    """(pair, input system, output system, error in metres) for every reference pair."""
    cases = _sql_cases()
    rows = {r["i"]: r for r in _dbt_show(_inline_query(cases), len(cases), tmp_path_factory.mktemp("crs_macros"))}
    assert sorted(rows) == list(range(len(cases)))
    return [
        (pair, src, dst, haversine_m(rows[i]["lon"], rows[i]["lat"], *pair.point(dst)))
        for i, (pair, src, dst) in enumerate(cases)
    ]


def test_every_reference_pair_goes_through_the_sql(sql_results):
    assert len(sql_results) == len(REFERENCE_PAIRS)
    directions = {(src, dst) for _, src, dst, _ in sql_results}
    assert directions == {("GCJ-02", "WGS-84"), ("BD-09", "WGS-84"), ("BD-09", "GCJ-02")}


def test_sql_macros_agree_with_published_pairs_within_a_metre(sql_results):
    off = [
        f"{pair.id} {src} -> {dst}: {error_m:.3f} m ({pair.source})"
        for pair, src, dst, error_m in sql_results
        if not error_m < TOLERANCE_M
    ]
    assert not off, "SQL conversions more than a metre from the published values:\n" + "\n".join(off)
