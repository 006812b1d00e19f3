-- One row per Sharp Eyes alarm pushed to a grid worker: who was assigned, when they
-- arrived on site, and in which response band (the bands rule R4 scores), plus the Smart
-- City event the alarm became when the worker confirmed it.
with alarms as (
    select * from {{ ref('int_sharp_eyes__alarms') }}
    where pushed_at is not null
),
located as (
    select event_id, source_record_id, grid_code, township_code, county_code
    from {{ ref('int_events__located') }}
    where source_system = 'sharp_eyes'
),
dispatched as (
    select related_alarm_id, event_id, status, current_state
    from {{ ref('fct_governance_events') }}
    where related_alarm_id is not null
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
    case
        when a.arrived_at is not null and a.arrived_at <= a.pushed_at + interval 30 minute then 'within_30_min'
        when a.arrived_at is not null and a.arrived_at <= a.pushed_at + interval 60 minute then 'within_60_min'
        when a.arrived_at is not null then 'later'
        when a.finished_at is not null then 'no_arrival'
        else 'pending'
    end as response_band,
    a.handle_result,
    a.finished_at,
    d.event_id as smart_city_event_id,
    d.current_state as smart_city_event_state
from alarms as a
left join located as l on l.source_record_id = a.alarm_id
left join dispatched as d on d.related_alarm_id = a.alarm_id
{{ staff_grid_join('alarms', 'a', 'a.assigned_staff_id', local_date('a.pushed_at'), 'sg') }}
