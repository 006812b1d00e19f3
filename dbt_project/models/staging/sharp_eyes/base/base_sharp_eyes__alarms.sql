-- Every landed row of Sharp Eyes alarms (linkage events), typed and checked. A version is a
-- distinct content of an id: a re-reported alarm (same id, remark 重复上报) is a version of
-- the same alarm, not a new one.
{{ config(
    materialized='incremental', incremental_strategy='append', on_schema_change='fail', tags=['near_real_time']
) }}
with landed as (
    {{ landed_rows('sharp_eyes', 'events', version_by='payload') }}
),

typed as (
    {% call(doc) json_select('landed', 'payload') %}
        record_key as alarm_id,
        {{ json_int(doc, '$.eventType') }} as event_type,
        {{ json_text(doc, '$.eventTypeName') }} as event_type_name,
        {{ json_text(doc, '$.ruleName') }} as rule_name,
        {{ json_int(doc, '$.eventLevel') }} as event_level,
        {{ to_instant(json_text(doc, '$.startTime')) }} as started_at,
        {{ to_instant(json_text(doc, '$.endTime')) }} as ended_at,
        {{ json_int(doc, '$.handleStatus') }} as handle_status,
        nullif({{ json_text(doc, '$.remark') }}, '') as remark,
        {{ json_text(doc, '$.eventLogSrcList[0].resIndexCode') }} as camera_index_code,
        {{ json_text(doc, '$.eventLogSrcList[0].regionIndexCode') }} as region_index_code,
        {{ json_text(doc, '$.eventType') }} as _event_type_text,
        {{ json_text(doc, '$.eventLevel') }} as _event_level_text,
        {{ json_text(doc, '$.startTime') }} as _start_text,
        {{ json_text(doc, '$.endTime') }} as _end_text,
        {{ landing_columns() }}
    {% endcall %}
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
