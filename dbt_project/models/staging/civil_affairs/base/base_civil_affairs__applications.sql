-- Every landed row of applications (a convenience service with a deadline), typed and
-- checked. A version is (id, update_time).
{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='fail') }}
with landed as (
    {{ landed_rows('civil_affairs', 'applications', detect_conflicts=true) }}
),

typed as (
    {% call(doc) json_select('landed', 'payload') %}
        record_key as application_id,
        {{ local_to_instant('record_updated_at') }} as updated_at,
        {{ json_text(doc, '$.jt_id') }} as household_id,
        {{ json_text(doc, '$.sqlx') }} as application_type,
        {{ local_to_instant(json_text(doc, '$.sqsj')) }} as applied_at,
        {{ local_to_instant(json_text(doc, '$.blqx')) }} as due_at,
        {{ json_text(doc, '$.blzt') }} as status,
        {{ local_to_instant(json_text(doc, '$.bjsj')) }} as finished_at,
        {{ json_text(doc, '$.bl_bm') }} as department_code,
        {{ json_int(doc, '$.is_deleted') }} = 1 as is_deleted,
        record_updated_at as _updated_text,
        {{ json_text(doc, '$.sqsj') }} as _applied_text,
        {{ json_text(doc, '$.blqx') }} as _due_text,
        {{ json_text(doc, '$.bjsj') }} as _finished_text,
        {{ landing_columns() }}
    {% endcall %}
)

select
    typed.*,
    {{ base_columns(
        [check_required('_updated_text', 'update_time'), check_required('_applied_text', 'sqsj'),
         check_required('application_type', 'sqlx')]
        + check_time('_updated_text', 'updated_at', 'update_time')
        + check_time('_applied_text', 'applied_at', 'sqsj')
        + check_time('_due_text', 'due_at', 'blqx')
        + check_time('_finished_text', 'finished_at', 'bjsj')
        + [check_code('status', ['办结', '驳回', '审核'], 'blzt')],
        key_field='sq_id',
    ) }}
from typed
