-- Every landed row that broke a rule, from every source: which record, which rule, which
-- field and value, and the load that brought it. One row per quarantined landed row, and
-- one per lake file set aside as unreadable (its rows could not be read one by one: the
-- row accounting counts them as unreadable). A landed row is checked once, when its base_
-- model appends it: this appends the rows quarantined since its last build.
{{ config(materialized='incremental', incremental_strategy='append') }}
{% set reasons = quarantine_reasons() %}
with quarantined as (
    {%- for e in landed_entities() %}
    select
        '{{ e.source }}' as source_system,
        '{{ e.entity }}' as entity,
        _record_id as record_id,
        _quarantine_reason as reason,
        _quarantine_field as field_name,
        _offending_value as offending_value,
        load_id,
        lake_partition,
        fetched_at,
        _loaded_at
    from {{ ref(base_model_for(e.stg)) }}
    where _quarantine_reason is not null and {{ since_last_build() }}
    union all
    select
        '{{ e.source }}',
        '{{ e.entity }}',
        lake_partition || '/' || unreadable_file,
        'unreadable_file',
        'lake_file',
        unreadable_file || ': ' || unreadable_error || ' (' || cast(unreadable_rows as string) || ' rows set aside)',
        load_id,
        lake_partition,
        {{ dbt.cast('null', 'timestamp with time zone') }},
        {{ build_stamp() }}
    from {{ lake_unreadable_files(e.source, e.entity) }} as u
    {%- if is_incremental() %}
    where (lake_partition || '/' || unreadable_file) not in (
        select record_id from {{ this }}
        where reason = 'unreadable_file' and source_system = '{{ e.source }}' and entity = '{{ e.entity }}')
    {%- endif %}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
)

select
    q.{{ star_except(['_loaded_at']) }},
    case q.reason
        {%- for code, text in reasons.items() %}
        when '{{ code }}' then '{{ text }}'
        {%- endfor %}
    end as reason_description,
    {{ build_stamp() }} as _loaded_at
from quarantined as q
