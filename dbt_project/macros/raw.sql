{#- Helpers over raw landings (see connectors/common/lake.py for the layout). -#}

{#- One row per version of each record of a snapshot-landed reference list: a version is
    a distinct payload for a key. first_seen_at / last_seen_at say when loads saw it, and
    is_current says whether the latest load still has it. -#}
{% macro snapshot_versions(relation) -%}
with landed as (
    select record_key, payload, load_id, fetched_at
    from {{ relation }}
    where record_key is not null
),
latest_load as (
    select max(load_id) as load_id from landed
),
versions as (
    select
        record_key,
        payload,
        min(fetched_at) as first_seen_at,
        max(fetched_at) as last_seen_at,
        min(load_id) as first_load_id,
        bool_or(load_id = (select load_id from latest_load)) as is_current
    from landed
    group by record_key, payload
)
select * from versions
{%- endmacro %}

{#- The latest version of each key of a versioned relation: the first row per `key` in
    `order_by` order (e.g. 'last_seen_at desc, first_seen_at desc'). -#}
{% macro latest_per_key(relation, key, order_by) -%}{{ return(adapter.dispatch('latest_per_key', 'kaifeng_govhub')(relation, key, order_by)) }}{%- endmacro %}
{% macro default__latest_per_key(relation, key, order_by) -%}
select * from {{ relation }}
qualify row_number() over (partition by {{ key }} order by {{ order_by }}) = 1
{%- endmacro %}

{#- One row per distinct version of each record of an incrementally landed entity whose
    source has no update timestamp: a version is a distinct payload for a key, kept from
    the load that first brought it. -#}
{% macro payload_versions(relation) -%}
select record_key, payload, load_id, fetched_at, lake_partition
from {{ relation }}
where record_key is not null
qualify row_number() over (partition by record_key, payload order by fetched_at, load_id) = 1
{%- endmacro %}

{#- One row per version of each record of an entity whose source stamps updates: a version
    is (key, source update time), kept from the load that first brought it. -#}
{% macro record_versions(relation) -%}
select *
from {{ relation }}
where record_key is not null
qualify row_number() over (partition by record_key, record_updated_at order by fetched_at, load_id) = 1
{%- endmacro %}
