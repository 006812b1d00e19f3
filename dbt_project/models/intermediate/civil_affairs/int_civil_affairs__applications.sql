-- Each application in its latest state, with its household's grid. A soft-deleted
-- application stays, flagged (is_deleted): what is built from it leaves it out, and an
-- incremental build sees the deletion as a change. Replaced application by application:
-- those with a new version, and those of a household that changed.
{{ config(materialized='incremental', incremental_strategy='replace_keys', unique_key='application_id') }}
with affected as (
    select application_id from {{ ref('stg_civil_affairs__applications') }} where {{ since_last_build() }}
    {%- if is_incremental() %}
    union
    select application_id from {{ this }}
    where household_id in (
        select household_id from {{ ref('int_civil_affairs__households') }} where {{ since_last_build() }}
    )
    {%- endif %}
),

versions as (
    select * from {{ ref('stg_civil_affairs__applications') }} where {{ among('application_id', 'affected') }}
),

latest as (
    {{ latest_per_key('versions', 'application_id', 'updated_at desc, fetched_at desc, load_id desc') }}
)

select a.{{ star_except(['_loaded_at']) }}, h.grid_code, {{ build_stamp() }} as _loaded_at
from latest as a
left join {{ ref('int_civil_affairs__households') }} as h on a.household_id = h.household_id
{{ tombstones('affected', ['application_id']) }}
