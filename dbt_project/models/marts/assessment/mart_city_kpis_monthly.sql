-- The city's headline figures per month, with the change on the same month a year before
-- where the warehouse holds it (null otherwise).
with months as (
    {{ scorecard('city') }}
)

select
    m.*,
    {%- for kpi in ['events_reported', 'disputes_resolved', 'services_delivered'] %}
    round(m.{{ kpi }}::double / nullif(y.{{ kpi }}, 0) - 1, 6) as {{ kpi }}_yoy,
    {%- endfor %}
    round(m.on_time_rate - y.on_time_rate, 6) as on_time_rate_yoy_change
from months as m
left join months as y
    on y.scorecard_month = {{ format_time(parse_time("m.scorecard_month || '-01'", '%Y-%m-%d') ~ ' - interval 1 year', '%Y-%m') }}
