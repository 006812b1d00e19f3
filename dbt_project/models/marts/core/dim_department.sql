-- Departments of the four platforms (综合治理 / 执法监管 / 便民服务 / 综合监督) at city
-- and county level, and the township stations (派驻站所) of county departments.
with latest as (
    {{ latest_per_key(ref('stg_smart_city__departments'), 'department_code', 'last_seen_at desc, first_seen_at desc') }}
)

select
    department_code,
    department_name,
    kind_code as department_kind_code,
    kind_name as department_kind_name,
    platform_code,
    platform_name,
    department_level,
    parent_code,
    county_code,
    township_code,
    department_level = 'township_station' as is_township_station,
    is_current
from latest
