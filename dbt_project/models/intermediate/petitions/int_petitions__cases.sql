-- Each petition case as its newest export states it. Replaced case by case.
{{ config(materialized='incremental', incremental_strategy='replace_keys', unique_key='case_id') }}
with affected as (
    select distinct case_id from {{ ref('stg_petitions__cases') }} where {{ since_last_build() }}
),

versions as (
    select * from {{ ref('stg_petitions__cases') }} where {{ among('case_id', 'affected') }}
),

latest as (
    {{ latest_per_key('versions', 'case_id', 'version_stamp desc, fetched_at desc, load_id desc') }}
)

select {{ star_except(['_loaded_at']) }}, {{ build_stamp() }} as _loaded_at
from latest
{{ tombstones('affected', ['case_id']) }}
