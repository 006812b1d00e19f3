-- Each home visit (入户走访) in its latest version, withdrawn (soft-deleted) ones included and
-- flagged, with the assistance categories its household received on the visit day (what
-- rule R5 scores). Replaced visit by visit: those with a new version, and those of a
-- household whose recipients changed.
{{ config(materialized='incremental', incremental_strategy='replace_keys', unique_key='visit_id') }}
with affected as (
    select visit_id from {{ ref('stg_civil_affairs__visits') }} where {{ since_last_build() }}
    {%- if is_incremental() %}
    union
    select visit_id from {{ this }}
    where household_id in (
        select household_id from {{ ref('stg_civil_affairs__recipients') }} where {{ since_last_build() }}
    )
    {%- endif %}
),

versions as (
    select * from {{ ref('stg_civil_affairs__visits') }} where {{ among('visit_id', 'affected') }}
),

visits as (
    {{ latest_per_key('versions', 'visit_id', 'updated_at desc, fetched_at desc, load_id desc') }}
),

recipient_versions as (
    select * from {{ ref('stg_civil_affairs__recipients') }}
    where {{ among('household_id', '(select distinct household_id from visits)', 'household_id') }}
),

recipients as (
    {{ latest_per_key('recipient_versions', 'recipient_id', 'updated_at desc, fetched_at desc, load_id desc') }}
),

assistance as (
    select
        v.visit_id,
        {{ string_agg_sorted('r.assistance_category', "','") }} as assistance_categories
    from visits as v
    inner join recipients as r
        on v.household_id = r.household_id
       and not r.is_deleted
       and r.valid_from <= {{ local_date('v.visited_at') }}
       and (r.valid_to is null or {{ local_date('v.visited_at') }} <= r.valid_to)
    group by v.visit_id
)

select
    v.visit_id,
    v.household_id,
    v.staff_id,
    v.visited_at,
    v.findings,
    v.needs_follow_up,
    v.is_deleted,
    a.assistance_categories,
    {{ build_stamp() }} as _loaded_at
from visits as v
left join assistance as a on v.visit_id = a.visit_id
{{ tombstones('affected', ['visit_id']) }}
