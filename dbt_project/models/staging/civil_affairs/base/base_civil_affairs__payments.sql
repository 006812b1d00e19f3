-- Every landed row of assistance payments, typed and checked; amounts in fen.
with landed as (
    {{ landed_rows('civil_affairs', 'payments', detect_conflicts=true) }}
),

typed as (
    select
        record_key as payment_id,
        {{ local_to_instant('record_updated_at') }} as updated_at,
        {{ json_text('payload', '$.dx_id') }} as recipient_id,
        {{ json_text('payload', '$.ffny') }} as payment_month,
        {{ json_int('payload', '$.ffje_fen') }} as amount_fen,
        try_cast({{ json_text('payload', '$.ffrq') }} as date) as paid_on,
        {{ json_int('payload', '$.is_deleted') }} = 1 as is_deleted,
        record_updated_at as _updated_text,
        {{ json_text('payload', '$.ffje_fen') }} as _amount_text,
        {{ json_text('payload', '$.ffrq') }} as _paid_text,
        {{ landing_columns() }}
    from landed
)

select
    typed.*,
    {{ base_columns(
        [check_required('_updated_text', 'update_time'), check_required('recipient_id', 'dx_id')]
        + check_time('_updated_text', 'updated_at', 'update_time')
        + check_time('_paid_text', 'paid_on', 'ffrq')
        + [check_type('_amount_text', 'amount_fen', 'ffje_fen'), check_range('amount_fen', 'ffje_fen', lo=0)],
        key_field='ff_id',
    ) }}
from typed
