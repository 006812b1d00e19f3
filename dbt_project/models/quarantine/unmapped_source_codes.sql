-- Source codes with no mapping: event codes with no sub-item of the taxonomy (code_set
-- event_type: event_type_code null in fct_governance_events) and states outside the one
-- vocabulary of marts.dim_event_state (code_set state: current_state null or unknown, the
-- source's own code in source_state). The events are kept and counted here, per source and
-- code, so the mapping seeds can be completed. Empty when every code is mapped. A view:
-- counted when read.
{{ config(materialized='view') }}
select
    'event_type' as code_set,
    e.source_system,
    e.source_event_code,
    count(*) as event_count,
    min(e.reported_at) as first_reported_at,
    max(e.reported_at) as last_reported_at
from {{ ref('int_events__unioned') }} as e
left join (select distinct subitem_code from {{ ref('stg_smart_city__services') }}) as s
    on e.event_type_code = s.subitem_code
where s.subitem_code is null and not e.is_deleted
group by e.source_system, e.source_event_code

union all

select
    'state' as code_set,
    e.source_system,
    coalesce(e.source_state, e.current_state) as source_event_code,
    count(*) as event_count,
    min(e.reported_at) as first_reported_at,
    max(e.reported_at) as last_reported_at
from {{ ref('int_events__unioned') }} as e
left join {{ ref('dim_event_state') }} as v on e.current_state = v.state
where v.state is null and not e.is_deleted
group by e.source_system, coalesce(e.source_state, e.current_state)
