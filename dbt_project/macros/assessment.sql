{#- The department assessment over a period (`grain`: 'month' or 'year', Asia/Shanghai),
    computed from the period's own counts (step_assessment__department_months, summed over a
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
    An indicator without data (0 / 0: no petitions, no evaluations) gives its weight to the
    others in proportion. Composite = 100 x sum(weight x indicator) / sum(weights used),
    summed in the fixed order above so that every engine and every run gives the same
    double. Rates and composites are stored unrounded; ranks are on the unrounded values
    (rounding is for display only). Every department listed in the period (any version of
    dim_department valid in it) has a row, one with no task at all included. Fewer tasks
    than min_tasks: reported, marked insufficient_data, not ranked. Ranks (ties share, the
    next rank skips) overall and within the department's platform. A period that has not
    ended by the build's day (as_of_date) is provisional: is_final false. -#}
{% macro department_assessment(grain) -%}
{%- set fmt = '%Y-%m' if grain == 'month' else '%Y' -%}
{%- set indicators = ['completion_rate', 'on_time_rate', 'first_pass_rate', 'township_evaluation', 'petition_on_time_rate', 'petition_satisfaction'] -%}
{%- set tallies = ['tasks_dispatched', 'tasks_rerouted', 'tasks_accepted', 'tasks_on_time', 'tasks_first_pass', 'evaluations', 'evaluation_sum', 'petitions_received', 'petitions_due', 'petitions_on_time', 'petitions_evaluated', 'petitions_satisfied'] -%}
with months as (
    select *, {{ 'assessment_month' if grain == 'month' else 'substr(assessment_month, 1, 4)' }} as period
    from {{ ref('step_assessment__department_months') }}
),

-- periods up to the last one anything was dispatched or registered in (petitions fall due
-- months ahead: those months are assessed once they come), with their first and last day
periods as (
    select
        period,
        {%- if grain == 'month' %}
        cast({{ parse_time("period || '-01'", '%Y-%m-%d') }} as date) as period_first_day,
        cast(last_day({{ parse_time("period || '-01'", '%Y-%m-%d') }}) as date) as period_last_day
        {%- else %}
        make_date(cast(period as integer), 1, 1) as period_first_day,
        make_date(cast(period as integer), 12, 31) as period_last_day
        {%- endif %}
    from (select distinct period from months) as p
    where period <= (select max(period) from months where tasks_dispatched > 0 or petitions_received > 0)
),

-- the departments of each period: every version valid on a day of it, the latest one named
listed as (
    select department_code, period, department_name, platform_code, county_code
    from (
        select
            d.department_code, p.period, d.department_name, d.platform_code, d.county_code,
            row_number() over (partition by d.department_code, p.period order by d.version_no desc nulls last) as latest
        from periods as p
        join {{ ref('dim_department') }} as d
            on (d.valid_from is null or d.valid_from <= p.period_last_day)
           and (d.valid_to is null or d.valid_to > p.period_first_day)
    ) as v
    where latest = 1
),

counts as (
    select
        k.department_code,
        k.period,
        {%- for t in tallies %}
        {%- if t == 'evaluation_sum' %}
        cast(sum(m.{{ t }}) as bigint) as {{ t }},
        {%- else %}
        coalesce(cast(sum(m.{{ t }}) as bigint), 0) as {{ t }},
        {%- endif %}
        {%- endfor %}
        max(l.department_name) as department_name,
        max(l.platform_code) as platform_code,
        max(l.county_code) as county_code
    from (
        select department_code, period from months where period in (select period from periods)
        union
        select department_code, period from listed
    ) as k
    left join months as m on m.department_code = k.department_code and m.period = k.period
    left join listed as l on l.department_code = k.department_code and l.period = k.period
    group by k.department_code, k.period
),

figures as (
    select
        c.*,
        p.period_last_day,
        c.tasks_accepted::double / nullif(c.tasks_dispatched - c.tasks_rerouted, 0) as completion_rate,
        c.tasks_on_time::double / nullif(c.tasks_accepted, 0) as on_time_rate,
        c.tasks_first_pass::double / nullif(c.tasks_accepted, 0) as first_pass_rate,
        c.evaluation_sum::double / nullif(c.evaluations, 0) / 5.0 as township_evaluation,
        c.petitions_on_time::double / nullif(c.petitions_due, 0) as petition_on_time_rate,
        c.petitions_satisfied::double / nullif(c.petitions_evaluated, 0) as petition_satisfaction
    from counts as c
    join periods as p on p.period = c.period
),

-- the weights valid on each period's last day, one column per indicator
weights as (
    select
        p.period,
        max(w.version) as weights_version,
        {%- for i in indicators %}
        max(case when w.indicator = '{{ i }}' then w.weight end) as w_{{ i }}{{ ',' if not loop.last }}
        {%- endfor %}
    from periods as p
    join {{ ref('assessment_weights') }} as w on {{ valid_on('w', 'p.period_last_day') }}
    group by p.period
),

scored as (
    select
        f.*,
        w.weights_version,
        -- the weights are exact decimals: their sum is cast once
        cast(nullif(
            {%- for i in indicators %}
            case when f.{{ i }} is not null then coalesce(w.w_{{ i }}, 0) else 0 end{{ ' +' if not loop.last }}
            {%- endfor %}, 0) as double) as weight_used,
        (
            {%- for i in indicators %}
            coalesce(cast(w.w_{{ i }} as double) * f.{{ i }}, 0.0){{ ' +' if not loop.last }}
            {%- endfor %}
        ) as weighted_sum,
        s.value as min_tasks
    from figures as f
    join weights as w on w.period = f.period
    join {{ ref('assessment_settings') }} as s on s.setting = 'min_tasks' and {{ valid_on('s', 'f.period_last_day') }}
),

assessed as (
    select
        *,
        100.0 * weighted_sum / weight_used as composite_score,
        case when tasks_dispatched + petitions_received < min_tasks then 'insufficient_data' else 'assessed' end as status
    from scored
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
    {{ i }},
    {%- endfor %}
    weights_version,
    weight_used,
    composite_score,
    status,
    case when status = 'assessed' then cast(rank() over (
        partition by period, status = 'assessed' order by composite_score desc nulls last) as bigint) end as rank_overall,
    case when status = 'assessed' then cast(rank() over (
        partition by period, platform_code, status = 'assessed' order by composite_score desc nulls last) as bigint) end as rank_in_platform,
    period_last_day < {{ as_of_date() }} as is_final
from assessed
{%- endmacro %}
