-- The grid-worker points ledger: one line per rule application (seeds/rules), zero-point
-- lines included where a rule was considered and withheld (a duplicate report, the daily
-- cap, a household already visited that month), each naming its source record, the rule
-- version valid on the qualifying day and the reason in Chinese and English.
-- A line's points depend on the other lines of its worker's day (the daily cap) and of its
-- household's month (one visit scored), so an incremental build computes again every line
-- of the days and household-months that a changed source record, or a worker whose
-- assignments changed, reaches (before and after the change). Rule changes (seeds) build
-- the ledger again whole (macros/incremental.sql).
-- depends_on: {{ ref('int_smart_city__staff') }}
{{ config(materialized='incremental', incremental_strategy='replace_keys', unique_key='line_id') }}
with all_candidates as (
    select
        c.{{ star_except(['_loaded_at']) }},
        c._loaded_at as _candidate_loaded_at,
        {{ local_date('c.qualifying_at') }} as qualifying_on,
        {{ local_month('c.qualifying_at') }} as qualifying_month,
        c.rule_id || ':' || c.source_system || ':' || c.source_record_id as line_id
    from {{ ref('step_points__candidates') }} as c
),

{%- if is_incremental() %}

changed_records as (
    select distinct source_system, source_record_id
    from all_candidates
    where {{ since_last_build('_candidate_loaded_at') }}
    union
    select distinct source_system, source_record_id from {{ this }}
    where (source_system, source_record_id) not in (select source_system, source_record_id from all_candidates)
),

changed_staff as (
    select staff_id from {{ ref('int_smart_city__staff') }} where {{ since_last_build() }}
),

reached_new as (
    select * from all_candidates
    where (source_system, source_record_id) in (select source_system, source_record_id from changed_records)
       or staff_id in (select staff_id from changed_staff)
),

reached_old as (
    select line_id, staff_id, qualifying_on, rule_id, household_id, points_month from {{ this }}
    where (source_system, source_record_id) in (select source_system, source_record_id from changed_records)
       or staff_id in (select staff_id from changed_staff)
),

capped_days as (
    select staff_id, qualifying_on from reached_new where rule_id in ('R1', 'R3')
    union
    select staff_id, qualifying_on from reached_old where rule_id in ('R1', 'R3')
),

visited_months as (
    select household_id, qualifying_month as points_month from reached_new where rule_id = 'R5'
    union
    select household_id, points_month from reached_old where rule_id = 'R5'
),

candidates as (
    select c.* from all_candidates as c
    where c.line_id in (select line_id from reached_new)
       or (
           c.rule_id in ('R1', 'R3')
           and (c.staff_id, c.qualifying_on) in (select cd.staff_id, cd.qualifying_on from capped_days as cd)
       )
       or (
           c.rule_id = 'R5'
           and (c.household_id, c.qualifying_month) in (
               select vm.household_id, vm.points_month from visited_months as vm
           )
       )
),

affected as (
    select line_id from candidates
    union
    select line_id from reached_old
),

{%- else %}

candidates as (
    select * from all_candidates
),

{%- endif %}

workers as (
    select staff_id, points_pool, valid_from, valid_to
    from {{ ref('dim_grid_staff') }}
    where points_pool is not null
),

-- the worker's pool on the qualifying day (else their latest earlier worker assignment);
-- staff who never held a worker role (grid leaders, instructors) earn no points
pooled as (
    select c.*, w.points_pool
    from candidates as c
    inner join workers as w
        on c.staff_id = w.staff_id
       and c.qualifying_on >= w.valid_from
    qualify row_number() over (
        partition by c.rule_id, c.source_system, c.source_record_id
        order by ({{ valid_on('w', 'c.qualifying_on') }}) desc, w.valid_from desc, w.points_pool
    ) = 1
),

-- R4: the first band (smallest max_minutes) the arrival falls within, else `later`;
-- `no_arrival` when the alarm closed before anyone arrived
banded as (
    select
        p.*,
        case
            when p.rule_id <> 'R4' then null
            when p.outcome = 'no_arrival' then 'no_arrival'
            else coalesce(w.band, 'later')
        end as band_due
    from pooled as p
    left join {{ ref('points_alarm_bands') }} as w
        on p.rule_id = 'R4'
       and p.outcome = 'arrived'
       and w.max_minutes is not null
       and p.minutes_to_arrival <= w.max_minutes
       and {{ valid_on('w', 'p.qualifying_on') }}
    qualify row_number() over (
        partition by p.rule_id, p.source_system, p.source_record_id order by w.max_minutes
    ) = 1
),

versioned as (
    select
        p.*,
        r.version as rule_version,
        r.name_zh as rule_name_zh,
        r.name_en as rule_name_en,
        r.points as rule_points,
        case p.points_pool when 'fulltime' then r.multiplier_fulltime else r.multiplier_parttime end as multiplier,
        s.report_points,
        s.self_resolve_points,
        b.band as alarm_band,
        b.points as band_points,
        b.name_zh as band_name_zh,
        b.name_en as band_name_en,
        cap.value as daily_cap,
        visits.value as visits_per_household_month
    from banded as p
    inner join {{ ref('points_rules') }} as r on p.rule_id = r.rule_id and {{ valid_on('r', 'p.qualifying_on') }}
    left join {{ ref('points_subitems') }} as s
        on s.subitem_code = p.subitem_code and {{ valid_on('s', 'p.qualifying_on') }}
    left join {{ ref('points_alarm_bands') }} as b
        on b.band = p.band_due and {{ valid_on('b', 'p.qualifying_on') }}
    left join {{ ref('points_limits') }} as cap
        on cap.limit_id = 'daily_cap_r1_r3' and {{ valid_on('cap', 'p.qualifying_on') }}
    left join {{ ref('points_limits') }} as visits
        on visits.limit_id = 'home_visits_per_household_month' and {{ valid_on('visits', 'p.qualifying_on') }}
),

