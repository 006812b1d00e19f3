-- Civil-affairs applications in the common event shape. They carry no coordinates: the
-- household's grid, as the register states it, is their place. A view; a soft-deleted
-- application is flagged (is_deleted), for the event facts to leave out.
{{ config(materialized='view') }}
select
    'civil_affairs' as source_system,
    a.application_id as source_record_id,
    a.application_type as source_event_code,
    m.event_type_code,
    a.applied_at as reported_at,
    'civil_affairs' as reporter_type,
    cast(null as string) as reporter_staff_id,
    cast(null as double) as source_longitude,
    cast(null as double) as source_latitude,
    cast(null as string) as source_crs,
    a.grid_code as reported_grid_code,
    case when a.status in ('办结', '驳回') then 'closed' else 'open' end as status,
    st.state as current_state,
    a.status as source_state,
    a.department_code,
    a.due_at,
    a.finished_at as closed_at,
    false as self_resolved,
    cast(null as integer) as township_evaluation,
    cast(null as string) as related_alarm_id,
    a.updated_at,
    a.load_id,
    a.is_deleted,
    a._loaded_at
from {{ ref('int_civil_affairs__applications') }} as a
left join {{ ref('map_civil_affairs__application_types') }} as m on a.application_type = m.source_application_type
left join {{ ref('map_civil_affairs__statuses') }} as st on a.status = st.source_status
