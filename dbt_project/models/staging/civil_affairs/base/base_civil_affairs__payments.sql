-- Every landed row of assistance payments, typed and checked; amounts in fen.
{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='fail') }}
with landed as (
    {{ landed_rows('civil_affairs', 'payments', detect_conflicts=true) }}
),

typed as (
    {% call(doc) json_select('landed', 'payload') %}
        record_key as payment_id,
        {{ local_to_instant('record_updated_at') }} as updated_at,
        {{ json_text(doc, '$.dx_id') }} as recipient_id,
        {{ json_text(doc, '$.ffny') }} as payment_month,
        {{ json_int(doc, '$.ffje_fen') }} as amount_fen,
        try_cast({{ json_text(doc, '$.ffrq') }} as date) as paid_on,
        {{ json_int(doc, '$.is_deleted') }} = 1 as is_deleted,
        record_updated_at as _updated_text,
        {{ json_text(doc, '$.ffje_fen') }} as _amount_text,
        {{ json_text(doc, '$.ffrq') }} as _paid_text,
        {{ landing_columns() }}
    {% endcall %}
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
