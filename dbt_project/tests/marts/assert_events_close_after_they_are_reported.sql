-- An event closes after it was reported. A row here is an event whose close time comes
-- before its report time: a source clock or time-zone error, or a wrong time conversion.
select event_id, source_system, reported_at, closed_at
from {{ ref('fct_governance_events') }}
where closed_at < reported_at
