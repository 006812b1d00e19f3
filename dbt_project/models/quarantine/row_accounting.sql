-- Row accounting per source, entity, lake partition and load: every landed raw row is a
-- conformed record version (new, or a repeat of one already conformed), a quarantined
-- row, or a row of a lake file set aside as unreadable (as many as its commit counted).
-- landed = conformed + quarantined + unreadable must hold on every row; a dbt test fails
-- the build when it does not. Each count comes from a different model: landed from the raw
-- lake, new versions from the stg_ model, repeats from the base_ model, quarantined from
-- quarantine_records. A load is accounted for once, in the build that appends its rows (its
-- commit in the lake's log says it is whole): this appends the loads committed since its
-- last build.
{{ config(materialized='incremental', incremental_strategy='append') }}
{% set entities = landed_entities() %}
with landed as (
    {%- for e in entities %}
    select '{{ e.source }}' as source_system, '{{ e.entity }}' as entity, lake_partition, load_id,
        count(*) as landed_rows, max(_committed_at) as _committed_at
    from ({{ lake_rows(e.source, e.entity, watermark_relation=this,
                       watermark_filter="source_system = '" ~ e.source ~ "' and entity = '" ~ e.entity ~ "'") }}) as l
    group by all
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

unreadable as (
    {%- for e in entities %}
    select '{{ e.source }}' as source_system, '{{ e.entity }}' as entity, lake_partition, load_id,
        cast(sum(unreadable_rows) as bigint) as unreadable_rows
    from {{ lake_unreadable_files(e.source, e.entity) }} as u
    {%- if is_incremental() %}
    where (lake_partition, load_id) not in (
        select lake_partition, load_id from {{ this }}
        where unreadable_rows > 0 and source_system = '{{ e.source }}' and entity = '{{ e.entity }}')
    {%- endif %}
    group by all
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

new_versions as (
    {%- for e in entities %}
    select
        '{{ e.source }}' as source_system, '{{ e.entity }}' as entity, lake_partition, load_id,
        count(*) as new_version_rows
    from {{ ref(e.stg) }}
    where (lake_partition, load_id) in (
        select l.lake_partition, l.load_id from landed as l
        where l.source_system = '{{ e.source }}' and l.entity = '{{ e.entity }}'
    )
    group by all
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

repeats as (
    {%- for e in entities %}
    select
        '{{ e.source }}' as source_system, '{{ e.entity }}' as entity, lake_partition, load_id,
        count(*) as repeat_rows
    from {{ ref(base_model_for(e.stg)) }}
    where _quarantine_reason is null and _landing_rank > 1
      and (lake_partition, load_id) in (
          select l.lake_partition, l.load_id from landed as l
          where l.source_system = '{{ e.source }}' and l.entity = '{{ e.entity }}'
      )
    group by all
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

quarantined as (
    -- a lake file set aside stands for its rows, counted as unreadable: not one of them
    select source_system, entity, lake_partition, load_id,
        cast(sum(case when field_name = 'lake_file' then 0 else 1 end) as bigint) as quarantined_rows
    from {{ ref('quarantine_records') }}
    where (source_system, entity, lake_partition, load_id) in (
        select l.source_system, l.entity, l.lake_partition, l.load_id from landed as l
    )
    group by all
),

keys as (
    {{- keys_of(
        ['landed', 'unreadable', 'new_versions', 'repeats', 'quarantined'],
        ['source_system', 'entity', 'lake_partition', 'load_id'],
    ) }}
)

select
    k.source_system,
    k.entity,
    k.lake_partition,
    k.load_id,
    coalesce(l.landed_rows, 0) + coalesce(u.unreadable_rows, 0) as landed_rows,
    coalesce(n.new_version_rows, 0) + coalesce(r.repeat_rows, 0) as conformed_rows,
    coalesce(n.new_version_rows, 0) as new_version_rows,
    coalesce(r.repeat_rows, 0) as repeat_rows,
    coalesce(q.quarantined_rows, 0) as quarantined_rows,
    coalesce(u.unreadable_rows, 0) as unreadable_rows,
    coalesce(l.landed_rows, 0) - coalesce(n.new_version_rows, 0) - coalesce(r.repeat_rows, 0)
        - coalesce(q.quarantined_rows, 0) as unaccounted_rows,
    l._committed_at,
    {{ build_stamp() }} as _loaded_at
from keys as k
left join landed as l using (source_system, entity, lake_partition, load_id)
left join unreadable as u using (source_system, entity, lake_partition, load_id)
left join new_versions as n using (source_system, entity, lake_partition, load_id)
left join repeats as r using (source_system, entity, lake_partition, load_id)
left join quarantined as q using (source_system, entity, lake_partition, load_id)
