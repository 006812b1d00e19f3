-- Grid workers x month (Asia/Shanghai): total points, lines per rule, ranks within the
-- township and the county in the worker's pool (dense, ties share) and the grade per pool
-- and county: top 20% 优秀, bottom 10% and any negative total 不合格, the rest 合格 (a tie
-- group gets a grade only if all of it fits within the 20% or 10%).
-- Every worker with a worker assignment in the month has a row, with or without lines. A
-- worker reassigned mid-month is scored once, in the township (and pool) where they
-- worked most days of the month.
-- A month not yet ended by the build's day is provisional (is_final false): its ranks and
-- grades may still change.
-- Replaced month by month: the months whose ledger lines changed, those a worker whose
-- assignments changed worked in (before or after the change), and those that ended since.
-- depends_on: {{ ref('int_smart_city__staff') }}
{{ config(
    materialized='incremental', incremental_strategy='replace_keys', unique_key='points_month',
    meta={'period_inputs': [{'model': 'fct_worker_points_ledger', 'period': 'points_month'}]},
    post_hook="{{ record_period_counts() }}",
) }}
with affected as (
    {%- if is_incremental() %}
    {{ changed_periods() }}
    union
    select distinct points_month from {{ this }}
    where staff_id in (select staff_id from {{ ref('int_smart_city__staff') }} where {{ since_last_build() }})
       or staff_id in (select staff_id from {{ ref('dim_grid_staff') }} where {{ since_last_build() }})
    union
    select distinct l.points_month
    from (select distinct points_month from {{ ref('fct_worker_points_ledger') }}) as l
    join {{ ref('dim_grid_staff') }} as s
        on s.valid_from < cast({{ parse_time("l.points_month || '-01'", '%Y-%m-%d') }} + interval 1 month as date)
       and (s.valid_to is null or s.valid_to > cast({{ parse_time("l.points_month || '-01'", '%Y-%m-%d') }} as date))
    where s.staff_id in (select staff_id from {{ ref('int_smart_city__staff') }} where {{ since_last_build() }})
       or s.staff_id in (select staff_id from {{ ref('dim_grid_staff') }} where {{ since_last_build() }})
    union
    select distinct points_month from {{ this }} where not is_final and {{ month_is_final('points_month') }}
    {%- else %}
    select distinct points_month as period from {{ ref('fct_worker_points_ledger') }}
    {%- endif %}
),

months as (
    select distinct points_month from {{ ref('fct_worker_points_ledger') }}
    where points_month in (select a.period from affected as a)
),

month_days as (
    select
        m.points_month,
        cast({{ parse_time("m.points_month || '-01'", '%Y-%m-%d') }} as date) as first_day,
        cast({{ parse_time("m.points_month || '-01'", '%Y-%m-%d') }} + interval 1 month as date) as next_first_day
    from months as m
),

-- days of each worker assignment that fall in each month
assignment_days as (
    select
        d.points_month,
        s.staff_id,
        s.points_pool,
        s.grid_code,
        s.township_code,
        s.county_code,
        s.valid_from,
        {{ days_between(
            'greatest(s.valid_from, d.first_day)',
            'least(coalesce(s.valid_to, d.next_first_day), d.next_first_day)'
        ) }} as days_in_month
    from {{ ref('dim_grid_staff') }} as s
    inner join month_days as d
        on s.valid_from < d.next_first_day
       and (s.valid_to is null or s.valid_to > d.first_day)
    where s.points_pool is not null
),

-- ledger lines of a worker with no assignment in the month (a self-resolved event closed
-- after they moved on): placed by their latest worker assignment before the month's end
ledger_staff as (
    select distinct points_month, staff_id from {{ ref('fct_worker_points_ledger') }}
    where points_month in (select m.points_month from months as m)
),

