-- Every landed row of the department list, typed and checked.
{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='fail') }}
with landed as (
    {{ landed_rows('smart_city', 'departments', version_by='payload', snapshot=true) }}
),

typed as (
    {% call(doc) json_select('landed', 'payload') %}
        record_key as department_code,
        {{ json_text(doc, '$.department_name') }} as department_name,
        {{ json_text(doc, '$.kind_code') }} as kind_code,
        {{ json_text(doc, '$.kind_name') }} as kind_name,
        {{ json_text(doc, '$.platform_code') }} as platform_code,
        {{ json_text(doc, '$.platform_name') }} as platform_name,
        {{ json_text(doc, '$.level') }} as department_level,
        {{ json_text(doc, '$.parent_code') }} as parent_code,
        {{ json_text(doc, '$.county_code') }} as county_code,
        {{ json_text(doc, '$.township_code') }} as township_code,
        {{ landing_columns() }}
    {% endcall %}
)

select
    typed.*,
    {{ base_columns([
        check_required('department_name', 'department_name'),
        check_required('platform_code', 'platform_code'),
    ],
        key_field='department_code',
    ) }}
from typed
