-- Every landed row of households, typed and checked; the head of household only as
-- pseudonyms and masks. A version is (id, update_time).
{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='fail') }}
with landed as (
    {{ landed_rows('civil_affairs', 'households', detect_conflicts=true) }}
),

typed as (
    {% call(doc) json_select('landed', 'payload') %}
        record_key as household_id,
        {{ local_to_instant('record_updated_at') }} as updated_at,
        {{ json_text(doc, '$.hz_xm_key') }} as head_name_key,
        {{ json_text(doc, '$.hz_sfzh_key') }} as head_id_number_key,
        {{ json_text(doc, '$.hz_sfzh_masked') }} as head_id_number_masked,
        {{ json_text(doc, '$.hz_sfzh_check') }} as head_id_number_check,
        {{ json_text(doc, '$.sq_bm') }} as village_code,
        {{ json_text(doc, '$.wg_bm') }} as grid_code,
        {{ json_int(doc, '$.is_deleted') }} = 1 as is_deleted,
        record_updated_at as _updated_text,
        {{ landing_columns() }}
    {% endcall %}
)

select
    typed.*,
    {{ base_columns(
        [check_required('_updated_text', 'update_time'), check_required('grid_code', 'wg_bm')]
        + check_time('_updated_text', 'updated_at', 'update_time')
        + check_id_number('head_id_number_check', 'head_id_number_masked', 'hz_sfzh'),
        key_field='jt_id',
    ) }}
from typed
