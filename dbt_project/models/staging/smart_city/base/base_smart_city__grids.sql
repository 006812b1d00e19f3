-- Every landed row of the grid list, typed and checked; polygons still GCJ-02 GeoJSON.
-- The whole list lands on each load; a changed content is a new version of the grid.
{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='fail') }}
with landed as (
    {{ landed_rows('smart_city', 'grids', version_by='payload', snapshot=true) }}
),

typed as (
    {% call(doc) json_select('landed', 'payload') %}
        record_key as grid_code,
        {{ json_text(doc, '$.properties.grid_name') }} as grid_name,
        {{ json_text(doc, '$.properties.village_code') }} as village_code,
        {{ json_text(doc, '$.properties.township_code') }} as township_code,
        {{ json_text(doc, '$.properties.county_code') }} as county_code,
        try_cast({{ json_text(doc, '$.properties.valid_from') }} as date) as valid_from,
        try_cast({{ json_text(doc, '$.properties.valid_to') }} as date) as valid_to,
        coalesce({{ json_text(doc, '$.properties.coordinate_system') }}, 'WGS-84') as source_crs,
        {{ json_fragment(doc, '$.geometry') }} as geometry_geojson,
        {{ json_text(doc, '$.properties.valid_from') }} as _valid_from_text,
        {{ json_text(doc, '$.properties.valid_to') }} as _valid_to_text,
        {{ json_text(doc, '$.geometry.type') }} as _geometry_type,
        {{ landing_columns() }}
    {% endcall %}
)

select
    typed.*,
    {{ base_columns(
        [check_required('village_code', 'village_code'), check_required('_geometry_type', 'geometry')]
        + check_time('_valid_from_text', 'valid_from', 'valid_from')
        + check_time('_valid_to_text', 'valid_to', 'valid_to', future=false)
        + [
            check_code('_geometry_type', ['Polygon'], 'geometry.type'),
            check_code('source_crs', ['GCJ-02', 'WGS-84', 'BD-09'], 'coordinate_system'),
        ],
        key_field='id',
    ) }}
from typed
