{#- Generic tests the project needs (no package hub here). -#}

{#- No two rows share the combination of `columns`. -#}
{% test unique_combination(model, columns) %}
select {{ columns | join(', ') }}, count(*) as n
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}

{#- The check columns of a base_ model (macros/quarantine.sql) are whole: every row has an
    id and a landing rank, and a row that broke a rule names a known reason and its field. -#}
{% test valid_check_columns(model) %}
{%- set reasons = quarantine_reasons().keys() | list -%}
select _record_id, _landing_rank, _quarantine_reason, _quarantine_field
from {{ model }}
where _record_id is null
   or _landing_rank is null
   or _landing_rank < 1
   or (_quarantine_reason is not null and _quarantine_reason not in ('{{ reasons | join("', '") }}'))
   or (_quarantine_reason is not null and _quarantine_field is null)
{% endtest %}

{#- A versioned staging model: every row has its key and version, no (key, version) comes
    twice, and with `current` (a boolean column of whole-list snapshots) no key has two
    current versions. `key` is a list of columns. -#}
{% test one_row_per_version(model, key, version, current=none) %}
with checked as (
    select
        {{ key | join(', ') }},
        {{ version }},
        count(*) over (partition by {{ key | join(', ') }}, {{ version }}) as same_version,
        {%- if current %}
        count(*) filter (where {{ current }}) over (partition by {{ key | join(', ') }}) as current_versions
        {%- else %}
        1 as current_versions
        {%- endif %}
    from {{ model }}
)
select *
from checked
where {% for k in key %}{{ k }} is null or {% endfor %}{{ version }} is null
   or same_version > 1
   or current_versions > 1
{% endtest %}

{#- The model holds no row (a relation that is empty by design). -#}
{% test empty_relation(model) %}
select * from {{ model }}
{% endtest %}