-- points before caps: what the rule gives, with duplicates and repeat visits withheld
based as (
    select
        v.*,
        {{ local_month('v.qualifying_at') }} as points_month,
        case
            when v.rule_id = 'R5' then row_number() over (
                partition by v.rule_id, v.household_id, {{ local_month('v.qualifying_at') }}
                order by v.qualifying_at, v.source_record_id)
        end as household_visit_no,
        case
            when v.rule_id = 'R1' and v.outcome = 'duplicate' then 0
            when v.rule_id = 'R1' then coalesce(v.report_points, 0)
            when v.rule_id = 'R3' then coalesce(v.self_resolve_points, 0)
            when v.rule_id = 'R4' then coalesce(v.band_points, 0)
            else v.rule_points
        end as rule_points_due
    from versioned as v
),

limited as (
    select
        b.*,
        case
            when b.rule_id = 'R5' and b.household_visit_no > b.visits_per_household_month then 0
            else b.rule_points_due
        end as base_points
    from based as b
),

-- the daily cap on R1 + R3: lines in time order (ties by source id, then rule), each gets
-- what is left of the day's cap
capped as (
    select
        l.*,
        case when l.rule_id in ('R1', 'R3') then coalesce(sum(l.base_points) over (
            partition by l.staff_id, l.qualifying_on, l.rule_id in ('R1', 'R3')
            order by l.qualifying_at, l.source_record_id, l.rule_id
            rows between unbounded preceding and 1 preceding), 0) end as day_points_before
    from limited as l
),

awarded as (
    select
        c.*,
        case
            when c.rule_id in ('R1', 'R3') and c.base_points > 0
                then greatest(0, least(c.base_points, c.daily_cap - c.day_points_before))
            else c.base_points
        end as capped_points
    from capped as c
),

-- why the line scores what it does, once; phrased below in Chinese and in English
explained as (
    select
        a.*,
        case
            when a.rule_id = 'R1' and a.outcome = 'duplicate' then 'duplicate'
            when a.rule_id in ('R1', 'R3') and a.base_points > 0 and a.capped_points = 0 then 'cap_reached'
            when a.rule_id in ('R1', 'R3') and a.capped_points < a.base_points then 'cap_partly'
            when a.rule_id = 'R4' then 'alarm_band'
            when a.rule_id = 'R5' and a.base_points = 0 then 'household_visited'
            else 'rule'
        end as reason_kind,
        case when a.multiplier <> 1 then cast(a.multiplier as string) end as multiplier_text
    from awarded as a
)

select
    a.rule_id || ':' || a.source_system || ':' || a.source_record_id as line_id,
    a.staff_id,
    a.points_pool,
    a.points_month,
    a.qualifying_on,
    a.qualifying_at,
    a.rule_id,
    a.rule_version,
    a.rule_name_zh,
    a.rule_name_en,
    a.source_system,
    a.source_record_id,
    a.event_id,
    a.subitem_code,
    a.alarm_band,
    a.duplicate_of,
    a.household_id,
    cast(a.base_points as integer) as base_points,
    cast(a.capped_points as integer) as capped_points,
    cast(a.multiplier as decimal(6, 3)) as multiplier,
    cast(a.capped_points * a.multiplier as decimal(9, 2)) as points,
    case a.reason_kind
        when 'duplicate' then '重复上报，同一事件已由 ' || a.duplicate_of || ' 上报，不计分'
        when 'cap_reached' then a.rule_name_zh || '：已达每日上限 ' || a.daily_cap || ' 分，不计分'
        when 'cap_partly'
            then a.rule_name_zh || '：达到每日上限 ' || a.daily_cap || ' 分，计 ' || a.capped_points
            || ' 分（应得 ' || a.base_points || ' 分）'
        when 'alarm_band' then a.rule_name_zh || '：' || a.band_name_zh
        when 'household_visited' then a.rule_name_zh || '：该户本月已走访计分'
        else a.rule_name_zh
    end || coalesce('（系数 ' || a.multiplier_text || '）', '') as reason_zh,
    case a.reason_kind
        when 'duplicate' then 'duplicate of ' || a.duplicate_of || ': no points'
        when 'cap_reached' then a.rule_name_en || ': daily cap reached (' || a.daily_cap || '), no points'
        when 'cap_partly'
            then a.rule_name_en || ': daily cap reached (' || a.daily_cap || '), ' || a.capped_points
            || ' of ' || a.base_points || ' points'
        when 'alarm_band' then a.rule_name_en || ': ' || a.band_name_en
        when 'household_visited' then a.rule_name_en || ': household already visited this month'
        else a.rule_name_en
    end || coalesce(' (multiplier ' || a.multiplier_text || ')', '') as reason_en,
    a.reason_kind as reason_code,
    {{ build_stamp() }} as _loaded_at
from explained as a
{{ tombstones('affected', ['line_id']) }}
