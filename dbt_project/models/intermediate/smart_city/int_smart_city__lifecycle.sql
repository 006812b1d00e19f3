-- Every state transition of every Smart City event, from its latest known version (which
-- carries the whole history so far). Replaced event by event: an incremental build reads
-- again the events that new versions arrived for.
{{ config(
    tags=['near_real_time'],
    materialized='incremental',
    incremental_strategy='replace_keys',
    unique_key='source_record_id'
) }}
with affected as (
    select distinct service_request_id as source_record_id
    from {{ ref('stg_smart_city__service_requests') }}
    where {{ since_last_build() }}
),

versions as (
    select * from {{ ref('stg_smart_city__service_requests') }}
    where {{ among('service_request_id', 'affected', 'source_record_id') }}
),

latest as (
    {{ latest_per_key('versions', 'service_request_id', 'updated_at desc, fetched_at desc, load_id desc') }}
)

select
    'smart_city' as source_system,
    latest.service_request_id as source_record_id,
    {{ json_int('t.element', '$.seq') }} as seq,
    {{ json_text('t.element', '$.state') }} as state,
    {{ json_text('t.element', '$.state_name') }} as state_name,
    {{ to_instant(json_text('t.element', '$.at')) }} as transition_at,
    {{ json_text('t.element', '$.actor_type') }} as actor_type,
    {{ json_text('t.element', '$.actor_id') }} as actor_id,
    {{ json_text('t.element', '$.department_code') }} as department_code,
    nullif({{ json_text('t.element', '$.note') }}, '') as note,
    {{ build_stamp() }} as _loaded_at
from latest, {{ json_array_elements('latest.lifecycle_json', 't') }}
{{ tombstones('affected', ['source_record_id']) }}
