-- Parking lots, one row per version; coordinates BD-09 as the platform sends them.
with versions as (
    {{ snapshot_versions(source('smart_parking', 'lots')) }}
)

select
    record_key as lot_id,
    {{ json_text('payload', '$.name') }} as lot_name,
    {{ json_text('payload', '$.lot_type') }} as lot_type,
    {{ json_int('payload', '$.berth_count') }} as berth_count,
    {{ json_double('payload', '$.longitude') }} as source_longitude,
    {{ json_double('payload', '$.latitude') }} as source_latitude,
    coalesce({{ json_text('payload', '$.coordinate_system') }}, 'BD-09') as source_crs,
    first_seen_at,
    last_seen_at,
    is_current
from versions
