"""Grid assignment and grid measures in plain SQL (dbt_project/macros/geometry.sql), checked
on the tiny pipeline's warehouse against DuckDB's spatial extension over the same polygons:
the point-in-polygon join finds exactly the grid versions ST_Intersects finds, and the
area and centroid match ST_Area_Spheroid and ST_Centroid."""

from __future__ import annotations


def test_point_in_polygon_finds_what_st_intersects_finds(con):
    by_spatial = set(
        con.execute(
            """
            select e.event_id, g.grid_code, g.valid_from
            from intermediate.int_events__conformed as e
            join intermediate.int_grids__conformed as g
              on ST_Intersects(ST_GeomFromText(g.polygon_wkt), ST_Point(e.longitude, e.latitude))
            """
        ).fetchall()
    )
    by_sql = set(
        con.execute("select event_id, grid_code, valid_from from intermediate.int_events__grid_matches").fetchall()
    )
    assert len(by_spatial) > 100
    assert by_sql == by_spatial


def test_area_and_centroid_match_the_spatial_extension(con):
    rows = con.execute(
        """
        select grid_code, area_km2, centroid_longitude, centroid_latitude,
               ST_Area_Spheroid(ST_FlipCoordinates(ST_GeomFromText(polygon_wkt))) / 1e6,
               ST_X(ST_Centroid(ST_GeomFromText(polygon_wkt))), ST_Y(ST_Centroid(ST_GeomFromText(polygon_wkt)))
        from marts.dim_grid
        """
    ).fetchall()
    assert rows
    for code, area, lon, lat, spatial_area, spatial_lon, spatial_lat in rows:
        assert abs(area - spatial_area) <= 1e-4, (code, area, spatial_area)  # area_km2 is rounded to 4 places
        assert abs(lon - spatial_lon) < 1e-8 and abs(lat - spatial_lat) < 1e-8, code  # WKT keeps 9 decimals
