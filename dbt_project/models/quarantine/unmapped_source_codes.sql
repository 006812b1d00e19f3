-- Source codes with no mapping to a sub-item of the taxonomy: their events are kept (event_type_code
-- null in fct_governance_events) and counted here, per source and code, so the mapping
-- seeds can be completed. Empty when every code is mapped. A view: counted when read.
{{ config(materialized='view') }}
select
    source_system,
    source_event_code,
    count(*) as event_count,
    min(reported_at) as first_reported_at,
    max(reported_at) as last_reported_at
from {{ ref('int_events__unioned') }} as e
left join (select distinct subitem_code from {{ ref('stg_smart_city__services') }}) as s
    on s.subitem_code = e.event_type_code
where s.subitem_code is null and not e.is_deleted
group by source_system, source_event_code
