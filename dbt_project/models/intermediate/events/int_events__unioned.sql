-- Events of every source in one shape. Each source contributes an int_<source>__events
-- model with exactly these columns; add it to the list. A view: each source's events are
-- held once, in its own tables, with the stamp of their last change (_loaded_at).
{{ config(materialized='view') }}
{% set event_models = [
    'int_smart_city__events', 'int_sharp_eyes__events', 'int_smart_parking__events', 'int_civil_affairs__events',
    'int_petitions__events'
] %}
{% set columns = [
    'source_system', 'source_record_id', 'source_event_code', 'event_type_code', 'reported_at',
    'reporter_type', 'reporter_staff_id', 'source_longitude', 'source_latitude', 'source_crs',
    'reported_grid_code', 'status', 'current_state', 'source_state', 'department_code', 'due_at', 'closed_at',
    'self_resolved', 'township_evaluation', 'related_alarm_id', 'updated_at', 'load_id', 'is_deleted', '_loaded_at'
] %}

{% for m in event_models %}
select
    source_system || ':' || source_record_id as event_id,
    {{ columns | join(', ') }}
from {{ ref(m) }}
{% if not loop.last %}union all{% endif %}
{% endfor %}
