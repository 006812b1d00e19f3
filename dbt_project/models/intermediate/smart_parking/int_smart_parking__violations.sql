-- Each parking violation in its latest known state. Replaced violation by violation.
{{ config(materialized='incremental', incremental_strategy='replace_keys', unique_key='violation_id') }}
with affected as (
    select distinct violation_id from {{ ref('stg_smart_parking__violations') }} where {{ since_last_build() }}
),

versions as (
    select * from {{ ref('stg_smart_parking__violations') }} where {{ among('violation_id', 'affected') }}
),

latest as (
    {{ latest_per_key('versions', 'violation_id', 'updated_at desc, fetched_at desc, load_id desc') }}
)

select {{ star_except(['_loaded_at']) }}, {{ build_stamp() }} as _loaded_at
from latest
{{ tombstones('affected', ['violation_id']) }}
