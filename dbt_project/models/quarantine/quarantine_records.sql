-- Every landed row that broke a rule, from every source: which record, which rule, which
-- field and value, and the load that brought it. One row per quarantined landed row.
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
        fetched_at
    from {{ ref(base_model_for(e.stg)) }}
    where _quarantine_reason is not null
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
)

select
    q.*,
    case q.reason
        {%- for code, text in reasons.items() %}
        when '{{ code }}' then '{{ text }}'
        {%- endfor %}
    end as reason_description
from quarantined as q
