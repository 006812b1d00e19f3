{#- The department assessment over a period (`grain`: 'month' or 'year', Asia/Shanghai),
    computed from the period's own tasks (a year is not an average of its months).

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
with tasks as (
    select
        department_code,
        {{ format_time(local_timestamp('dispatched_at'), fmt) }} as period,
        count(*) as tasks_dispatched,
        count(*) filter (where outcome = 'rerouted') as tasks_rerouted,
        count(*) filter (where outcome = 'accepted') as tasks_accepted,
        count(*) filter (where outcome = 'accepted' and handled_on_time) as tasks_on_time,
        count(*) filter (where outcome = 'accepted' and returned_count = 0) as tasks_first_pass,
        count(township_evaluation) filter (where outcome = 'accepted') as evaluations,
        avg(township_evaluation) filter (where outcome = 'accepted') as evaluation_mean
    from {{ ref('fct_dispatch_tasks') }}
    where department_code is not null and dispatched_at is not null
    group by all
),

petitions_received as (
    select handling_unit as department_code, {{ format_time('registered_on', fmt) }} as period, count(*) as petitions_received
    from {{ ref('fct_petitions') }}
    where handling_unit is not null and registered_on is not null
    group by all
),

petitions_due as (
    select
        handling_unit as department_code,
        {{ format_time('handling_due_on', fmt) }} as period,
        count(*) as petitions_due,
        count(*) filter (where replied_on_time) as petitions_on_time
    from {{ ref('fct_petitions') }}
    where handling_unit is not null and handling_due_on is not null
    group by all
),

petitions_answered as (
    select
        handling_unit as department_code,
        {{ format_time('replied_on', fmt) }} as period,
        count(*) filter (where nullif(satisfaction, '') is not null) as petitions_evaluated,
        count(*) filter (where satisfied) as petitions_satisfied
    from {{ ref('fct_petitions') }}
    where handling_unit is not null and replied_on is not null
    group by all
),

-- periods up to the last one anything was dispatched or registered in (petitions fall due
-- months ahead: those months are assessed once they come)
periods as (
    select department_code, period from (
        select department_code, period from tasks
        union select department_code, period from petitions_received
        union select department_code, period from petitions_due
        union select department_code, period from petitions_answered
    )
    where period <= (select max(period) from (select period from tasks union all select period from petitions_received))
),

figures as (
    select
        p.department_code,
        p.period,
        {%- if grain == 'month' %}
        cast(last_day({{ parse_time("p.period || '-01'", '%Y-%m-%d') }}) as date) as period_last_day,
        {%- else %}
        make_date(cast(p.period as integer), 12, 31) as period_last_day,
        {%- endif %}
        coalesce(t.tasks_dispatched, 0) as tasks_dispatched,
        coalesce(t.tasks_rerouted, 0) as tasks_rerouted,
        coalesce(t.tasks_accepted, 0) as tasks_accepted,
        coalesce(t.tasks_on_time, 0) as tasks_on_time,
        coalesce(t.tasks_first_pass, 0) as tasks_first_pass,
        coalesce(t.evaluations, 0) as evaluations,
        coalesce(r.petitions_received, 0) as petitions_received,
        coalesce(d.petitions_due, 0) as petitions_due,
        coalesce(d.petitions_on_time, 0) as petitions_on_time,
        coalesce(a.petitions_evaluated, 0) as petitions_evaluated,
        coalesce(a.petitions_satisfied, 0) as petitions_satisfied,
        t.tasks_accepted::double / nullif(t.tasks_dispatched - t.tasks_rerouted, 0) as completion_rate,
        t.tasks_on_time::double / nullif(t.tasks_accepted, 0) as on_time_rate,
        t.tasks_first_pass::double / nullif(t.tasks_accepted, 0) as first_pass_rate,
        t.evaluation_mean / 5.0 as township_evaluation,
        d.petitions_on_time::double / nullif(d.petitions_due, 0) as petition_on_time_rate,
        a.petitions_satisfied::double / nullif(a.petitions_evaluated, 0) as petition_satisfaction
    from periods as p
    left join tasks as t on t.department_code = p.department_code and t.period = p.period
    left join petitions_received as r on r.department_code = p.department_code and r.period = p.period
    left join petitions_due as d on d.department_code = p.department_code and d.period = p.period
    left join petitions_answered as a on a.department_code = p.department_code and a.period = p.period
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
