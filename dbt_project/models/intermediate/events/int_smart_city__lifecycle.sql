-- Every state transition of every Smart City event, from its latest known version (which
-- carries the whole history so far).
with latest as (
    {{ latest_per_key(ref('stg_smart_city__service_requests'), 'service_request_id', 'updated_at desc, fetched_at desc, load_id desc') }}
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
    nullif({{ json_text('t.element', '$.note') }}, '') as note
from latest, {{ json_array_elements('latest.lifecycle_json', 't') }}
