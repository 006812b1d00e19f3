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
