-- Departments of the four platforms (综合治理 / 执法监管 / 便民服务 / 综合监督) at city
-- and county level, and the township stations (派驻站所) of county departments: one row
-- per version with its validity [valid_from, valid_to) in Asia/Shanghai days
-- (int_smart_city__departments). Computed whole on each build; a version keeps its stamp
-- until it changes.
{{ config(materialized='incremental', incremental_strategy='replace_all') }}
with content as (
    select
        department_code,
        version_no,
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
        valid_from,
        valid_to,
        is_current
    from {{ ref('int_smart_city__departments') }}
)

{{ content_stamped('content', ['department_code', 'version_no']) }}
