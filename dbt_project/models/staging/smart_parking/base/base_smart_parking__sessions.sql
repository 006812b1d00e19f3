-- Every landed row of parking sessions (entry; exit with fee), typed and checked. Times
-- arrive as naive local strings and are conformed to instants; fees stay in fen.
{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='fail') }}
with landed as (
    {{ landed_rows('smart_parking', 'sessions', detect_conflicts=true) }}
),

typed as (
    {% call(doc) json_select('landed', 'payload') %}
        record_key as session_id,
        {{ local_to_instant('record_updated_at') }} as updated_at,
        {{ json_text(doc, '$.plate_key') }} as plate_key,
        {{ json_text(doc, '$.plate_masked') }} as plate_masked,
        {{ json_text(doc, '$.lot_id') }} as lot_id,
        {{ json_text(doc, '$.berth_no') }} as berth_no,
        {{ local_to_instant(json_text(doc, '$.entry_time')) }} as entered_at,
        {{ local_to_instant(json_text(doc, '$.exit_time')) }} as exited_at,
        {{ json_int(doc, '$.fee_fen') }} as fee_fen,
        record_updated_at as _updated_text,
        {{ json_text(doc, '$.entry_time') }} as _entry_text,
        {{ json_text(doc, '$.exit_time') }} as _exit_text,
        {{ json_text(doc, '$.fee_fen') }} as _fee_text,
        {{ landing_columns() }}
    {% endcall %}
)

select
    typed.*,
    {{ base_columns(
        [check_required('lot_id', 'lot_id'), check_required('_entry_text', 'entry_time')]
        + check_time('_entry_text', 'entered_at', 'entry_time')
        + check_time('_exit_text', 'exited_at', 'exit_time')
        + check_time('_updated_text', 'updated_at', 'updated_at')
        + [check_type('_fee_text', 'fee_fen', 'fee_fen'), check_range('fee_fen', 'fee_fen', lo=0)],
        key_field='session_id',
    ) }}
from typed
