-- Assistance payments, one row per version; amounts in fen.
with landed as (
    {{ record_versions(source('civil_affairs', 'payments')) }}
)

select
    record_key as payment_id,
    {{ local_to_instant('record_updated_at') }} as updated_at,
    {{ json_text('payload', '$.dx_id') }} as recipient_id,
    {{ json_text('payload', '$.ffny') }} as payment_month,
    {{ json_int('payload', '$.ffje_fen') }} as amount_fen,
    try_cast({{ json_text('payload', '$.ffrq') }} as date) as paid_on,
    {{ json_int('payload', '$.is_deleted') }} = 1 as is_deleted,
    load_id,
    fetched_at
from landed
