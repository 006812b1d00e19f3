-- Person x role x grid assignment with validity ([valid_from, valid_to), dates in
-- Asia/Shanghai). Full-time and part-time grid workers form the two scoring pools.
-- Computed whole on each build; an assignment keeps its stamp until it changes.
{{ config(materialized='incremental', incremental_strategy='replace_all') }}
with content as (
    select
        a.staff_id,
        s.staff_name_masked,
        a.role,
        case a.role
            when 'grid_leader' then '网格长'
            when 'grid_instructor' then '网格指导员'
            when 'fulltime_worker' then '专职网格员'
            when 'parttime_worker' then '兼职网格员'
        end as role_name,
        case a.role when 'fulltime_worker' then 'fulltime' when 'parttime_worker' then 'parttime' end as points_pool,
        a.grid_code,
        g.village_code,
        g.township_code,
        g.county_code,
        a.valid_from,
        a.valid_to,
        (a.valid_from <= current_date and (a.valid_to is null or current_date < a.valid_to)) as is_current
    from {{ ref('int_smart_city__assignments') }} as a
    inner join {{ ref('int_smart_city__staff') }} as s on a.staff_id = s.staff_id
    left join {{ ref('int_grids__conformed') }} as g
        on a.grid_code = g.grid_code and {{ valid_on('g', 'a.valid_from') }}
)

{{ content_stamped('content', ['staff_id', 'role', 'grid_code', 'valid_from']) }}
