-- Every landed row of alarm handling records (alarms pushed to grid workers), typed and
-- checked. Arrival and result appear in later versions (distinct contents of an alarm id).
{{ config(
    materialized='incremental', incremental_strategy='append', on_schema_change='fail', tags=['near_real_time']
) }}
with landed as (
    {{ landed_rows('sharp_eyes', 'handling_records', version_by='payload') }}
),

typed as (
    {% call(doc) json_select('landed', 'payload') %}
        record_key as alarm_id,
        {{ json_text(doc, '$.handlerId') }} as assigned_staff_id,
        {{ to_instant(json_text(doc, '$.pushTime')) }} as pushed_at,
        {{ to_instant(json_text(doc, '$.arriveTime')) }} as arrived_at,
        {{ json_text(doc, '$.handleResult') }} as handle_result,
        {{ to_instant(json_text(doc, '$.finishTime')) }} as finished_at,
        nullif({{ json_text(doc, '$.remark') }}, '') as remark,
        {{ json_text(doc, '$.pushTime') }} as _push_text,
        {{ json_text(doc, '$.arriveTime') }} as _arrive_text,
        {{ json_text(doc, '$.finishTime') }} as _finish_text,
        {{ landing_columns() }}
    {% endcall %}
)

select
    typed.*,
    {{ base_columns(
        [check_required('assigned_staff_id', 'handlerId'), check_required('_push_text', 'pushTime')]
        + check_time('_push_text', 'pushed_at', 'pushTime')
        + check_time('_arrive_text', 'arrived_at', 'arriveTime')
        + check_time('_finish_text', 'finished_at', 'finishTime')
        + [check_code('handle_result', ['confirmed', 'false_alarm', 'timeout'], 'handleResult')],
        key_field='eventId',
    ) }}
from typed
