-- Sharp Eyes cameras, one row per version; coordinates are WGS-84 strings in the source.
with versions as (
    {{ snapshot_versions(source('sharp_eyes', 'cameras')) }}
)

select
    record_key as camera_index_code,
    {{ json_text('payload', '$.cameraName') }} as camera_name,
    {{ json_text('payload', '$.regionIndexCode') }} as region_index_code,
    {{ json_double('payload', '$.longitude') }} as source_longitude,
    {{ json_double('payload', '$.latitude') }} as source_latitude,
    'WGS-84' as source_crs,
    {{ json_int('payload', '$.status') }} as status,
    first_seen_at,
    last_seen_at,
    is_current
from versions
