-- Departments one row per version, numbered, with its validity [valid_from, valid_to) in
-- Asia/Shanghai days. The first version is open at the start (valid since before the
-- warehouse first saw it); a changed department starts a new version on the day it was
-- first listed; one no longer listed ends on the day of the last list that had it.
with versions as (
    select
        *,
        cast(row_number() over (partition by department_code order by first_seen_at, last_seen_at) as bigint)
            as version_no,
        lead({{ local_date('first_seen_at') }}) over (partition by department_code order by first_seen_at, last_seen_at)
            as next_version_from
    from {{ ref('stg_smart_city__departments') }}
)

select
    department_code,
    version_no,
    department_name,
    kind_code,
    kind_name,
    platform_code,
    platform_name,
    department_level,
    parent_code,
    county_code,
    township_code,
    case when version_no > 1 then {{ local_date('first_seen_at') }} end as valid_from,
    coalesce(next_version_from, case when not is_current then {{ local_date('last_seen_at') }} end) as valid_to,
    is_current
from versions
