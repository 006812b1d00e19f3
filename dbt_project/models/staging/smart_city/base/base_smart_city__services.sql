-- Every landed row of the Smart City taxonomy (Open311 services), typed and checked. The
-- whole list lands on each load; a changed content is a new version of the sub-item.
{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='fail') }}
with landed as (
    {{ landed_rows('smart_city', 'services', version_by='payload', snapshot=true) }}
),

typed as (
    {% call(doc) json_select('landed', 'payload') %}
        record_key as subitem_code,
        {{ json_text(doc, '$.service_name') }} as subitem_name,
        {{ json_text(doc, '$.group') }} as category_name,
        {{ json_text(doc, '$.extended_attributes.category_code') }} as category_code,
        {{ json_text(doc, '$.extended_attributes.platform_code') }} as platform_code,
        {{ json_text(doc, '$.extended_attributes.default_department_kind') }} as default_department_kind,
        {{ json_int(doc, '$.extended_attributes.time_limit_hours') }} as time_limit_hours,
        {{ json_bool(doc, '$.extended_attributes.self_resolvable') }} as self_resolvable,
        {{ json_text(doc, '$.extended_attributes.time_limit_hours') }} as _time_limit_text,
        {{ landing_columns() }}
    {% endcall %}
)

select
    typed.*,
    {{ base_columns([
        check_required('subitem_name', 'service_name'),
        check_required('category_code', 'category_code'),
        check_type('_time_limit_text', 'time_limit_hours', 'time_limit_hours'),
        check_range('time_limit_hours', 'time_limit_hours', lo=1),
    ],
        key_field='service_code',
    ) }}
from typed
