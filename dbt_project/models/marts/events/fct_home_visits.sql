-- One row per home visit (入户走访) by a grid worker, with the household's grid and whether
-- the household received assistance on the visit day (what rule R5 scores). Replaced visit
-- by visit: those with a new version, of a household whose record, recipients or grid
-- changed, or of a worker whose assignments changed. A withdrawn (soft-deleted) visit leaves.
-- depends_on: {{ ref('int_smart_city__staff') }}
{{ config(materialized='incremental', incremental_strategy='replace_keys', unique_key='visit_id') }}
with changed_households as (
    select household_id from {{ ref('stg_civil_affairs__recipients') }} where {{ since_last_build() }}
    union
    select household_id from {{ ref('int_civil_affairs__households') }} where {{ since_last_build() }}
),

affected as (
    select visit_id from {{ ref('stg_civil_affairs__visits') }} where {{ since_last_build() }}
    {%- if is_incremental() %}
    union
    select visit_id from {{ ref('stg_civil_affairs__visits') }}
    where household_id in (select household_id from changed_households)
       or staff_id in (select staff_id from {{ ref('int_smart_city__staff') }} where {{ since_last_build() }})
    union
    select visit_id from {{ this }}
    where grid_code in (select grid_code from {{ ref('dim_grid') }} where {{ since_last_build() }})
    {%- endif %}
),

visit_versions as (
    select * from {{ ref('stg_civil_affairs__visits') }} where {{ among('visit_id', 'affected') }}
),

visits as (
    {{ latest_per_key('visit_versions', 'visit_id', 'updated_at desc, fetched_at desc, load_id desc') }}
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
    sg.grid_code as staff_grid_code,
    v.visited_at,
    {{ local_date('v.visited_at') }} as visited_on,
    h.grid_code,
    g.village_code,
    g.township_code,
    g.county_code,
    v.findings,
    v.needs_follow_up,
    a.assistance_categories is not null as household_receives_assistance,
    a.assistance_categories,
    {{ build_stamp() }} as _loaded_at
from visits as v
left join {{ ref('int_civil_affairs__households') }} as h on h.household_id = v.household_id
left join {{ ref('dim_grid') }} as g on g.grid_code = h.grid_code and {{ valid_on('g', local_date('v.visited_at')) }}
left join assistance as a on a.visit_id = v.visit_id
{{ staff_grid_join('visits', 'v', 'v.staff_id', local_date('v.visited_at'), 'sg') }}
where not v.is_deleted
{{ tombstones('affected', ['visit_id']) }}
