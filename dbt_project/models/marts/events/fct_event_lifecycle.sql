-- One row per state transition of an event: 上报, 受理/不予立案, 派遣, 分流转办, 处置 /
-- 自行处置, 网格长验收 (通过/退回), 结案; with the time since the previous transition.
-- Replaced event by event.
{{ config(
    tags=['near_real_time'], materialized='incremental', incremental_strategy='replace_keys', unique_key='event_id'
) }}
{% set lifecycle_models = ['int_smart_city__lifecycle'] %}
with transitions as (
    {% for m in lifecycle_models %}
    select * from {{ ref(m) }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

-- the events that changed (an event keeps its row there even when its transitions are gone)
affected as (
    select event_id from {{ ref('int_events__located') }} where {{ since_last_build() }}
)

select
    source_system || ':' || source_record_id as event_id,
    source_system,
    source_record_id,
    seq,
    state,
    state_name,
    transition_at,
    actor_type,
    actor_id,
    department_code,
    note,
    lag(state) over w as previous_state,
    {{ hours_between('lag(transition_at) over w', 'transition_at') }} as hours_since_previous,
    {{ local_dates(['transition_at']) }},
    {{ build_stamp() }} as _loaded_at
from transitions
where {{ among("source_system || ':' || source_record_id", 'affected', 'event_id') }}
window w as (partition by source_system, source_record_id order by seq)
{{ tombstones('affected', ['event_id']) }}
