-- What the monthly scorecards count, per grid (null: not placed in a grid) and month
-- (Asia/Shanghai), from the event facts. Grids add up to townships, townships to counties;
-- the city counts the unplaced too. Every count is additive, so each scorecard mart is a
-- sum over these rows. Replaced month by month: the months the facts changed in.
--   events_reported        events reported in the month (all sources)
--   events_closed          of those, closed by now
--   tasks_accepted         tasks accepted in the month (by dispatch month)
--   tasks_on_time          of those, handled by their due time
--   applications_completed civil-affairs applications of them (办结)
--   alarms_pushed          Sharp Eyes alarms pushed to a grid worker
--   alarms_within_30_min   of those, reached on site within 30 minutes
--   home_visits            civil-affairs home visits made
--   disputes_resolved      petitions closed in the month
--   disputes_mediated      of those, mediated by a grid worker and evaluated 满意 / 基本满意
{{ config(
    materialized='incremental', incremental_strategy='replace_keys', unique_key='scorecard_month',
    meta={'period_inputs': [
        {'model': 'fct_governance_events', 'period': local_month('reported_at')},
        {'model': 'fct_dispatch_tasks', 'period': local_month('dispatched_at')},
        {'model': 'fct_alarm_responses', 'period': local_month('pushed_at')},
        {'model': 'fct_home_visits', 'period': format_time('visited_on', '%Y-%m')},
        {'model': 'fct_petitions', 'period': format_time('closed_on', '%Y-%m')},
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

events as (
    select grid_code, township_code, county_code, {{ local_month('reported_at') }} as month,
        count(*) as events_reported,
        count(*) filter (where closed_at is not null) as events_closed
    from {{ ref('fct_governance_events') }}
    where {{ among(local_month('reported_at'), 'affected', 'period') }}
    group by all
),

tasks as (
    select grid_code, township_code, county_code, {{ local_month('dispatched_at') }} as month,
        count(*) filter (where outcome = 'accepted') as tasks_accepted,
        count(*) filter (where outcome = 'accepted' and handled_on_time) as tasks_on_time,
        count(*) filter (where outcome = 'accepted' and source_system = 'civil_affairs') as applications_completed
    from {{ ref('fct_dispatch_tasks') }}
    where {{ among(local_month('dispatched_at'), 'affected', 'period') }}
    group by all
),

alarms as (
    select grid_code, township_code, county_code, {{ local_month('pushed_at') }} as month,
        count(*) as alarms_pushed,
        count(*) filter (where minutes_to_arrival <= 30) as alarms_within_30_min
    from {{ ref('fct_alarm_responses') }}
    where pushed_at is not null and {{ among(local_month('pushed_at'), 'affected', 'period') }}
    group by all
),

visits as (
    select grid_code, township_code, county_code, {{ format_time('visited_on', '%Y-%m') }} as month,
        count(*) as home_visits
    from {{ ref('fct_home_visits') }}
    where {{ among(format_time('visited_on', '%Y-%m'), 'affected', 'period') }}
    group by all
),

petitions as (
    select grid_code, township_code, county_code, {{ format_time('closed_on', '%Y-%m') }} as month,
        count(*) as disputes_resolved,
        count(*) filter (where mediator_staff_id is not null and satisfied) as disputes_mediated
    from {{ ref('fct_petitions') }}
    where closed_on is not null and {{ among(format_time('closed_on', '%Y-%m'), 'affected', 'period') }}
    group by all
),

areas as (
    {{- keys_of(
        ['events', 'tasks', 'alarms', 'visits', 'petitions'],
        ['grid_code', 'township_code', 'county_code', 'month'],
    ) }}
)

select
    a.month as scorecard_month,
    a.grid_code,
    a.township_code,
    a.county_code,
    coalesce(e.events_reported, 0) as events_reported,
    coalesce(e.events_closed, 0) as events_closed,
    coalesce(t.tasks_accepted, 0) as tasks_accepted,
    coalesce(t.tasks_on_time, 0) as tasks_on_time,
    coalesce(t.applications_completed, 0) as applications_completed,
    coalesce(al.alarms_pushed, 0) as alarms_pushed,
    coalesce(al.alarms_within_30_min, 0) as alarms_within_30_min,
    coalesce(v.home_visits, 0) as home_visits,
    coalesce(p.disputes_resolved, 0) as disputes_resolved,
    coalesce(p.disputes_mediated, 0) as disputes_mediated,
    {{ build_stamp() }} as _loaded_at
from areas as a
{%- for cte, alias in [('events', 'e'), ('tasks', 't'), ('alarms', 'al'), ('visits', 'v'), ('petitions', 'p')] %}
left join {{ cte }} as {{ alias }} on {{ alias }}.month = a.month
    and {{ alias }}.grid_code is not distinct from a.grid_code
    and {{ alias }}.township_code is not distinct from a.township_code
    and {{ alias }}.county_code is not distinct from a.county_code
{%- endfor %}
{{ tombstones('(select period as scorecard_month from affected)', ['scorecard_month']) }}
