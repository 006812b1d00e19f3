{#- The figures of the monthly scorecards, summed from step_scorecards__area_months (what each
    counts is written there). Expressions shared by the area levels' marts. -#}

{% macro scorecard_counts() -%}
{{ return(['events_reported', 'events_closed', 'tasks_accepted', 'tasks_on_time', 'alarms_pushed',
           'alarms_within_30_min', 'services_delivered', 'disputes_resolved', 'disputes_mediated']) }}
{%- endmacro %}

{#- The sums, one column per figure, over the rows of step_scorecards__area_months grouped. -#}
{% macro scorecard_sums() -%}
{%- for c in scorecard_counts() %}
    sum({{ 'applications_completed + home_visits' if c == 'services_delivered' else c }}) as {{ c }}{{ ',' if not loop.last }}
{%- endfor %}
{%- endmacro %}

{#- The published figures of a level from its sums (`a`) and its points (`p`), for the month
    `month`; rates unrounded, and whether the month is final (ended by the build's day). -#}
{% macro scorecard_figures(a, p, month='k.scorecard_month') -%}
{%- for c in scorecard_counts() %}
    cast(coalesce({{ a }}.{{ c }}, 0) as bigint) as {{ c }},
    {%- if c == 'tasks_on_time' %}
    {{ a }}.tasks_on_time::double / nullif({{ a }}.tasks_accepted, 0) as on_time_rate,
    {%- endif %}
{%- endfor %}
    coalesce({{ p }}.grid_workers, 0) as grid_workers,
    cast(coalesce({{ p }}.worker_points, 0) as decimal(12, 2)) as worker_points,
    coalesce({{ p }}.excellent_workers, 0) as excellent_workers,
    {{ month_is_final(month) }} as is_final
{%- endmacro %}

{#- The grid workers' points of a level, from mart_worker_points_monthly (`keys`: the level's
    area columns). -#}
{% macro scorecard_points(keys) -%}
select
    points_month as scorecard_month,
    {% for k in keys %}{{ k }}, {% endfor %}
    count(*) as grid_workers,
    sum(total_points) as worker_points,
    count(*) filter (where grade = '优秀') as excellent_workers
from {{ ref('mart_worker_points_monthly') }}
group by all
{%- endmacro %}
