-- What the department assessment counts, per department and month (Asia/Shanghai): tasks by
-- the month they were dispatched, petitions by the month they were registered, fell due and
-- were answered. Every count is additive, so a year's assessment sums its months (a year is
-- not an average of its months: its rates are computed from the summed counts). Replaced
-- month by month: the months the tasks and petitions changed in.
{{ config(
    materialized='incremental', incremental_strategy='replace_keys', unique_key='assessment_month',
    meta={'period_inputs': [
        {'model': 'fct_dispatch_tasks', 'period': local_month('dispatched_at')},
        {'model': 'fct_petitions', 'period': format_time('registered_on', '%Y-%m')},
        {'model': 'fct_petitions', 'period': format_time('handling_due_on', '%Y-%m')},
        {'model': 'fct_petitions', 'period': format_time('replied_on', '%Y-%m')},
    ]},
    post_hook="{{ record_period_counts() }}",
) }}
with affected as (
    {%- if is_incremental() %}
    {{ changed_periods() }}
    {%- else %}
    select cast(null as string) as period
    {%- endif %}
),

tasks as (
    select
        department_code,
        {{ local_month('dispatched_at') }} as month,
        count(*) as tasks_dispatched,
        count(*) filter (where outcome = 'rerouted') as tasks_rerouted,
        count(*) filter (where outcome = 'accepted') as tasks_accepted,
        count(*) filter (where outcome = 'accepted' and handled_on_time) as tasks_on_time,
        count(*) filter (where outcome = 'accepted' and returned_count = 0) as tasks_first_pass,
        count(township_evaluation) filter (where outcome = 'accepted') as evaluations,
        sum(township_evaluation) filter (where outcome = 'accepted') as evaluation_sum
    from {{ ref('fct_dispatch_tasks') }}
    where department_code is not null and dispatched_at is not null
      and {{ among(local_month('dispatched_at'), 'affected', 'period') }}
    group by all
),

petitions_received as (
    select
        handling_unit as department_code,
        {{ format_time('registered_on', '%Y-%m') }} as month,
        count(*) as petitions_received
    from {{ ref('fct_petitions') }}
    where handling_unit is not null and registered_on is not null
      and {{ among(format_time('registered_on', '%Y-%m'), 'affected', 'period') }}
    group by all
),

petitions_due as (
    select
        handling_unit as department_code,
        {{ format_time('handling_due_on', '%Y-%m') }} as month,
        count(*) as petitions_due,
        count(*) filter (where replied_on_time) as petitions_on_time
    from {{ ref('fct_petitions') }}
    where handling_unit is not null and handling_due_on is not null
      and {{ among(format_time('handling_due_on', '%Y-%m'), 'affected', 'period') }}
    group by all
),

petitions_answered as (
    select
        handling_unit as department_code,
        {{ format_time('replied_on', '%Y-%m') }} as month,
        count(*) filter (where nullif(satisfaction, '') is not null) as petitions_evaluated,
        count(*) filter (where satisfied) as petitions_satisfied
    from {{ ref('fct_petitions') }}
    where handling_unit is not null and replied_on is not null
      and {{ among(format_time('replied_on', '%Y-%m'), 'affected', 'period') }}
    group by all
),

keys as (
    {{- keys_of(
        ['tasks', 'petitions_received', 'petitions_due', 'petitions_answered'],
        ['department_code', 'month'],
    ) }}
)

select
    k.month as assessment_month,
    k.department_code,
    coalesce(t.tasks_dispatched, 0) as tasks_dispatched,
    coalesce(t.tasks_rerouted, 0) as tasks_rerouted,
    coalesce(t.tasks_accepted, 0) as tasks_accepted,
    coalesce(t.tasks_on_time, 0) as tasks_on_time,
    coalesce(t.tasks_first_pass, 0) as tasks_first_pass,
    coalesce(t.evaluations, 0) as evaluations,
    t.evaluation_sum,
    coalesce(r.petitions_received, 0) as petitions_received,
    coalesce(d.petitions_due, 0) as petitions_due,
    coalesce(d.petitions_on_time, 0) as petitions_on_time,
    coalesce(a.petitions_evaluated, 0) as petitions_evaluated,
    coalesce(a.petitions_satisfied, 0) as petitions_satisfied,
    {{ build_stamp() }} as _loaded_at
from keys as k
left join tasks as t on k.department_code = t.department_code and k.month = t.month
left join petitions_received as r on k.department_code = r.department_code and k.month = r.month
left join petitions_due as d on k.department_code = d.department_code and k.month = d.month
left join petitions_answered as a on k.department_code = a.department_code and k.month = a.month
{{ tombstones('(select period as assessment_month from affected)', ['assessment_month']) }}
