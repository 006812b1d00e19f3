{#- The monthly scorecard of an area (`level`: 'grid', 'township', 'county' or 'city'), Asia/Shanghai
    months: what the service-guarantee centre publishes per grid, township and for the city.
      events_reported      events reported in the month (all sources)
      events_closed        of those, closed by now
      tasks_accepted       tasks accepted in the month (by dispatch month)
      tasks_on_time        of those, handled by their due time -> on_time_rate
      alarms_pushed        Sharp Eyes alarms pushed to a grid worker
      alarms_within_30_min of those, reached on site within 30 minutes
      services_delivered   civil-affairs applications completed (办结) and home visits made
      disputes_resolved    petitions closed in the month
      disputes_mediated    of those, mediated by a grid worker and evaluated 满意 / 基本满意
      grid_workers, worker_points, excellent_workers  (all but grids: from the points)
    Every count is a sum over the area's grids, so grids add up to townships, townships to
    counties and counties to the city. -#}
{% macro scorecard(level) -%}
{%- set keys = {'grid': ['grid_code', 'township_code', 'county_code'], 'township': ['township_code', 'county_code'], 'county': ['county_code'], 'city': []}[level] -%}
{%- set key_list = keys | join(', ') -%}
{%- set by = (key_list ~ ', ') if keys else '' -%}
with events as (
    select {{ by }}{{ local_month('reported_at') }} as month,
        count(*) as events_reported,
        count(*) filter (where closed_at is not null) as events_closed
    from {{ ref('fct_governance_events') }}
    {% if keys %}where grid_code is not null{% endif %}
    group by all
),

tasks as (
    select {{ by }}{{ local_month('dispatched_at') }} as month,
        count(*) filter (where outcome = 'accepted') as tasks_accepted,
        count(*) filter (where outcome = 'accepted' and handled_on_time) as tasks_on_time,
        count(*) filter (where outcome = 'accepted' and source_system = 'civil_affairs') as applications_completed
    from {{ ref('fct_dispatch_tasks') }}
    {% if keys %}where grid_code is not null{% endif %}
    group by all
),

alarms as (
    select {{ by }}{{ local_month('pushed_at') }} as month,
        count(*) as alarms_pushed,
        count(*) filter (where minutes_to_arrival <= 30) as alarms_within_30_min
    from {{ ref('fct_alarm_responses') }}
    where pushed_at is not null {% if keys %}and grid_code is not null{% endif %}
    group by all
),

visits as (
    select {{ by }}{{ format_time('visited_on', '%Y-%m') }} as month, count(*) as home_visits
    from {{ ref('fct_home_visits') }}
    {% if keys %}where grid_code is not null{% endif %}
    group by all
),

petitions as (
    select {{ by }}{{ format_time('closed_on', '%Y-%m') }} as month,
        count(*) as disputes_resolved,
        count(*) filter (where mediator_staff_id is not null and satisfied) as disputes_mediated
    from {{ ref('fct_petitions') }}
    where closed_on is not null {% if keys %}and grid_code is not null{% endif %}
    group by all
),

{%- if level != 'grid' %}

points as (
    select {{ by }}points_month as month,
        count(*) as grid_workers,
        sum(total_points) as worker_points,
        count(*) filter (where grade = '优秀') as excellent_workers
    from {{ ref('mart_worker_points_monthly') }}
    group by all
),
{%- endif %}

areas as (
    select {{ by }}month from events
    union select {{ by }}month from tasks
    union select {{ by }}month from alarms
    union select {{ by }}month from visits
    union select {{ by }}month from petitions
    {%- if level != 'grid' %}
    union select {{ by }}month from points
    {%- endif %}
)

select
    a.month as scorecard_month,
    {%- for k in keys %}
    a.{{ k }},
    {%- endfor %}
    coalesce(e.events_reported, 0) as events_reported,
    coalesce(e.events_closed, 0) as events_closed,
    coalesce(t.tasks_accepted, 0) as tasks_accepted,
    coalesce(t.tasks_on_time, 0) as tasks_on_time,
    round(t.tasks_on_time::double / nullif(t.tasks_accepted, 0), 6) as on_time_rate,
    coalesce(al.alarms_pushed, 0) as alarms_pushed,
    coalesce(al.alarms_within_30_min, 0) as alarms_within_30_min,
    coalesce(t.applications_completed, 0) + coalesce(v.home_visits, 0) as services_delivered,
    coalesce(p.disputes_resolved, 0) as disputes_resolved,
    coalesce(p.disputes_mediated, 0) as disputes_mediated
    {%- if level != 'grid' %},
    coalesce(pt.grid_workers, 0) as grid_workers,
    cast(coalesce(pt.worker_points, 0) as decimal(12, 2)) as worker_points,
    coalesce(pt.excellent_workers, 0) as excellent_workers
    {%- endif %}
from areas as a
{%- for cte, alias in [('events', 'e'), ('tasks', 't'), ('alarms', 'al'), ('visits', 'v'), ('petitions', 'p')] + ([('points', 'pt')] if level != 'grid' else []) %}
left join {{ cte }} as {{ alias }} on {{ alias }}.month = a.month{% for k in keys %} and {{ alias }}.{{ k }} is not distinct from a.{{ k }}{% endfor %}
{%- endfor %}
{%- endmacro %}
