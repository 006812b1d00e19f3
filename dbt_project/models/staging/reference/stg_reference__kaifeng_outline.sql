-- The outline of Kaifeng in WGS-84, widened by about 500 m (0.005 degree) and simplified:
-- coordinates outside it are quarantined as outside_kaifeng. The source outline is GCJ-02.
with parsed as (
    select
        code,
        name,
        from_json(geometry_geojson, '{"type": "VARCHAR", "coordinates": "DOUBLE[][][]"}') as geojson
    from {{ ref('kaifeng_4102_outline') }}
),

rings as (
    select
        code,
        name,
        list_transform(geojson.coordinates, lambda ring: {{ gcj02_to_wgs84_vertices('ring') }}) as rings_wgs84
    from parsed
)

select
    code,
    name,
    ST_Simplify(ST_Buffer(ST_GeomFromText('POLYGON (' || array_to_string(
        list_transform(rings_wgs84, lambda ring: '(' || array_to_string(
            list_transform(ring, lambda v: cast(v[1] as varchar) || ' ' || cast(v[2] as varchar)), ', ') || ')'),
        ', ') || ')'), 0.005), 0.0005) as geom
from rings
