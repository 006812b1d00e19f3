-- Grid polygons conformed to WGS-84, as rings of [lon, lat] vertices (for the point-in-
-- polygon join, macros/geometry.sql) and as WKT, with area and centroid, one row per version
-- with its validity [valid_from, valid_to) in Asia/Shanghai days. The first version starts
-- when the platform says; a changed grid (new polygon, new village) starts a new version on
-- the day it was first listed, ending the one before. A grid that drops out of the list ends
-- on the day of the last list that had it, unless the platform gave an end date itself.
-- The versions and their days are worked out for every grid on each build (cheap); the
-- polygons are conformed again only for the grids whose versions differ from those held,
-- so a daily list that changed nothing changes nothing here.
{{ config(materialized='incremental', incremental_strategy='replace_keys', unique_key='grid_code') }}
{%- set compared = ['grid_code', 'version_no', 'grid_name', 'village_code', 'township_code', 'county_code',
                    'source_crs', 'valid_from', 'valid_to', 'is_current', 'geometry_geojson'] %}
with versions as (
    select
        *,
        cast(row_number() over (partition by grid_code order by first_seen_at, last_seen_at) as bigint) as version_no,
        lead({{ local_date('first_seen_at') }}) over (partition by grid_code order by first_seen_at, last_seen_at)
            as next_version_from
    from {{ ref('stg_smart_city__grids') }}
),

dated as (
    select
        grid_code, version_no, grid_name, village_code, township_code, county_code, source_crs,
        case when version_no = 1 then valid_from
             else greatest(valid_from, {{ local_date('first_seen_at') }}) end as valid_from,
        coalesce(next_version_from, valid_to, case when not is_current then {{ local_date('last_seen_at') }} end)
            as valid_to,
        is_current,
        geometry_geojson
    from versions
),

affected as (
    {%- if is_incremental() %}
    select d.grid_code from dated as d
    left join {{ this }} as o on o.grid_code = d.grid_code and o.version_no = d.version_no
    where o.grid_code is null or {{ row_fingerprint(compared, 'o') }} <> {{ row_fingerprint(compared, 'd') }}
    union
    select o.grid_code from {{ this }} as o
    left join dated as d on d.grid_code = o.grid_code and d.version_no = o.version_no
    where d.grid_code is null
    {%- else %}
    select distinct grid_code from dated
    {%- endif %}
),

parsed as (
    select d.*, {{ parse_geojson_polygon('d.geometry_geojson') }} as geojson
    from dated as d
    where {{ among('d.grid_code', 'affected') }}
),

rings as (
    -- geojson.coordinates is a field of the struct column geojson, which sqlfluff reads as a
    -- table's column (RF03)
    select
        {{ star_except(['geojson']) }},
        case
            when upper(source_crs) = 'GCJ-02'  -- noqa: RF03
                then {{ list_map('geojson.coordinates', 'ring', gcj02_to_wgs84_vertices('ring')) }}
            else geojson.coordinates
        end as rings_wgs84
    from parsed
    where geojson.type = 'Polygon'
),

edges as (
    {{ polygon_edges('rings', ['grid_code', 'version_no'], 'rings_wgs84') }}
),

measures as (
    {{ polygon_measures('edges', ['grid_code', 'version_no']) }}
)

select
    r.*,
    'POLYGON (' || {{ list_join(list_map('r.rings_wgs84', 'ring',
        "'(' || " ~ list_join(list_map('ring', 'v',
            "cast(round(" ~ list_at('v', 1) ~ ", 9) as string) || ' ' || "
            ~ "cast(round(" ~ list_at('v', 2) ~ ", 9) as string)"),
        "', '") ~ " || ')'"), "', '") }} || ')' as polygon_wkt,
    m.area_km2,
    m.centroid_longitude,
    m.centroid_latitude,
    {{ build_stamp() }} as _loaded_at
from rings as r
left join measures as m on r.grid_code = m.grid_code and r.version_no = m.version_no
{{ tombstones('affected', ['grid_code']) }}
