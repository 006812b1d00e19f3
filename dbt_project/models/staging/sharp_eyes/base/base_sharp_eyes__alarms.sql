-- Every landed row of Sharp Eyes alarms (linkage events), typed and checked. A version is a
-- distinct content of an id: a re-reported alarm (same id, remark 重复上报) is a version of
-- the same alarm, not a new one.
{{ config(tags=['near_real_time']) }}
with landed as (
    {{ landed_rows('sharp_eyes', 'events', version_by='payload') }}
),

typed as (
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
        {{ json_text('payload', '$.eventType') }} as _event_type_text,
        {{ json_text('payload', '$.eventLevel') }} as _event_level_text,
        {{ json_text('payload', '$.startTime') }} as _start_text,
        {{ json_text('payload', '$.endTime') }} as _end_text,
        {{ landing_columns() }}
    from landed
)

select
    typed.*,
    {{ base_columns(
        [check_required('_start_text', 'startTime'), check_required('_event_type_text', 'eventType')]
        + check_time('_start_text', 'started_at', 'startTime')
        + check_time('_end_text', 'ended_at', 'endTime')
        + [
            check_type('_event_type_text', 'event_type', 'eventType'),
            check_type('_event_level_text', 'event_level', 'eventLevel'),
            check_code('event_level', [1, 2, 3], 'eventLevel'),
            check_code('handle_status', [0, 1], 'handleStatus'),
            check_required('camera_index_code', 'eventLogSrcList.resIndexCode'),
        ],
        key_field='id',
    ) }}
from typed
