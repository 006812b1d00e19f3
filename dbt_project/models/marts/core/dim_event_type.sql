-- The event taxonomy: 314+N sub-items (事项) in 56+N categories (大类), each with its
-- platform, default department kind and handling time limit. Computed whole on each build;
-- a sub-item keeps its stamp until it changes.
{{ config(materialized='incremental', incremental_strategy='replace_all') }}
with kinds as (
    select distinct department_kind_code, department_kind_name, platform_code, platform_name
    from {{ ref('dim_department') }}
),

content as (
    select
        l.subitem_code as event_type_code,
        l.subitem_name as event_type_name,
        l.category_code,
        l.category_name,
        l.platform_code,
        coalesce(p.platform_name, l.platform_code) as platform_name,
        l.default_department_kind,
        k.department_kind_name as default_department_kind_name,
        l.time_limit_hours,
        l.self_resolvable,
        l.is_current
    from {{ ref('int_smart_city__services') }} as l
    left join kinds as k on l.default_department_kind = k.department_kind_code
    left join (select distinct platform_code, platform_name from kinds) as p on l.platform_code = p.platform_code
)

{{ content_stamped('content', ['event_type_code']) }}
