-- Every landed row of the grid staff roster, typed and checked. The connector landed names
-- and phones as pseudonyms and masked forms; the masked name is shown, the phone not used.
{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='fail') }}
with landed as (
    {{ landed_rows('smart_city', 'staff', version_by='payload', snapshot=true) }}
),

typed as (
    {% call(doc) json_select('landed', 'payload') %}
        record_key as staff_id,
        {{ json_text(doc, '$.name_masked') }} as staff_name_masked,
        {{ json_text(doc, '$.role') }} as role,
        {{ json_text(doc, '$.employment') }} as employment,
        {{ json_text(doc, '$.township_code') }} as home_township_code,
        {{ json_fragment(doc, '$.assignments') }} as assignments_json,
        {{ landing_columns() }}
    {% endcall %}
)

select
    typed.*,
    {{ base_columns([
        check_required('role', 'role'),
        check_code('role', ['grid_leader', 'grid_instructor', 'fulltime_worker', 'parttime_worker'], 'role'),
    ],
        key_field='staff_id',
    ) }}
from typed
