-- Person x role x grid assignment with validity ([valid_from, valid_to), dates in
-- Asia/Shanghai). Full-time and part-time grid workers form the two scoring pools.
with staff as (
    {{ latest_per_key(ref('stg_smart_city__staff'), 'staff_id', 'last_seen_at desc, first_seen_at desc') }}
)

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
from {{ ref('stg_smart_city__staff_assignments') }} as a
join staff as s on s.staff_id = a.staff_id
left join {{ ref('int_grids__conformed') }} as g on g.grid_code = a.grid_code and {{ valid_on('g', 'a.valid_from') }}
