-- Every landed row of home visits by grid workers, typed and checked. A version is
-- (id, update_time).
{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='fail') }}
with landed as (
    {{ landed_rows('civil_affairs', 'visits', detect_conflicts=true) }}
),

typed as (
    {% call(doc) json_select('landed', 'payload') %}
        record_key as visit_id,
        {{ local_to_instant('record_updated_at') }} as updated_at,
        {{ json_text(doc, '$.jt_id') }} as household_id,
        {{ json_text(doc, '$.wgy_id') }} as staff_id,
        {{ local_to_instant(json_text(doc, '$.zfsj')) }} as visited_at,
        {{ json_text(doc, '$.zfqk') }} as findings,
        {{ json_int(doc, '$.sfyzx') }} = 1 as needs_follow_up,
        {{ json_int(doc, '$.is_deleted') }} = 1 as is_deleted,
        record_updated_at as _updated_text,
        {{ json_text(doc, '$.zfsj') }} as _visited_text,
        {{ landing_columns() }}
    {% endcall %}
)

select
    typed.*,
    {{ base_columns(
        [check_required('_updated_text', 'update_time'), check_required('_visited_text', 'zfsj'),
         check_required('staff_id', 'wgy_id'), check_required('household_id', 'jt_id')]
        + check_time('_updated_text', 'updated_at', 'update_time')
        + check_time('_visited_text', 'visited_at', 'zfsj'),
        key_field='zf_id',
    ) }}
from typed
