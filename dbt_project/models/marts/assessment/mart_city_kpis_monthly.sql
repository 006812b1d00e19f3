-- The city's headline figures per month (step_scorecards__area_months: every event, placed in
-- a grid or not), with the grid workers' points and the change on the same month a year
-- before where the warehouse holds it (null otherwise).
with areas as (
    select
        scorecard_month,
        {{ scorecard_sums() }}
    from {{ ref('step_scorecards__area_months') }}
    group by all
),

points as (
    {{ scorecard_points([]) }}
),

months as (
    select
        k.scorecard_month,
        {{ scorecard_figures('a', 'p') }}
    from (select scorecard_month from areas
    union
    select scorecard_month from points) as k
    left join areas as a on k.scorecard_month = a.scorecard_month
    left join points as p on k.scorecard_month = p.scorecard_month
)

select
    m.*,
    {%- for kpi in ['events_reported', 'disputes_resolved', 'services_delivered'] %}
    m.{{ kpi }}::double / nullif(y.{{ kpi }}, 0) - 1 as {{ kpi }}_yoy,
    {%- endfor %}
    m.on_time_rate - y.on_time_rate as on_time_rate_yoy_change
from months as m
left join months as y
    on y.scorecard_month
    = {{ format_time(parse_time("m.scorecard_month || '-01'", '%Y-%m-%d') ~ ' - interval 1 year', '%Y-%m') }}
