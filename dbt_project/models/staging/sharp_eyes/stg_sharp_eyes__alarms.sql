-- Sharp Eyes alarms (linkage events), one row per distinct version. A re-reported alarm
-- (same id, remark 重复上报) is a version of the same alarm, not a new one.
with versions as (
    {{ payload_versions(source('sharp_eyes', 'events')) }}
)

select
    record_key as alarm_id,
    {{ json_int('payload', '$.eventType') }} as event_type,
    {{ json_text('payload', '$.eventTypeName') }} as event_type_name,
    {{ json_text('payload', '$.ruleName') }} as rule_name,
    {{ json_int('payload', '$.eventLevel') }} as event_level,
    {{ to_instant(json_text('payload', '$.startTime')) }} as started_at,
    {{ to_instant(json_text('payload', '$.endTime')) }} as ended_at,
    {{ json_int('payload', '$.handleStatus') }} as handle_status,
    nullif({{ json_text('payload', '$.remark') }}, '') as remark,
    {{ json_text('payload', '$.eventLogSrcList[0].resIndexCode') }} as camera_index_code,
    {{ json_text('payload', '$.eventLogSrcList[0].regionIndexCode') }} as region_index_code,
    load_id,
    fetched_at,
    lake_partition
from versions
