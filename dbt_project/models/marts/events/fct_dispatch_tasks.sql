-- One row per task a department was given.
-- Smart City: every 派遣 starts one, and every 分流转办 ends the running task as "rerouted"
-- and starts a new one for the next department; handled / returned / accepted are the
-- transitions that fall within the task.
-- Smart Parking: a violation sent to a department is its one task; the platform closing it
-- after handling is its acceptance.
-- Civil affairs: an application is a task of the handling office from the moment it is
-- filed, due at its deadline; 办结 accepts it, 驳回 ends it as rejected.
-- A task is due its sub-item's time limit after its dispatch (every source, civil affairs
-- included). handled_on_time is decided once the task is accepted (handled by the due
-- time?), or once its due time passed while it is still open (false); null while open and
-- not yet due, and for a task rerouted away.
-- Replaced event by event: the events that changed, those whose sub-item or department
-- changed, and those with an open task that fell due since the last build.
{{ config(
    tags=['near_real_time'], materialized='incremental', incremental_strategy='replace_keys', unique_key='event_id'
) }}
with affected as (
    select event_id from {{ ref('int_events__located') }} where {{ since_last_build() }}
    {%- if is_incremental() %}
    union
    select event_id from {{ ref('fct_governance_events') }} where {{ since_last_build() }}
    union
    select event_id from {{ ref('int_events__located') }}
    where event_type_code in (select event_type_code from {{ ref('dim_event_type') }} where {{ since_last_build() }})
    union
    select event_id from {{ this }}
    where department_code in (select department_code from {{ ref('dim_department') }} where {{ since_last_build() }})
    union
    select event_id from {{ this }}
    where outcome = 'open' and handled_on_time is null and due_at <= {{ build_stamp() }}
    {%- endif %}
),

lifecycle as (
    select * from {{ ref('fct_event_lifecycle') }} where {{ among('event_id', 'affected') }}
),

starts as (
    select
        event_id, source_system, source_record_id, seq as start_seq, transition_at as dispatched_at,
        department_code,
        lead(seq) over (partition by event_id order by seq) as next_start_seq
    from lifecycle
    where state in ('dispatched', 'rerouted')
),

within as (
    select
        s.event_id,
        s.start_seq,
        min(l.transition_at) filter (where l.state = 'handled') as first_handled_at,
        max(l.transition_at) filter (where l.state = 'handled') as last_handled_at,
        count(*) filter (where l.state = 'inspection_returned') as returned_count,
        max(l.transition_at) filter (where l.state = 'inspection_passed') as accepted_at,
        max(l.transition_at) filter (where l.state = 'closed') as closed_at
    from starts as s
    inner join lifecycle as l
        on s.event_id = l.event_id
       and s.start_seq < l.seq
       and (s.next_start_seq is null or s.next_start_seq > l.seq)
    group by s.event_id, s.start_seq
),

smart_city_tasks as (
select
    s.event_id || ':' || cast(s.start_seq as string) as task_id,
    s.event_id,
    s.source_system,
    s.source_record_id,
    s.department_code,
    d.platform_code,
    e.event_type_code,
    e.grid_code,
    e.township_code,
    e.county_code,
    s.dispatched_at,
    {{ add_hours('s.dispatched_at', 't.time_limit_hours') }} as due_at,
    w.first_handled_at,
    w.last_handled_at,
    coalesce(w.returned_count, 0) as returned_count,
    w.accepted_at,
    w.closed_at,
    case
        when s.next_start_seq is not null then 'rerouted'
        when w.accepted_at is not null then 'accepted'
        else 'open'
    end as outcome,
    case
        when s.next_start_seq is not null then null
        when w.accepted_at is not null
            then w.last_handled_at <= {{ add_hours('s.dispatched_at', 't.time_limit_hours') }}
        when {{ add_hours('s.dispatched_at', 't.time_limit_hours') }} <= {{ build_stamp() }} then false
    end as handled_on_time,
    case
        when s.next_start_seq is null and w.accepted_at is not null then e.township_evaluation
    end as township_evaluation
from starts as s
left join within as w on s.event_id = w.event_id and s.start_seq = w.start_seq
left join {{ ref('fct_governance_events') }} as e on s.event_id = e.event_id
left join {{ ref('dim_event_type') }} as t on e.event_type_code = t.event_type_code
left join {{ ref('dim_department') }} as d
    on s.department_code = d.department_code and {{ valid_on('d', local_date('s.dispatched_at')) }}
),

