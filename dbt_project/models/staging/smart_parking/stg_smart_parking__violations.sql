-- Parking violations, one row per version (registered, dispatched, handled, closed).
with landed as (
    {{ record_versions(source('smart_parking', 'violations')) }}
)

select
    record_key as violation_id,
    {{ local_to_instant('record_updated_at') }} as updated_at,
    {{ json_text('payload', '$.plate_key') }} as plate_key,
    {{ json_text('payload', '$.plate_masked') }} as plate_masked,
    {{ json_text('payload', '$.violation_type') }} as violation_type,
    {{ json_text('payload', '$.violation_type_name') }} as violation_type_name,
    {{ json_text('payload', '$.lot_id') }} as lot_id,
    {{ json_double('payload', '$.longitude') }} as source_longitude,
    {{ json_double('payload', '$.latitude') }} as source_latitude,
    coalesce({{ json_text('payload', '$.coordinate_system') }}, 'BD-09') as source_crs,
    {{ json_text('payload', '$.status') }} as status,
    {{ json_text('payload', '$.handling_department') }} as department_code,
    {{ local_to_instant(json_text('payload', '$.found_time')) }} as found_at,
    {{ local_to_instant(json_text('payload', '$.dispatch_time')) }} as dispatched_at,
    {{ local_to_instant(json_text('payload', '$.handled_time')) }} as handled_at,
    {{ local_to_instant(json_text('payload', '$.closed_time')) }} as closed_at,
    load_id,
    fetched_at,
    lake_partition
from landed
