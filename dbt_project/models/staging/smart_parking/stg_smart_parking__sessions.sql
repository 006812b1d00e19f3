-- Parking sessions, one row per version (entry; exit with fee). Times arrive as naive
-- local strings and are conformed to instants; fees stay in fen.
with landed as (
    {{ record_versions(source('smart_parking', 'sessions')) }}
)

select
    record_key as session_id,
    {{ local_to_instant('record_updated_at') }} as updated_at,
    {{ json_text('payload', '$.plate_key') }} as plate_key,
    {{ json_text('payload', '$.plate_masked') }} as plate_masked,
    {{ json_text('payload', '$.lot_id') }} as lot_id,
    {{ json_text('payload', '$.berth_no') }} as berth_no,
    {{ local_to_instant(json_text('payload', '$.entry_time')) }} as entered_at,
    {{ local_to_instant(json_text('payload', '$.exit_time')) }} as exited_at,
    {{ json_int('payload', '$.fee_fen') }} as fee_fen,
    load_id,
    fetched_at,
    lake_partition
from landed
