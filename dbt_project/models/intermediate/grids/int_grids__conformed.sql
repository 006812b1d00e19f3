-- Grid polygons conformed to WGS-84, as WKT (portable) and as a geometry (for spatial
-- joins), with validity: a grid that drops out of the platform's list ends on the day of
-- the last list that had it, unless the platform gave an end date itself.
with latest as (
    {{ latest_per_key(ref('stg_smart_city__grids'), 'grid_code', 'last_seen_at desc, first_seen_at desc') }}
),

parsed as (
    select
        grid_code, grid_name, village_code, township_code, county_code, source_crs,
        valid_from,
        coalesce(valid_to, case when not is_current then {{ local_date('last_seen_at') }} end) as valid_to,
        from_json(geometry_geojson, '{"type": "VARCHAR", "coordinates": "DOUBLE[][][]"}') as geojson
    from latest
),

rings as (
    select
        * exclude (geojson),
        case
            when upper(source_crs) = 'GCJ-02'
                then list_transform(geojson.coordinates, lambda ring: {{ gcj02_to_wgs84_vertices('ring') }})
            else geojson.coordinates
        end as rings_wgs84
    from parsed
    where geojson.type = 'Polygon'
),

wkt as (
    select
        * exclude (rings_wgs84),
        'POLYGON (' || array_to_string(
            list_transform(rings_wgs84, lambda ring: '(' || array_to_string(
                list_transform(ring, lambda v: cast(round(v[1], 9) as varchar) || ' ' || cast(round(v[2], 9) as varchar)),
                ', ') || ')'),
            ', ') || ')' as polygon_wkt
    from rings
)

select
    *,
    ST_GeomFromText(polygon_wkt) as geom
from wkt
