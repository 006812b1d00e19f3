-- Every landed row of parking violations (registered, dispatched, handled, closed), typed
-- and checked; locations BD-09 as the platform sends them.
{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='fail') }}
with landed as (
    {{ landed_rows('smart_parking', 'violations', detect_conflicts=true) }}
),

typed as (
    {% call(doc) json_select('landed', 'payload') %}
        record_key as violation_id,
        {{ local_to_instant('record_updated_at') }} as updated_at,
        {{ json_text(doc, '$.plate_key') }} as plate_key,
        {{ json_text(doc, '$.plate_masked') }} as plate_masked,
        {{ json_text(doc, '$.violation_type') }} as violation_type,
        {{ json_text(doc, '$.violation_type_name') }} as violation_type_name,
        {{ json_text(doc, '$.lot_id') }} as lot_id,
        {{ json_degrees(doc, '$.longitude', 180) }} as source_longitude,
        {{ json_degrees(doc, '$.latitude', 90) }} as source_latitude,
        coalesce({{ json_text(doc, '$.coordinate_system') }}, 'BD-09') as source_crs,
        {{ json_text(doc, '$.status') }} as status,
        {{ json_text(doc, '$.handling_department') }} as department_code,
        {{ local_to_instant(json_text(doc, '$.found_time')) }} as found_at,
        {{ local_to_instant(json_text(doc, '$.dispatch_time')) }} as dispatched_at,
        {{ local_to_instant(json_text(doc, '$.handled_time')) }} as handled_at,
        {{ local_to_instant(json_text(doc, '$.closed_time')) }} as closed_at,
        record_updated_at as _updated_text,
        {{ json_text(doc, '$.found_time') }} as _found_text,
        {{ json_text(doc, '$.dispatch_time') }} as _dispatch_text,
        {{ json_text(doc, '$.handled_time') }} as _handled_text,
        {{ json_text(doc, '$.closed_time') }} as _closed_text,
        {{ json_text(doc, '$.longitude') }} as _long_text,
        {{ json_text(doc, '$.latitude') }} as _lat_text,
        {{ landing_columns() }}
    {% endcall %}
)

select
    typed.*,
    {{ base_columns(
        [check_required('_found_text', 'found_time'), check_required('violation_type', 'violation_type')]
        + check_time('_found_text', 'found_at', 'found_time')
        + check_time('_dispatch_text', 'dispatched_at', 'dispatch_time')
        + check_time('_handled_text', 'handled_at', 'handled_time')
        + check_time('_closed_text', 'closed_at', 'closed_time')
        + check_time('_updated_text', 'updated_at', 'updated_at')
        + [
            check_code('status', ['registered', 'dispatched', 'handled', 'closed'], 'status'),
            ] + check_degrees('_long_text', 'source_longitude', 'longitude')
            + check_degrees('_lat_text', 'source_latitude', 'latitude') + [
            check_code('source_crs', ['GCJ-02', 'WGS-84', 'BD-09'], 'coordinate_system'),
            check_inside_kaifeng('source_longitude', 'source_latitude', 'source_crs', 'longitude,latitude'),
        ],
        key_field='violation_id',
    ) }}
from typed
{{ kaifeng_outline_join() }}
