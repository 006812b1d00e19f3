-- The Smart City taxonomy (Open311 services), one row per version of each sub-item.
with versions as (
    {{ snapshot_versions(source('smart_city', 'services')) }}
)

select
    record_key as subitem_code,
    {{ json_text('payload', '$.service_name') }} as subitem_name,
    {{ json_text('payload', '$.group') }} as category_name,
    {{ json_text('payload', '$.extended_attributes.category_code') }} as category_code,
    {{ json_text('payload', '$.extended_attributes.platform_code') }} as platform_code,
    {{ json_text('payload', '$.extended_attributes.default_department_kind') }} as default_department_kind,
    {{ json_int('payload', '$.extended_attributes.time_limit_hours') }} as time_limit_hours,
    {{ json_bool('payload', '$.extended_attributes.self_resolvable') }} as self_resolvable,
    first_seen_at,
    last_seen_at,
    is_current
from versions
