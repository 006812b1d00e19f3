-- Grid polygons conformed to WGS-84, as rings of [lon, lat] vertices (for the point-in-
-- polygon join, macros/geometry.sql) and as WKT, one row per version with its validity
-- [valid_from, valid_to) in Asia/Shanghai days. The first version starts when the platform
-- says; a changed grid (new polygon, new village) starts a new version on the day it was
-- first listed, ending the one before. A grid that drops out of the list ends on the day of
-- the last list that had it, unless the platform gave an end date itself.
with versions as (
    select
        *,
        cast(row_number() over (partition by grid_code order by first_seen_at, last_seen_at) as bigint) as version_no,
        lead({{ local_date('first_seen_at') }}) over (partition by grid_code order by first_seen_at, last_seen_at)
            as next_version_from
    from {{ ref('stg_smart_city__grids') }}
),

parsed as (
    select
        grid_code, version_no, grid_name, village_code, township_code, county_code, source_crs,
        case when version_no = 1 then valid_from
             else greatest(valid_from, {{ local_date('first_seen_at') }}) end as valid_from,
        coalesce(next_version_from, valid_to, case when not is_current then {{ local_date('last_seen_at') }} end)
            as valid_to,
        is_current,
        {{ parse_geojson_polygon('geometry_geojson') }} as geojson
    from versions
),

rings as (
    select
        {{ star_except(['geojson']) }},
        case
            when upper(source_crs) = 'GCJ-02'
                then {{ list_map('geojson.coordinates', 'ring', gcj02_to_wgs84_vertices('ring')) }}
            else geojson.coordinates
        end as rings_wgs84
    from parsed
    where geojson.type = 'Polygon'
)

select
    *,
    'POLYGON (' || {{ list_join(list_map('rings_wgs84', 'ring',
        "'(' || " ~ list_join(list_map('ring', 'v',
            "cast(round(" ~ list_at('v', 1) ~ ", 9) as string) || ' ' || cast(round(" ~ list_at('v', 2) ~ ", 9) as string)"),
        "', '") ~ " || ')'"), "', '") }} || ')' as polygon_wkt
from rings
