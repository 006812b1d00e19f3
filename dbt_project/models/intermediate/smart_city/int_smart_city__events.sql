-- Smart City events in their latest known state, in the common event shape every source
-- is brought to before the union. Replaced event by event.
{{ config(
    tags=['near_real_time'],
    materialized='incremental',
    incremental_strategy='replace_keys',
    unique_key='source_record_id'
) }}
with affected as (
    select distinct service_request_id as source_record_id
    from {{ ref('stg_smart_city__service_requests') }}
    where {{ since_last_build() }}
),

versions as (
    select * from {{ ref('stg_smart_city__service_requests') }}
    where {{ among('service_request_id', 'affected', 'source_record_id') }}
),

latest as (
    {{ latest_per_key('versions', 'service_request_id', 'updated_at desc, fetched_at desc, load_id desc') }}
),

lifecycle_summary as (
    select
        source_record_id,
        max(case when state in ('closed', 'rejected') then transition_at end) as closed_at,
        max_by(state, seq) as current_state
    from {{ ref('int_smart_city__lifecycle') }}
    where {{ among('source_record_id', 'affected') }}
    group by source_record_id
)

select
    'smart_city' as source_system,
    l.service_request_id as source_record_id,
    l.service_code as source_event_code,
    l.service_code as event_type_code,
    l.requested_at as reported_at,
    l.reporter_type,
    l.reporter_staff_id,
    l.source_longitude,
    l.source_latitude,
    l.source_crs,
    l.reported_grid_code,
    l.status,
    s.current_state,
    s.current_state as source_state,
    l.department_code,
    l.due_at,
    s.closed_at,
    coalesce(l.self_resolved, false) as self_resolved,
    l.township_evaluation,
    l.alarm_id as related_alarm_id,
    l.updated_at,
    l.load_id,
    false as is_deleted,
    {{ build_stamp() }} as _loaded_at
from latest as l
left join lifecycle_summary as s on l.service_request_id = s.source_record_id
{{ tombstones('affected', ['source_record_id']) }}
