-- Every landed row of the camera list, typed and checked; coordinates are WGS-84 strings
-- in the source. The whole list lands on each load.
{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='fail') }}
with landed as (
    {{ landed_rows('sharp_eyes', 'cameras', version_by='payload', snapshot=true) }}
),

typed as (
    {% call(doc) json_select('landed', 'payload') %}
        record_key as camera_index_code,
        {{ json_text(doc, '$.cameraName') }} as camera_name,
        {{ json_text(doc, '$.regionIndexCode') }} as region_index_code,
        {{ json_degrees(doc, '$.longitude', 180) }} as source_longitude,
        {{ json_degrees(doc, '$.latitude', 90) }} as source_latitude,
        'WGS-84' as source_crs,
        {{ json_int(doc, '$.status') }} as status,
        {{ json_text(doc, '$.longitude') }} as _long_text,
        {{ json_text(doc, '$.latitude') }} as _lat_text,
        {{ landing_columns() }}
    {% endcall %}
)

select
    typed.*,
    {{ base_columns([
        check_required('_long_text', 'longitude'),
        check_required('_lat_text', 'latitude'),
        ] + check_degrees('_long_text', 'source_longitude', 'longitude')
        + check_degrees('_lat_text', 'source_latitude', 'latitude') + [
        check_inside_kaifeng('source_longitude', 'source_latitude', 'source_crs', 'longitude,latitude'),
        check_code('status', [0, 1], 'status'),
    ],
        key_field='cameraIndexCode',
    ) }}
from typed
{{ kaifeng_outline_join() }}
