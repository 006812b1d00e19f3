-- Events of every source in one shape. Each source contributes an int_<source>__events
-- model with the same columns; add it here.
{% set event_models = ['int_smart_city__events'] %}

{% for m in event_models %}
select
    source_system || ':' || source_record_id as event_id,
    *
from {{ ref(m) }}
{% if not loop.last %}union all{% endif %}
{% endfor %}
