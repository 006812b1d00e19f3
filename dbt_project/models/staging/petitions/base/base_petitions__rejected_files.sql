-- Every export file the connector refused as a whole, one row per reading: all of them are
-- quarantined (unreadable_file), with why in the offending value. A file re-exported with
-- new content is read again (its hash is its version).
{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='fail') }}
with landed as (
    {{ landed_rows('petitions', 'rejected_files') }}
),

typed as (
    {% call(doc) json_select('landed', 'payload') %}
        record_key as file_name,
        record_updated_at as file_sha256,
        cast({{ json_text(doc, '$.bytes') }} as bigint) as file_bytes,
        {{ json_text(doc, '$.reason') }} as rejection_code,
        {{ json_text(doc, '$.detail') }} as rejection_detail,
        {{ landing_columns() }}
    {% endcall %}
)

select
    typed.*,
    {{ base_columns([
        {'when': 'true', 'reason': 'unreadable_file', 'field': 'file',
         'value': "rejection_code || ': ' || rejection_detail"},
    ], key_field='file') }}
from typed
