-- 实时看板 What is open right now, for a live board: every Sharp Eyes alarm pushed to a grid
-- worker and not finished, and every department task not accepted, closed or passed on,
-- with how long it has been open and whether it is past its due time, as of the build that
-- wrote the table (as_of). Built on every near-real-time run, after the event facts.
{{ config(tags=['near_real_time']) }}
with as_of as (
    select {{ build_stamp() }} as as_of
),

alarms as (
    select
        'alarm' as item_type,
        alarm_id as item_id,
        event_id,
        grid_code,
        township_code,
        county_code,
        assigned_staff_id as assigned_to,
        pushed_at as opened_at,
        {{ dbt.cast('null', 'timestamp with time zone') }} as due_at,
        case when arrived_at is not null then 'arrived' else 'pushed' end as state
    from {{ ref('fct_alarm_responses') }}
    where pushed_at is not null and finished_at is null
),

tasks as (
    select
        'task' as item_type,
        task_id as item_id,
        event_id,
        grid_code,
        township_code,
        county_code,
        department_code as assigned_to,
        dispatched_at as opened_at,
        due_at,
        case when first_handled_at is not null then 'handled' else 'dispatched' end as state
    from {{ ref('fct_dispatch_tasks') }}
    where outcome = 'open' and dispatched_at is not null
),

items as (
    select * from alarms
    union all
    select * from tasks
)

select
    i.*,
    {{ local_dates(['opened_at', 'due_at'], 'i') }},
    a.as_of,
    cast(floor({{ hours_between('i.opened_at', 'a.as_of') }} * 60) as bigint) as minutes_open,
    coalesce(i.due_at < a.as_of, false) as is_overdue
from items as i
cross join as_of as a