home_candidates as (
    select points_month, staff_id, points_pool, township_code, county_code, sum(days_in_month) as days, 1 as priority
    from assignment_days
    group by all
    union all
    select l.points_month, s.staff_id, s.points_pool, s.township_code, s.county_code, 0, 2
    from ledger_staff as l
    inner join month_days as d on l.points_month = d.points_month
    inner join {{ ref('dim_grid_staff') }} as s
        on l.staff_id = s.staff_id and s.points_pool is not null and d.next_first_day > s.valid_from
    qualify row_number() over (
        partition by l.points_month, l.staff_id order by s.valid_from desc, s.township_code asc
    ) = 1
),

home as (
    select points_month, staff_id, points_pool, township_code, county_code
    from home_candidates
    qualify row_number() over (
        partition by points_month, staff_id order by priority asc, days desc, township_code asc, points_pool asc
    ) = 1
),

totals as (
    select
        points_month,
        staff_id,
        sum(points) as total_points,
        count(*) as ledger_lines,
        {% for r in ['R1', 'R2', 'R3', 'R4', 'R5', 'R6', 'R7'] -%}
        count(*) filter (where rule_id = '{{ r }}') as {{ r | lower }}_lines,
        {% endfor -%}
        count(*) filter (where points = 0) as zero_point_lines
    from {{ ref('fct_worker_points_ledger') }}
    where points_month in (select m.points_month from months as m)
    group by all
),

scored as (
    select
        h.points_month,
        h.staff_id,
        h.points_pool,
        h.township_code,
        h.county_code,
        coalesce(t.total_points, 0) as total_points,
        coalesce(t.ledger_lines, 0) as ledger_lines,
        {% for r in ['r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7'] -%}
        coalesce(t.{{ r }}_lines, 0) as {{ r }}_lines,
        {% endfor -%}
        coalesce(t.zero_point_lines, 0) as zero_point_lines
    from home as h
    left join totals as t on h.points_month = t.points_month and h.staff_id = t.staff_id
),

ranked as (
    select
        s.*,
        cast(
            dense_rank() over (partition by s.points_month, s.points_pool, s.township_code order by s.total_points desc)
            as bigint
        ) as township_rank,
        cast(
            dense_rank() over (partition by s.points_month, s.points_pool, s.county_code order by s.total_points desc)
            as bigint
        ) as county_rank,
        count(*) over (partition by s.points_month, s.points_pool, s.county_code) as county_pool_workers,
        -- workers of the county and pool at or above (below) this total, ties included: a
        -- grade goes to a whole tie group only if it fits within the quota
        count(*) over (
            partition by s.points_month, s.points_pool, s.county_code order by s.total_points desc
            range between unbounded preceding and current row
        ) as county_pool_at_or_above,
        count(*) over (
            partition by s.points_month, s.points_pool, s.county_code order by s.total_points asc
            range between unbounded preceding and current row
        ) as county_pool_at_or_below
    from scored as s
)

select
    r.points_month,
    r.staff_id,
    g.staff_name_masked,
    r.points_pool,
    r.township_code,
    r.county_code,
    cast(r.total_points as decimal(9, 2)) as total_points,
    r.ledger_lines,
    r.r1_lines,
    r.r2_lines,
    r.r3_lines,
    r.r4_lines,
    r.r5_lines,
    r.r6_lines,
    r.r7_lines,
    r.zero_point_lines,
    r.township_rank,
    r.county_rank,
    r.county_pool_workers,
    case
        when r.total_points < 0 then '不合格'
        when r.county_pool_at_or_above <= 0.2 * r.county_pool_workers then '优秀'
        when r.county_pool_at_or_below <= 0.1 * r.county_pool_workers then '不合格'
        else '合格'
    end as grade,
    {{ month_is_final('r.points_month') }} as is_final,
    {{ build_stamp() }} as _loaded_at
from ranked as r
left join (
    select staff_id, any_value(staff_name_masked) as staff_name_masked
    from {{ ref('dim_grid_staff') }}
    group by staff_id
) as g on r.staff_id = g.staff_id
{{ tombstones('(select period as points_month from affected)', ['points_month']) }}
