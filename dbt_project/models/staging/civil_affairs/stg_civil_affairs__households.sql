-- Households, one row per version; the head of household only as pseudonyms and masks.
with landed as (
    {{ record_versions(source('civil_affairs', 'households')) }}
)

select
    record_key as household_id,
    {{ local_to_instant('record_updated_at') }} as updated_at,
    {{ json_text('payload', '$.hz_xm_key') }} as head_name_key,
    {{ json_text('payload', '$.hz_sfzh_key') }} as head_id_number_key,
    {{ json_text('payload', '$.hz_sfzh_masked') }} as head_id_number_masked,
    {{ json_text('payload', '$.hz_sfzh_check') }} as head_id_number_check,
    {{ json_text('payload', '$.sq_bm') }} as village_code,
    {{ json_text('payload', '$.wg_bm') }} as grid_code,
    {{ json_int('payload', '$.is_deleted') }} = 1 as is_deleted,
    load_id,
    fetched_at
from landed
