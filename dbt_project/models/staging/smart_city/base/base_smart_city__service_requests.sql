-- Every landed row of Smart City events, typed and checked (see macros/quarantine.sql).
-- A version is (id, updated_datetime): the same version landed twice is one record.
{{ config(
    materialized='incremental', incremental_strategy='append', on_schema_change='fail', tags=['near_real_time']
) }}
with landed as (
    {{ landed_rows('smart_city', 'service_requests', detect_conflicts=true) }}
),

typed as (
    {% call(doc) json_select('landed', 'payload') %}
        record_key as service_request_id,
        {{ to_instant('record_updated_at') }} as updated_at,
        {{ to_instant(json_text(doc, '$.requested_datetime')) }} as requested_at,
        {{ to_instant(json_text(doc, '$.expected_datetime')) }} as expected_at,
        {{ json_text(doc, '$.status') }} as status,
        {{ json_text(doc, '$.status_notes') }} as status_notes,
        {{ json_text(doc, '$.service_code') }} as service_code,
        {{ json_text(doc, '$.service_name') }} as service_name,
        {{ json_text(doc, '$.agency_responsible') }} as agency_responsible,
        {{ json_degrees(doc, '$.long', 180) }} as source_longitude,
        {{ json_degrees(doc, '$.lat', 90) }} as source_latitude,
        -- Open311 says WGS-84; this platform states GCJ-02 on every record.
        coalesce({{ json_text(doc, '$.extended_attributes.coordinate_system') }}, 'WGS-84') as source_crs,
        {{ json_text(doc, '$.extended_attributes.reporter.type') }} as reporter_type,
        {{ json_text(doc, '$.extended_attributes.reporter.staff_id') }} as reporter_staff_id,
        {{ json_text(doc, '$.extended_attributes.grid_code') }} as reported_grid_code,
        {{ json_text(doc, '$.extended_attributes.alarm_id') }} as alarm_id,
        {{ json_text(doc, '$.extended_attributes.department_code') }} as department_code,
        {{ to_instant(json_text(doc, '$.extended_attributes.due_datetime')) }} as due_at,
        {{ json_bool(doc, '$.extended_attributes.self_resolved') }} as self_resolved,
        {{ json_int(doc, '$.extended_attributes.township_evaluation') }} as township_evaluation,
        {{ json_fragment(doc, '$.extended_attributes.lifecycle') }} as lifecycle_json,
        record_updated_at as _updated_text,
        {{ json_text(doc, '$.requested_datetime') }} as _requested_text,
        {{ json_text(doc, '$.long') }} as _long_text,
        {{ json_text(doc, '$.lat') }} as _lat_text,
        {{ landing_columns() }}
    {% endcall %}
)

select
    typed.*,
    {{ base_columns(
        [check_required('_requested_text', 'requested_datetime')]
        + check_time('_requested_text', 'requested_at', 'requested_datetime')
        + check_time('_updated_text', 'updated_at', 'updated_datetime')
        + [
            check_required('_updated_text', 'updated_datetime'),
            check_required('service_code', 'service_code'),
            check_required('status', 'status'),
            check_code('status', ['open', 'closed'], 'status'),
            ] + check_degrees('_long_text', 'source_longitude', 'long')
            + check_degrees('_lat_text', 'source_latitude', 'lat') + [
            check_code('source_crs', ['GCJ-02', 'WGS-84', 'BD-09'], 'coordinate_system'),
            check_inside_kaifeng('source_longitude', 'source_latitude', 'source_crs', 'lat,long'),
        ],
        key_field='service_request_id',
    ) }}
from typed
{{ kaifeng_outline_join() }}
