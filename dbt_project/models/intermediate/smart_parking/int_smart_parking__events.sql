-- Parking violations in the common event shape: BD-09 points, typed through the mapping
-- seed, the handling department as the responsible one. A view over the violations.
{{ config(materialized='view') }}
select
    'smart_parking' as source_system,
    v.violation_id as source_record_id,
    v.violation_type as source_event_code,
    m.event_type_code,
    v.found_at as reported_at,
    'parking' as reporter_type,
    cast(null as string) as reporter_staff_id,
    v.source_longitude,
    v.source_latitude,
    v.source_crs,
    cast(null as string) as reported_grid_code,
    case when v.status = 'closed' then 'closed' else 'open' end as status,
    v.status as current_state,
    v.status as source_state,
    v.department_code,
    {{ dbt.cast('null', 'timestamp with time zone') }} as due_at,
    v.closed_at,
    false as self_resolved,
    cast(null as integer) as township_evaluation,
    cast(null as string) as related_alarm_id,
    v.updated_at,
    v.load_id,
    false as is_deleted,
    v._loaded_at
from {{ ref('int_smart_parking__violations') }} as v
left join {{ ref('map_smart_parking__violation_types') }} as m on v.violation_type = m.source_violation_type
