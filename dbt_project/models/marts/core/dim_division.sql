-- Kaifeng's divisions (NBS 2023 codes) at city, county, township and village/community
-- level, with the command structure: 1 city command centre, 10 county-level centres (the
-- 9 counties and the 城乡一体化示范区, whose townships are configuration), a command room
-- in every 街道/镇/乡. Valid from the release date of the codes.
with counties as (
    select code, name from {{ ref('kaifeng_4102_counties') }}
),

townships as (
    select code, name, areacode as county_code from {{ ref('kaifeng_4102_townships') }}
),

villages as (
    select code, name, streetcode as township_code, areacode as county_code from {{ ref('kaifeng_4102_villages') }}
),

centres as (
    select township_code, command_centre_code, command_centre_name from {{ ref('command_centres') }}
)

select
    '4102' as division_code, '开封市' as division_name, 'city' as division_level,
    cast(null as string) as parent_code, cast(null as string) as county_code,
    cast(null as string) as township_code, cast(null as string) as division_kind,
    '4102' as command_centre_code, '开封市指挥中心' as command_centre_name,
    'city_command_centre' as command_level,
    date '2023-06-30' as valid_from, cast(null as date) as valid_to
union all
select
    code as division_code, name, 'county', '4102', code as county_code, null,
    case when name like '%区' then '区' else '县' end,
    code as command_centre_code, name || '指挥中心', 'county_command_centre', date '2023-06-30', null
from counties
union all
select
    'CXYTH', '城乡一体化示范区', 'functional_zone', '4102', null, null, '功能区',
    'CXYTH', '城乡一体化示范区指挥中心', 'county_command_centre', date '2023-06-30', null
where exists (select 1 from centres where command_centre_code = 'CXYTH')
union all
select
    t.code as division_code, t.name, 'township', t.county_code as parent_code, t.county_code, t.code as township_code,
    case when t.name like '%街道' then '街道' when t.name like '%镇' then '镇'
         when t.name like '%乡' then '乡' else '其他' end,
    coalesce(c.command_centre_code, t.county_code),
    coalesce(c.command_centre_name, co.name || '指挥中心'),
    case when t.name like '%街道' or t.name like '%镇' or t.name like '%乡' then 'township_command_room' end,
    date '2023-06-30', null
from townships as t
left join centres as c on t.code = c.township_code
left join counties as co on t.county_code = co.code
union all
select
    v.code, v.name, 'village', v.township_code as parent_code, v.county_code, v.township_code,
    case when v.name like '%社区' then '社区' else '村' end,
    null, null, null, date '2023-06-30', null
from villages as v
