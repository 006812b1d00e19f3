-- Grids as the platform lists them: one row per version, polygon still in GCJ-02 GeoJSON.
with versions as (
    {{ snapshot_versions(source('smart_city', 'grids')) }}
)

select
    record_key as grid_code,
    {{ json_text('payload', '$.properties.grid_name') }} as grid_name,
    {{ json_text('payload', '$.properties.village_code') }} as village_code,
    {{ json_text('payload', '$.properties.township_code') }} as township_code,
    {{ json_text('payload', '$.properties.county_code') }} as county_code,
    try_cast({{ json_text('payload', '$.properties.valid_from') }} as date) as valid_from,
    try_cast({{ json_text('payload', '$.properties.valid_to') }} as date) as valid_to,
    coalesce({{ json_text('payload', '$.properties.coordinate_system') }}, 'WGS-84') as source_crs,
    {{ json_fragment('payload', '$.geometry') }} as geometry_geojson,
    first_seen_at,
    last_seen_at,
    is_current
from versions
