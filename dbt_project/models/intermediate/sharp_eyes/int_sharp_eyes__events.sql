-- Sharp Eyes alarms in the common event shape: located at their camera, typed through the
-- mapping seed (unmapped types keep their code and a null event_type_code). A view: the
-- alarms table holds the state, this shapes it.
{{ config(materialized='view') }}
select
    'sharp_eyes' as source_system,
    a.alarm_id as source_record_id,
    cast(a.event_type as string) as source_event_code,
    m.event_type_code,
    a.started_at as reported_at,
    'sharp_eyes' as reporter_type,
    cast(null as string) as reporter_staff_id,
    a.source_longitude,
    a.source_latitude,
    a.source_crs,
    cast(null as string) as reported_grid_code,
    case when a.handle_status = 1 then 'closed' else 'open' end as status,
    case
        when a.finished_at is not null then 'closed'
        when a.arrived_at is not null then 'arrived'
        when a.pushed_at is not null then 'pushed'
        when a.handle_status = 1 then 'closed'
        else 'reported'
    end as current_state,
    cast(a.handle_status as string) as source_state,
    cast(null as string) as department_code,
    {{ dbt.cast('null', 'timestamp with time zone') }} as due_at,
    a.finished_at as closed_at,
    false as self_resolved,
    cast(null as integer) as township_evaluation,
    cast(null as string) as related_alarm_id,
    coalesce(a.finished_at, a.arrived_at, a.pushed_at, a.started_at) as updated_at,
    a.load_id,
    false as is_deleted,
    a._loaded_at
from {{ ref('int_sharp_eyes__alarms') }} as a
left join {{ ref('map_sharp_eyes__event_types') }} as m on a.event_type = m.source_event_type
