-- One row per home visit (入户走访) by a grid worker, with the household's grid and whether
-- the household received assistance on the visit day (what rule R5 scores). Replaced visit
-- by visit: those whose visit or recipients changed (int_civil_affairs__visits), of a
-- household whose record or grid changed, or of a worker whose assignments changed. A
-- withdrawn (soft-deleted) visit leaves.
-- depends_on: {{ ref('int_smart_city__staff') }}
{{ config(materialized='incremental', incremental_strategy='replace_keys', unique_key='visit_id') }}
with affected as (
    select visit_id from {{ ref('int_civil_affairs__visits') }} where {{ since_last_build() }}
    {%- if is_incremental() %}
    union
    select visit_id from {{ ref('int_civil_affairs__visits') }}
    where household_id in (
        select household_id from {{ ref('int_civil_affairs__households') }} where {{ since_last_build() }}
    )
       or staff_id in (select staff_id from {{ ref('int_smart_city__staff') }} where {{ since_last_build() }})
    union
    select visit_id from {{ this }}
    where grid_code in (select grid_code from {{ ref('dim_grid') }} where {{ since_last_build() }})
    {%- endif %}
),

visits as (
    select * from {{ ref('int_civil_affairs__visits') }} where {{ among('visit_id', 'affected') }}
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
    v.assistance_categories is not null as household_receives_assistance,
    v.assistance_categories,
    {{ build_stamp() }} as _loaded_at
from visits as v
left join {{ ref('int_civil_affairs__households') }} as h on v.household_id = h.household_id
left join {{ ref('dim_grid') }} as g on h.grid_code = g.grid_code and {{ valid_on('g', local_date('v.visited_at')) }}
{{ staff_grid_join('visits', 'v', 'v.staff_id', local_date('v.visited_at'), 'sg') }}
where not v.is_deleted
{{ tombstones('affected', ['visit_id']) }}
