-- Every occasion a grid-worker points rule (seeds/rules) considers, one row per rule and
-- source record, before rule versions, duplicates, caps and limits are applied
-- (int_points__scored does that). qualifying_at is the rule's qualifying moment; its
-- Asia/Shanghai day picks the rule version and its month the month the line counts in.
-- Replaced source record by source record: the events, alarms, visits and cases that
-- changed (a withdrawn visit among them), and the events of a sub-item that changed.
{{ config(
    materialized='incremental', incremental_strategy='replace_keys', unique_key=['source_system', 'source_record_id']
) }}
with changed as (
    select event_id as record_ref from {{ ref('fct_governance_events') }} where {{ since_last_build() }}
    {%- if is_incremental() %}
    union
    select event_id from {{ ref('fct_event_lifecycle') }} where {{ since_last_build() }}
    union
    select event_id from {{ ref('fct_governance_events') }}
    where event_type_code in (select event_type_code from {{ ref('dim_event_type') }} where {{ since_last_build() }})
    {%- endif %}
    union
    select 'sharp_eyes:' || alarm_id from {{ ref('int_sharp_eyes__alarms') }} where {{ since_last_build() }}
    union
    select 'sharp_eyes:' || alarm_id from {{ ref('fct_alarm_responses') }} where {{ since_last_build() }}
    union
    select 'civil_affairs:' || visit_id from {{ ref('int_civil_affairs__visits') }} where {{ since_last_build() }}
    union
    select 'civil_affairs:' || visit_id from {{ ref('fct_home_visits') }} where {{ since_last_build() }}
    union
    select 'petitions:' || case_id from {{ ref('fct_petitions') }} where {{ since_last_build() }}
),

affected as (
    select
        record_ref,
        split_part(record_ref, ':', 1) as source_system,
        substr(record_ref, length(split_part(record_ref, ':', 1)) + 2) as source_record_id
    from changed
),

events as (
    select * from {{ ref('fct_governance_events') }}
    where source_system = 'smart_city'
      and reporter_type in ('fulltime_worker', 'parttime_worker')
      and reporter_staff_id is not null
      and {{ among('event_id', 'affected', 'record_ref') }}
),

lifecycle as (
    select * from {{ ref('fct_event_lifecycle') }}
    where {{ among('event_id', 'affected', 'record_ref') }}
),

registered as (
    select event_id, min(transition_at) as registered_at
    from lifecycle
    where state = 'registered'
    group by event_id
),

false_reports as (
    select event_id, min(transition_at) as rejected_at
    from lifecycle
    where state = 'rejected' and note = '虚假上报'
    group by event_id
),

-- events the reporting worker took on personally (自行处置): their own task, due within
-- the sub-item's time limit from its registration (the platform sets a due time only on
-- dispatches to departments)
self_handled as (
    select l.event_id, min(l.transition_at) as self_handled_at
    from lifecycle as l
    inner join events as e on l.event_id = e.event_id and l.actor_id = e.reporter_staff_id
    where l.state = 'self_handled'
    group by l.event_id
),

first_reports as (
    select event_id, source_system, source_record_id from {{ ref('fct_governance_events') }}
),

r1 as (
    select
        e.reporter_staff_id as staff_id,
        'R1' as rule_id,
        case
            when e.incident_id is not null and e.incident_id <> e.event_id then 'duplicate'
            else 'valid_report'
        end as outcome,
        e.source_system,
        e.source_record_id,
        e.event_id,
        e.reported_at as qualifying_at,
        e.event_type_code as subitem_code,
        case when e.incident_id <> e.event_id then f.source_system || ':' || f.source_record_id end as duplicate_of,
        cast(null as double) as minutes_to_arrival,
        cast(null as string) as household_id
    from events as e
    inner join registered as r on e.event_id = r.event_id
    left join first_reports as f on e.incident_id = f.event_id
),

r2 as (
    select
        e.reporter_staff_id, 'R2', 'false_report', e.source_system, e.source_record_id, e.event_id,
        fr.rejected_at, e.event_type_code, null, null, null
    from events as e
    inner join false_reports as fr on e.event_id = fr.event_id
),

r3 as (
    select
        e.reporter_staff_id, 'R3', 'self_resolved', e.source_system, e.source_record_id, e.event_id,
        e.closed_at, e.event_type_code, null, null, null
    from events as e
    inner join self_handled as s on e.event_id = s.event_id
    where e.current_state = 'closed' and e.closed_at is not null
),

r4 as (
    select
        a.assigned_staff_id, 'R4',
        case
            when a.arrived_at > a.finished_at then 'no_arrival'  -- arrived only after the alarm closed
            when a.arrived_at is not null then 'arrived'
            when a.finished_at is not null then 'no_arrival'
        end,
        'sharp_eyes', a.alarm_id, a.event_id,
        a.pushed_at, null, null, a.minutes_to_arrival, null
    from {{ ref('fct_alarm_responses') }} as a
    where {{ among("'sharp_eyes:' || a.alarm_id", 'affected', 'record_ref') }}
      and a.assigned_staff_id is not null
      and a.pushed_at is not null
      and (a.arrived_at is not null or a.finished_at is not null)  -- still open, no arrival yet: not scored yet
),

r5 as (
    select
        v.staff_id, 'R5', 'home_visit', 'civil_affairs', v.visit_id, null,
        v.visited_at, null, null, null, v.household_id
    from {{ ref('fct_home_visits') }} as v
    where {{ among("'civil_affairs:' || v.visit_id", 'affected', 'record_ref') }}
      and v.household_receives_assistance and v.staff_id is not null
),

r6 as (
    select
        p.mediator_staff_id, 'R6', 'mediated', 'petitions', p.case_id, null,
        {{ local_to_instant(format_time('p.closed_on', '%Y-%m-%d') ~ " || ' 00:00:00'") }}, null, null, null, null
    from {{ ref('fct_petitions') }} as p
    where {{ among("'petitions:' || p.case_id", 'affected', 'record_ref') }}
      and p.mediator_staff_id is not null
      and p.closed_on is not null
      and p.satisfaction in ('满意', '基本满意')
),

r7 as (
    select
        e.reporter_staff_id, 'R7', 'overdue_own_task', e.source_system, e.source_record_id, e.event_id,
        e.closed_at, e.event_type_code, null, null, null
    from events as e
    inner join self_handled as s on e.event_id = s.event_id
    inner join registered as r on e.event_id = r.event_id
    inner join {{ ref('dim_event_type') }} as t on e.event_type_code = t.event_type_code and t.is_current
    where e.current_state = 'closed'
      and e.closed_at > {{ add_hours('r.registered_at', 't.time_limit_hours') }}
)

select *, {{ build_stamp() }} as _loaded_at from (
    select * from r1
    union all
    select * from r2
    union all
    select * from r3
    union all
    select * from r4
    union all
    select * from r5
    union all
    select * from r6
    union all
    select * from r7
) as lines
{{ tombstones('affected', ['source_system', 'source_record_id']) }}
