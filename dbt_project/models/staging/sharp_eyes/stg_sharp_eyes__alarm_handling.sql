-- Handling of alarms pushed to grid workers, one row per distinct version (arrival and
-- result appear in later versions).
with versions as (
    {{ payload_versions(source('sharp_eyes', 'handling_records')) }}
)

select
    record_key as alarm_id,
    {{ json_text('payload', '$.handlerId') }} as assigned_staff_id,
    {{ to_instant(json_text('payload', '$.pushTime')) }} as pushed_at,
    {{ to_instant(json_text('payload', '$.arriveTime')) }} as arrived_at,
    {{ json_text('payload', '$.handleResult') }} as handle_result,
    {{ to_instant(json_text('payload', '$.finishTime')) }} as finished_at,
    nullif({{ json_text('payload', '$.remark') }}, '') as remark,
    load_id,
    fetched_at,
    lake_partition
from versions
