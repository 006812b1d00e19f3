-- One row per version of each Smart City event: the same version landed twice (a rerun,
-- an overlap window) is one row, kept from the load that first brought it.
with landed as (
    select
        record_key,
        record_updated_at,
        payload,
        load_id,
        fetched_at,
        lake_partition,
        row_number() over (
            partition by record_key, record_updated_at order by fetched_at, load_id
        ) as landing_rank
    from {{ source('smart_city', 'service_requests') }}
    where record_key is not null
)

select
    record_key as service_request_id,
    {{ to_instant('record_updated_at') }} as updated_at,
    {{ to_instant(json_text('payload', '$.requested_datetime')) }} as requested_at,
    {{ to_instant(json_text('payload', '$.expected_datetime')) }} as expected_at,
    {{ json_text('payload', '$.status') }} as status,
    {{ json_text('payload', '$.status_notes') }} as status_notes,
    {{ json_text('payload', '$.service_code') }} as service_code,
    {{ json_text('payload', '$.service_name') }} as service_name,
    {{ json_text('payload', '$.agency_responsible') }} as agency_responsible,
    {{ json_double('payload', '$.long') }} as source_longitude,
    {{ json_double('payload', '$.lat') }} as source_latitude,
    -- Open311 says WGS-84; this platform states GCJ-02 on every record.
    coalesce({{ json_text('payload', '$.extended_attributes.coordinate_system') }}, 'WGS-84') as source_crs,
    {{ json_text('payload', '$.extended_attributes.reporter.type') }} as reporter_type,
    {{ json_text('payload', '$.extended_attributes.reporter.staff_id') }} as reporter_staff_id,
    {{ json_text('payload', '$.extended_attributes.grid_code') }} as reported_grid_code,
    {{ json_text('payload', '$.extended_attributes.alarm_id') }} as alarm_id,
    {{ json_text('payload', '$.extended_attributes.department_code') }} as department_code,
    {{ to_instant(json_text('payload', '$.extended_attributes.due_datetime')) }} as due_at,
    {{ json_bool('payload', '$.extended_attributes.self_resolved') }} as self_resolved,
    {{ json_int('payload', '$.extended_attributes.township_evaluation') }} as township_evaluation,
    {{ json_fragment('payload', '$.extended_attributes.lifecycle') }} as lifecycle_json,
    load_id,
    fetched_at,
    lake_partition
from landed
where landing_rank = 1
