-- Assistance recipients, one row per version; person only as pseudonyms and masks.
with landed as (
    {{ record_versions(source('civil_affairs', 'recipients')) }}
)

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
    load_id,
    fetched_at
from landed
