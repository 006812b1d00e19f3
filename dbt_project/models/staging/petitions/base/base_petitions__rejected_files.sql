-- Every export file the connector refused as a whole, one row per reading: all of them are
-- quarantined (unreadable_file), with why in the offending value. A file re-exported with
-- new content is read again (its hash is its version).
with landed as (
    {{ landed_rows('petitions', 'rejected_files') }}
),

typed as (
    select
        record_key as file_name,
        record_updated_at as file_sha256,
        cast({{ json_text('payload', '$.bytes') }} as bigint) as file_bytes,
        {{ json_text('payload', '$.reason') }} as rejection_code,
        {{ json_text('payload', '$.detail') }} as rejection_detail,
        {{ landing_columns() }}
    from landed
)

select
    typed.*,
    {{ base_columns([
        {'when': 'true', 'reason': 'unreadable_file', 'field': 'file',
         'value': "rejection_code || ': ' || rejection_detail"},
    ], key_field='file') }}
from typed
