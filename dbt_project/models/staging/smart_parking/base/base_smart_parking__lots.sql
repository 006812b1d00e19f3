-- Every landed row of the parking lot list, typed and checked; coordinates BD-09 as the
-- platform sends them. The whole list lands on each load.
{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='fail') }}
with landed as (
    {{ landed_rows('smart_parking', 'lots', version_by='payload', snapshot=true) }}
),

typed as (
    {% call(doc) json_select('landed', 'payload') %}
        record_key as lot_id,
        {{ json_text(doc, '$.name') }} as lot_name,
        {{ json_text(doc, '$.lot_type') }} as lot_type,
        {{ json_int(doc, '$.berth_count') }} as berth_count,
        {{ json_degrees(doc, '$.longitude', 180) }} as source_longitude,
        {{ json_degrees(doc, '$.latitude', 90) }} as source_latitude,
        coalesce({{ json_text(doc, '$.coordinate_system') }}, 'BD-09') as source_crs,
        {{ json_text(doc, '$.berth_count') }} as _berth_text,
        {{ json_text(doc, '$.longitude') }} as _long_text,
        {{ json_text(doc, '$.latitude') }} as _lat_text,
        {{ landing_columns() }}
    {% endcall %}
)

select
    typed.*,
    {{ base_columns([
        check_type('_berth_text', 'berth_count', 'berth_count'),
        check_range('berth_count', 'berth_count', lo=0),
        ] + check_degrees('_long_text', 'source_longitude', 'longitude')
        + check_degrees('_lat_text', 'source_latitude', 'latitude') + [
        check_code('source_crs', ['GCJ-02', 'WGS-84', 'BD-09'], 'coordinate_system'),
        check_inside_kaifeng('source_longitude', 'source_latitude', 'source_crs', 'longitude,latitude'),
    ],
        key_field='lot_id',
    ) }}
from typed
{{ kaifeng_outline_join() }}
