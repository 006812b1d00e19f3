-- Each household in its latest state (deleted ones included, flagged). Replaced household
-- by household.
{{ config(materialized='incremental', incremental_strategy='replace_keys', unique_key='household_id') }}
with affected as (
    select distinct household_id from {{ ref('stg_civil_affairs__households') }} where {{ since_last_build() }}
),

versions as (
    select * from {{ ref('stg_civil_affairs__households') }} where {{ among('household_id', 'affected') }}
),

latest as (
    {{ latest_per_key('versions', 'household_id', 'updated_at desc, fetched_at desc, load_id desc') }}
)

select {{ star_except(['_loaded_at']) }}, {{ build_stamp() }} as _loaded_at
from latest
{{ tombstones('affected', ['household_id']) }}
