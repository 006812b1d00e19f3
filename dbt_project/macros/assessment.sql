{#- The department assessment over a period (`grain`: 'month' or 'year', Asia/Shanghai),
    computed from the period's own counts (int_assessment__department_months, summed over a
    year's months: a year is not an average of its months).

    Tasks: dispatches to departments (fct_dispatch_tasks: Smart City dispatches and
    reroutes, civil-affairs applications, parking violations), by dispatch time; and
    petitions, tasks of their handling unit from registration. Indicators (weights in
    seeds/rules/assessment_weights, the version valid on the period's last day):
      completion_rate        accepted / dispatched, rerouted-away tasks excluded
      on_time_rate           accepted and handled by the due time / accepted
      first_pass_rate        accepted and never returned / accepted
      township_evaluation    mean township evaluation (1-5) of accepted tasks / 5
      petition_on_time_rate  replied within the limit / petitions due in the period
      petition_satisfaction  满意 + 基本满意 / petitions evaluated (answered in the period)
    An indicator without data (no petitions, no evaluations) gives its weight to the
    others in proportion. Composite = 100 x sum(weight x indicator) / sum(weights used).
    Fewer tasks than min_tasks: reported, marked insufficient_data, not ranked. Ranks
    (ties share, the next rank skips) overall and within the department's platform. -#}
{% macro department_assessment(grain) -%}
{%- set fmt = '%Y-%m' if grain == 'month' else '%Y' -%}
{%- set indicators = ['completion_rate', 'on_time_rate', 'first_pass_rate', 'township_evaluation', 'petition_on_time_rate', 'petition_satisfaction'] -%}
with months as (
    select *, {{ 'assessment_month' if grain == 'month' else 'substr(assessment_month, 1, 4)' }} as period
    from {{ ref('int_assessment__department_months') }}
),

-- periods up to the last one anything was dispatched or registered in (petitions fall due
-- months ahead: those months are assessed once they come)
counts as (
    select
        department_code,
        period,
        cast(sum(tasks_dispatched) as bigint) as tasks_dispatched,
        cast(sum(tasks_rerouted) as bigint) as tasks_rerouted,
        cast(sum(tasks_accepted) as bigint) as tasks_accepted,
        cast(sum(tasks_on_time) as bigint) as tasks_on_time,
        cast(sum(tasks_first_pass) as bigint) as tasks_first_pass,
        cast(sum(evaluations) as bigint) as evaluations,
        cast(sum(evaluation_sum) as bigint) as evaluation_sum,
        cast(sum(petitions_received) as bigint) as petitions_received,
        cast(sum(petitions_due) as bigint) as petitions_due,
        cast(sum(petitions_on_time) as bigint) as petitions_on_time,
        cast(sum(petitions_evaluated) as bigint) as petitions_evaluated,
        cast(sum(petitions_satisfied) as bigint) as petitions_satisfied
    from months
    where period <= (select max(period) from months where tasks_dispatched > 0 or petitions_received > 0)
    group by all
),

figures as (
    select
        c.department_code,
        c.period,
        {%- if grain == 'month' %}
        cast(last_day({{ parse_time("c.period || '-01'", '%Y-%m-%d') }}) as date) as period_last_day,
        {%- else %}
        make_date(cast(c.period as integer), 12, 31) as period_last_day,
        {%- endif %}
        c.tasks_dispatched,
        c.tasks_rerouted,
        c.tasks_accepted,
        c.tasks_on_time,
        c.tasks_first_pass,
        c.evaluations,
        c.petitions_received,
        c.petitions_due,
        c.petitions_on_time,
        c.petitions_evaluated,
        c.petitions_satisfied,
        c.tasks_accepted::double / nullif(c.tasks_dispatched - c.tasks_rerouted, 0) as completion_rate,
        c.tasks_on_time::double / nullif(c.tasks_accepted, 0) as on_time_rate,
        c.tasks_first_pass::double / nullif(c.tasks_accepted, 0) as first_pass_rate,
        c.evaluation_sum::double / nullif(c.evaluations, 0) / 5.0 as township_evaluation,
        c.petitions_on_time::double / nullif(c.petitions_due, 0) as petition_on_time_rate,
        c.petitions_satisfied::double / nullif(c.petitions_evaluated, 0) as petition_satisfaction
    from counts as c
),

weighted as (
    select
        f.department_code,
        f.period,
        max(w.version) as weights_version,
        sum(w.weight * case w.indicator
            {%- for i in indicators %} when '{{ i }}' then f.{{ i }}{% endfor %} end) as weighted_sum,
        sum(w.weight) filter (where case w.indicator
            {%- for i in indicators %} when '{{ i }}' then f.{{ i }}{% endfor %} end is not null) as weight_used
    from figures as f
    join {{ ref('assessment_weights') }} as w on {{ valid_on('w', 'f.period_last_day') }}
    group by all
),

scored as (
    select
        f.*,
        w.weights_version,
        cast(w.weight_used as double) as weight_used,
        round(100 * w.weighted_sum / nullif(w.weight_used, 0), 4) as composite_score,
        case when f.tasks_dispatched + f.petitions_received < s.value then 'insufficient_data' else 'assessed' end as status,
        d.department_name,
        d.platform_code,
        d.county_code
    from figures as f
    join weighted as w on w.department_code = f.department_code and w.period = f.period
    join {{ ref('assessment_settings') }} as s on s.setting = 'min_tasks' and {{ valid_on('s', 'f.period_last_day') }}
    left join {{ ref('dim_department') }} as d on d.department_code = f.department_code and d.is_current
)

select
    period as assessment_{{ grain }},
    department_code,
    department_name,
    platform_code,
    county_code,
    tasks_dispatched,
    tasks_rerouted,
    tasks_accepted,
    tasks_on_time,
    tasks_first_pass,
    evaluations,
    petitions_received,
    petitions_due,
    petitions_on_time,
    petitions_evaluated,
    petitions_satisfied,
    {%- for i in indicators %}
    round({{ i }}, 6) as {{ i }},
    {%- endfor %}
    weights_version,
    round(weight_used, 4) as weight_used,
    composite_score,
    status,
    case when status = 'assessed' then cast(rank() over (
        partition by period, status = 'assessed' order by composite_score desc nulls last) as bigint) end as rank_overall,
    case when status = 'assessed' then cast(rank() over (
        partition by period, platform_code, status = 'assessed' order by composite_score desc nulls last) as bigint) end as rank_in_platform
from scored
{%- endmacro %}
