-- Each alarm in its latest known state, with its handling record (when it was pushed to a
-- grid worker) and its camera. Of two versions from one load (a re-report), the original
-- is preferred.
with alarms as (
    {{ latest_per_key(ref('stg_sharp_eyes__alarms'), 'alarm_id',
                      "fetched_at desc, load_id desc, coalesce(remark, '') = '重复上报', handle_status desc") }}
),
reports as (
    select alarm_id, count(*) as landed_versions
    from {{ ref('stg_sharp_eyes__alarms') }}
    group by alarm_id
),
handling as (
    {{ latest_per_key(ref('stg_sharp_eyes__alarm_handling'), 'alarm_id',
                      'fetched_at desc, load_id desc, finished_at desc nulls last, arrived_at desc nulls last') }}
),
cameras as (
    {{ latest_per_key(ref('stg_sharp_eyes__cameras'), 'camera_index_code', 'last_seen_at desc, first_seen_at desc') }}
)

select
    a.alarm_id,
    a.event_type,
    a.event_type_name,
    a.event_level,
    a.started_at,
    a.ended_at,
    a.handle_status,
    a.remark,
    a.camera_index_code,
    c.camera_name,
    c.source_longitude,
    c.source_latitude,
    c.source_crs,
    h.assigned_staff_id,
    h.pushed_at,
    h.arrived_at,
    h.handle_result,
    h.finished_at,
    r.landed_versions,
    a.load_id
from alarms as a
left join handling as h on h.alarm_id = a.alarm_id
left join cameras as c on c.camera_index_code = a.camera_index_code
left join reports as r on r.alarm_id = a.alarm_id
