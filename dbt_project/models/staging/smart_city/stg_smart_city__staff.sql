-- Grid staff, one row per version of each person. Names are reduced to their masked
-- display form here; phone numbers are not carried past the raw lake.
with versions as (
    {{ snapshot_versions(source('smart_city', 'staff')) }}
)

select
    record_key as staff_id,
    {{ mask_person_name(json_text('payload', '$.name')) }} as staff_name_masked,
    {{ json_text('payload', '$.role') }} as role,
    {{ json_text('payload', '$.employment') }} as employment,
    {{ json_text('payload', '$.township_code') }} as home_township_code,
    {{ json_fragment('payload', '$.assignments') }} as assignments_json,
    first_seen_at,
    last_seen_at,
    is_current
from versions
