-- Every landed row of the grid staff roster, typed and checked. Names are reduced to
-- their masked display form here; phone numbers are not carried past the raw lake.
with landed as (
    {{ landed_rows(source('smart_city', 'staff'), version_by='payload', snapshot=true) }}
),

typed as (
    select
        record_key as staff_id,
        {{ mask_person_name(json_text('payload', '$.name')) }} as staff_name_masked,
        {{ json_text('payload', '$.role') }} as role,
        {{ json_text('payload', '$.employment') }} as employment,
        {{ json_text('payload', '$.township_code') }} as home_township_code,
        {{ json_fragment('payload', '$.assignments') }} as assignments_json,
        first_seen_at,
        last_seen_at,
        is_current,
        load_id,
        fetched_at,
        lake_partition,
        _record_key,
        _landing_rank,
        _conflicts
    from landed
)

select
    typed.*,
    {{ quarantine_columns([
        check_required('role', 'role'),
        check_code('role', ['grid_leader', 'grid_instructor', 'fulltime_worker', 'parttime_worker'], 'role'),
    ]) }}
from typed
