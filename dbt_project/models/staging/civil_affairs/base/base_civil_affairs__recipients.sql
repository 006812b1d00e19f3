-- Every landed row of assistance recipients, typed and checked; the person only as
-- pseudonyms and masks. A version is (id, update_time).
with landed as (
    {{ landed_rows('civil_affairs', 'recipients', detect_conflicts=true) }}
),

typed as (
    select
        record_key as recipient_id,
        {{ local_to_instant('record_updated_at') }} as updated_at,
        {{ json_text('payload', '$.jt_id') }} as household_id,
        {{ json_text('payload', '$.xm_key') }} as name_key,
        {{ json_text('payload', '$.sfzh_key') }} as id_number_key,
        {{ json_text('payload', '$.sfzh_masked') }} as id_number_masked,
        {{ json_text('payload', '$.sfzh_check') }} as id_number_check,
        {{ json_text('payload', '$.jzlb') }} as assistance_category,
        try_cast({{ json_text('payload', '$.ksrq') }} as date) as valid_from,
        try_cast({{ json_text('payload', '$.jsrq') }} as date) as valid_to,
        {{ json_int('payload', '$.is_deleted') }} = 1 as is_deleted,
        record_updated_at as _updated_text,
        {{ json_text('payload', '$.ksrq') }} as _from_text,
        {{ json_text('payload', '$.jsrq') }} as _to_text,
        {{ landing_columns() }}
    from landed
)

select
    typed.*,
    {{ base_columns(
        [check_required('_updated_text', 'update_time'), check_required('household_id', 'jt_id'),
         check_required('assistance_category', 'jzlb')]
        + check_time('_updated_text', 'updated_at', 'update_time')
        + check_time('_from_text', 'valid_from', 'ksrq')
        + check_time('_to_text', 'valid_to', 'jsrq')
        + [check_code('assistance_category', ['DB', 'TK', 'LS', 'CJ', 'GL'], 'jzlb')]
        + check_id_number('id_number_check', 'id_number_masked', 'sfzh'),
        key_field='dx_id',
    ) }}
from typed
