-- Every landed row of assistance recipients, typed and checked; the person only as
-- pseudonyms and masks. A version is (id, update_time).
{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='fail') }}
with landed as (
    {{ landed_rows('civil_affairs', 'recipients', detect_conflicts=true) }}
),

typed as (
    {% call(doc) json_select('landed', 'payload') %}
        record_key as recipient_id,
        {{ local_to_instant('record_updated_at') }} as updated_at,
        {{ json_text(doc, '$.jt_id') }} as household_id,
        {{ json_text(doc, '$.xm_key') }} as name_key,
        {{ json_text(doc, '$.sfzh_key') }} as id_number_key,
        {{ json_text(doc, '$.sfzh_masked') }} as id_number_masked,
        {{ json_text(doc, '$.sfzh_check') }} as id_number_check,
        {{ json_text(doc, '$.jzlb') }} as assistance_category,
        try_cast({{ json_text(doc, '$.ksrq') }} as date) as valid_from,
        try_cast({{ json_text(doc, '$.jsrq') }} as date) as valid_to,
        {{ json_int(doc, '$.is_deleted') }} = 1 as is_deleted,
        record_updated_at as _updated_text,
        {{ json_text(doc, '$.ksrq') }} as _from_text,
        {{ json_text(doc, '$.jsrq') }} as _to_text,
        {{ landing_columns() }}
    {% endcall %}
)

select
    typed.*,
    {{ base_columns(
        [check_required('_updated_text', 'update_time'), check_required('household_id', 'jt_id'),
         check_required('assistance_category', 'jzlb')]
        + check_time('_updated_text', 'updated_at', 'update_time')
        + check_time('_from_text', 'valid_from', 'ksrq')
        + check_time('_to_text', 'valid_to', 'jsrq', future=false)
        + [check_code('assistance_category', ['DB', 'TK', 'LS', 'CJ', 'GL'], 'jzlb')]
        + check_id_number('id_number_check', 'id_number_masked', 'sfzh'),
        key_field='dx_id',
    ) }}
from typed
