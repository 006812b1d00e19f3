-- Departments of the four platforms (综合治理 / 执法监管 / 便民服务 / 综合监督) at city
-- and county level, and the township stations (派驻站所) of county departments: one row
-- per version with its validity [valid_from, valid_to) in Asia/Shanghai days. The first
-- version is open at the start (valid since before the warehouse first saw it); a changed
-- department starts a new version on the day it was first listed; one no longer listed
-- ends on the day of the last list that had it. Computed whole on each build; a version
-- keeps its stamp until it changes.
{{ config(materialized='incremental', incremental_strategy='replace_all') }}
with versions as (
    select
        *,
        cast(row_number() over (partition by department_code order by first_seen_at, last_seen_at) as bigint) as version_no,
        lead({{ local_date('first_seen_at') }}) over (partition by department_code order by first_seen_at, last_seen_at)
            as next_version_from
    from {{ ref('stg_smart_city__departments') }}
),

content as (
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
        case when version_no > 1 then {{ local_date('first_seen_at') }} end as valid_from,
        coalesce(next_version_from, case when not is_current then {{ local_date('last_seen_at') }} end) as valid_to,
        is_current
    from versions
)

{{ content_stamped('content', ['department_code', 'version_no']) }}
