-- One row per Sharp Eyes alarm pushed to a grid worker: who was assigned, when they
-- arrived on site, and in which response band (the bands rule R4 scores), plus the Smart
-- City event the alarm became when the worker confirmed it. Replaced alarm by alarm: those
-- that changed, were placed in another grid, became an event (or stopped being one's), or
-- whose worker's assignments changed.
-- depends_on: {{ ref('int_smart_city__staff') }}
{{ config(
    tags=['near_real_time'], materialized='incremental', incremental_strategy='replace_keys', unique_key='alarm_id'
) }}
with affected as (
    select alarm_id from {{ ref('int_sharp_eyes__alarms') }} where {{ since_last_build() }}
    {%- if is_incremental() %}
    union
    select source_record_id from {{ ref('int_events__located') }}
    where source_system = 'sharp_eyes' and {{ since_last_build() }}
    union
    select related_alarm_id from {{ ref('fct_governance_events') }}
    where related_alarm_id is not null and {{ since_last_build() }}
    union
    select alarm_id from {{ this }}
    where smart_city_event_id in (
        select event_id from {{ ref('fct_governance_events') }} where {{ since_last_build() }}
    )
    union
    select alarm_id from {{ ref('int_sharp_eyes__alarms') }}
    where assigned_staff_id in (select staff_id from {{ ref('int_smart_city__staff') }} where {{ since_last_build() }})
    {%- endif %}
),

alarms as (
    select * from {{ ref('int_sharp_eyes__alarms') }}
    where pushed_at is not null and {{ among('alarm_id', 'affected') }}
),

located as (
    select event_id, source_record_id, grid_code, township_code, county_code
    from {{ ref('int_events__located') }}
    where source_system = 'sharp_eyes' and {{ among('source_record_id', 'affected', 'alarm_id') }}
),

dispatched as (
    select related_alarm_id, event_id, status, current_state
    from {{ ref('fct_governance_events') }}
    where related_alarm_id is not null and {{ among('related_alarm_id', 'affected', 'alarm_id') }}
    qualify row_number() over (partition by related_alarm_id order by reported_at, event_id) = 1
)

select
    a.alarm_id,
    l.event_id,
    a.event_type,
    a.event_type_name,
    a.event_level,
    a.camera_index_code,
    l.grid_code,
    l.township_code,
    l.county_code,
    a.started_at,
    a.pushed_at,
    a.assigned_staff_id,
    sg.grid_code as assigned_staff_grid_code,
    a.arrived_at,
    case when a.arrived_at is not null then {{ hours_between('a.pushed_at', 'a.arrived_at') }} * 60 end
        as minutes_to_arrival,
    -- an arrival after the alarm was closed is no arrival before it closed (R4: -1)
    case
        when a.arrived_at > a.finished_at then 'no_arrival'
        when a.arrived_at is not null and a.arrived_at <= a.pushed_at + interval 30 minute then 'within_30_min'
        when a.arrived_at is not null and a.arrived_at <= a.pushed_at + interval 60 minute then 'within_60_min'
        when a.arrived_at is not null then 'later'
        when a.finished_at is not null then 'no_arrival'
        else 'pending'
    end as response_band,
    a.handle_result,
    a.finished_at,
    d.event_id as smart_city_event_id,
    d.current_state as smart_city_event_state,
    {{ local_dates(['started_at', 'pushed_at', 'arrived_at', 'finished_at'], 'a') }},
    {{ build_stamp() }} as _loaded_at
from alarms as a
left join located as l on a.alarm_id = l.source_record_id
left join dispatched as d on a.alarm_id = d.related_alarm_id
{{ staff_grid_join('alarms', 'a', 'a.assigned_staff_id', local_date('a.pushed_at'), 'sg') }}
{{ tombstones('affected', ['alarm_id']) }}