parking_tasks as (
select
    'smart_parking:' || v.violation_id || ':1' as task_id,
    'smart_parking:' || v.violation_id as event_id,
    'smart_parking' as source_system,
    v.violation_id as source_record_id,
    v.department_code,
    d.platform_code,
    e.event_type_code,
    e.grid_code,
    e.township_code,
    e.county_code,
    v.dispatched_at,
    {{ add_hours('v.dispatched_at', 't.time_limit_hours') }} as due_at,
    v.handled_at as first_handled_at,
    v.handled_at as last_handled_at,
    0 as returned_count,
    v.closed_at as accepted_at,
    v.closed_at,
    case when v.closed_at is not null then 'accepted' else 'open' end as outcome,
    case
        when v.closed_at is not null then v.handled_at <= {{ add_hours('v.dispatched_at', 't.time_limit_hours') }}
        when {{ add_hours('v.dispatched_at', 't.time_limit_hours') }} <= {{ build_stamp() }} then false
    end as handled_on_time,
    cast(null as integer) as township_evaluation
from {{ ref('int_smart_parking__violations') }} as v
inner join {{ ref('fct_governance_events') }} as e on e.event_id = 'smart_parking:' || v.violation_id
left join {{ ref('dim_event_type') }} as t on e.event_type_code = t.event_type_code
left join {{ ref('dim_department') }} as d
    on v.department_code = d.department_code and {{ valid_on('d', local_date('v.dispatched_at')) }}
where v.dispatched_at is not null and {{ among("'smart_parking:' || v.violation_id", 'affected', 'event_id') }}
),

civil_affairs_tasks as (
select
    'civil_affairs:' || a.application_id || ':1' as task_id,
    'civil_affairs:' || a.application_id as event_id,
    'civil_affairs' as source_system,
    a.application_id as source_record_id,
    a.department_code,
    d.platform_code,
    e.event_type_code,
    e.grid_code,
    e.township_code,
    e.county_code,
    a.applied_at as dispatched_at,
    {{ add_hours('a.applied_at', 't.time_limit_hours') }} as due_at,
    a.finished_at as first_handled_at,
    a.finished_at as last_handled_at,
    0 as returned_count,
    case when a.status = '办结' then a.finished_at end as accepted_at,
    a.finished_at as closed_at,
    case when a.status = '办结' then 'accepted' when a.status = '驳回' then 'rejected' else 'open' end as outcome,
    case
        when a.status in ('办结', '驳回') then a.finished_at <= {{ add_hours('a.applied_at', 't.time_limit_hours') }}
        when {{ add_hours('a.applied_at', 't.time_limit_hours') }} <= {{ build_stamp() }} then false
    end as handled_on_time,
    cast(null as integer) as township_evaluation
from {{ ref('int_civil_affairs__applications') }} as a
inner join {{ ref('fct_governance_events') }} as e on e.event_id = 'civil_affairs:' || a.application_id
left join {{ ref('dim_event_type') }} as t on e.event_type_code = t.event_type_code
left join {{ ref('dim_department') }} as d
    on a.department_code = d.department_code and {{ valid_on('d', local_date('a.applied_at')) }}
where not a.is_deleted and {{ among("'civil_affairs:' || a.application_id", 'affected', 'event_id') }}
),

tasks as (
select * from smart_city_tasks
union all
select * from parking_tasks
union all
select * from civil_affairs_tasks
)

select
    t.*,
    {{ local_dates(
        ['dispatched_at', 'due_at', 'first_handled_at', 'last_handled_at', 'accepted_at', 'closed_at'], 't'
    ) }},
    {{ build_stamp() }} as _loaded_at
from tasks as t
{{ tombstones('affected', ['event_id']) }}
