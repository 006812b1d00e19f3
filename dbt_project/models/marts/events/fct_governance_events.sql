-- One row per conformed governance event from any source, in its latest known state
-- (current_state in one vocabulary, marts.dim_event_state; source_state as the source has it).
-- A civil-affairs application is due its sub-item's time limit after it was filed.
-- Replaced event by event: the events that changed, or whose incident, sub-item or
-- reporting worker's assignments changed. A withdrawn (soft-deleted) event leaves.
-- depends_on: {{ ref('int_smart_city__staff') }}
{{ config(
    tags=['near_real_time'], materialized='incremental', incremental_strategy='replace_keys', unique_key='event_id'
) }}
{%- set due_at = "case when e.source_system = 'civil_affairs' then "
    ~ add_hours('e.reported_at', 't.time_limit_hours') ~ " else e.due_at end" %}
with affected as (
    select event_id from {{ ref('int_events__located') }} where {{ since_last_build() }}
    {%- if is_incremental() %}
    union
    select event_id from {{ ref('int_events__incidents') }} where {{ since_last_build() }}
    union
    select event_id from {{ ref('int_events__located') }}
    where event_type_code in (select event_type_code from {{ ref('dim_event_type') }} where {{ since_last_build() }})
    union
    select event_id from {{ ref('int_events__located') }}
    where reporter_staff_id in (select staff_id from {{ ref('int_smart_city__staff') }} where {{ since_last_build() }})
    {%- endif %}
),

events as (
    select * from {{ ref('int_events__located') }}
    where not is_deleted and {{ among('event_id', 'affected') }}
)

select
    e.event_id,
    e.source_system,
    e.source_record_id,
    e.source_event_code,
    t.event_type_code,
    t.category_code,
    t.platform_code as platform,
    e.reported_at,
    e.reporter_type,
    e.reporter_staff_id,
    e.longitude,
    e.latitude,
    e.source_longitude,
    e.source_latitude,
    e.source_crs,
    e.grid_code,
    e.township_code,
    e.county_code,
    e.reported_grid_code,
    e.grid_disagrees,
    e.status,
    e.current_state,
    e.source_state,
    e.department_code,
    {{ due_at }} as due_at,
    e.closed_at,
    e.self_resolved,
    e.township_evaluation,
    e.related_alarm_id,
    i.incident_id,
    case when i.is_repeat_report then i.incident_id end as repeat_of_event_id,
    rg.grid_code as reporter_grid_code,
    e.updated_at,
    {{ local_date('e.reported_at') }} as reported_on,
    {{ local_date(due_at) }} as due_on,
    {{ local_dates(['closed_at', 'updated_at'], 'e') }},
    {{ build_stamp() }} as _loaded_at
from events as e
left join {{ ref('dim_event_type') }} as t on e.event_type_code = t.event_type_code
left join {{ ref('int_events__incidents') }} as i on e.event_id = i.event_id
{{ staff_grid_join('events', 'e', 'e.reporter_staff_id', local_date('e.reported_at'), 'rg') }}
{{ tombstones('affected', ['event_id']) }}
