{#- Helpers over raw landings (see connectors/common/lake.py for the layout). -#}

{#- The versions of a whole list landed again on every load (reference data): one row per
    version of each key (a distinct content, `_version`), typed as its first landing, with
    when loads saw it (first_seen_at / last_seen_at, by fetch time) and the newest commit
    that listed it (last_listed_at). An incremental build computes again only the versions
    that new landings brought or saw again. -#}
{% macro list_versions(base) -%}
{%- set columns = [] -%}
{%- if execute -%}
{%- set columns = adapter.get_columns_in_relation(base) | map(attribute='name') | reject('equalto', '_loaded_at') | list -%}
{%- endif -%}
with touched as (
    select distinct _record_key, _version
    from {{ base }}
    where _record_key is not null and {{ since_last_build() }}
),

landings as (
    select b.*
    from {{ base }} as b
    join touched as t on t._record_key = b._record_key and t._version = b._version
),

sightings as (
    select
        _record_key,
        _version,
        min(fetched_at) as first_seen_at,
        max(fetched_at) as last_seen_at,
        max(_committed_at) as last_listed_at
    from landings
    group by _record_key, _version
)

select
    {% for c in columns %}l.{{ adapter.quote(c) }}, {% endfor %}
    s.first_seen_at,
    s.last_seen_at,
    s.last_listed_at,
    {{ build_stamp() }} as _loaded_at
from landings as l
join sightings as s on s._record_key = l._record_key and s._version = l._version
where l._landing_rank = 1
{%- endmacro %}

{#- The conformed versions of a list (stg_ of a list): the versions whose first landing broke
    no rule, with is_current: whether the latest load of the list still lists it. -#}
{% macro accepted_list_versions(versions) -%}
{%- set names = [] -%}
{%- if execute -%}
{%- for c in adapter.get_columns_in_relation(versions) if not c.name.startswith('_') or c.name == '_loaded_at' %}{% do names.append(adapter.quote(c.name)) %}{% endfor -%}
{%- endif -%}
select
    {{ names | join(', ') if names else '*' }},
    last_listed_at = max(last_listed_at) over () as is_current
from {{ versions }}
where _quarantine_reason is null
{%- endmacro %}

{#- The latest version of each key of a versioned relation: the first row per `key` in
    `order_by` order (e.g. 'last_seen_at desc, first_seen_at desc'). -#}
{% macro latest_per_key(relation, key, order_by) -%}{{ return(adapter.dispatch('latest_per_key', 'kaifeng_govhub')(relation, key, order_by)) }}{%- endmacro %}
{% macro default__latest_per_key(relation, key, order_by) -%}
select * from {{ relation }}
qualify row_number() over (partition by {{ key }} order by {{ order_by }}) = 1
{%- endmacro %}
