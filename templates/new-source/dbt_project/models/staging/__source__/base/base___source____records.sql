-- Every landed row of __source__ records, typed and checked.
{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='fail') }}
with landed as (
    {{ landed_rows('__source__', 'records', detect_conflicts=true) }}
),

typed as (
    {% call(doc) json_select('landed', 'payload') %}
        record_key as record_id,
        {{ to_instant('record_updated_at') }} as updated_at,
        {{ json_text(doc, '$.grid_code') }} as grid_code,
        {{ json_text(doc, '$.category') }} as category,
        {{ json_text(doc, '$.title') }} as title,
        record_updated_at as _updated_text,
        {{ landing_columns() }}
    {% endcall %}
)

select
    typed.*,
    {{ base_columns(
        [check_required('grid_code', 'grid_code'), check_code('category', ['inspection', 'complaint', 'repair'], 'category')]
        + check_time('_updated_text', 'updated_at', 'updated_at'),
        key_field='record_id',
    ) }}
from typed
