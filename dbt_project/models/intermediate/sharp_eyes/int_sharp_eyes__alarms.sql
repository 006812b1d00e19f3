-- Each alarm in its latest known state, with its handling record (when it was pushed to a
-- grid worker) and its camera. Of two versions from one load (a re-report), the original
-- is preferred. Replaced alarm by alarm: those with a new version or handling record, and
-- those of a camera that changed.
{{ config(
    tags=['near_real_time'], materialized='incremental', incremental_strategy='replace_keys', unique_key='alarm_id'
) }}
with affected as (
    select alarm_id from {{ ref('stg_sharp_eyes__alarms') }} where {{ since_last_build() }}
    union
    select alarm_id from {{ ref('stg_sharp_eyes__alarm_handling') }} where {{ since_last_build() }}
    {%- if is_incremental() %}
    union
    select alarm_id from {{ this }}
    where camera_index_code in (
        select camera_index_code from {{ ref('int_sharp_eyes__cameras') }} where {{ since_last_build() }}
    )
    {%- endif %}
),

alarm_versions as (
    select * from {{ ref('stg_sharp_eyes__alarms') }} where {{ among('alarm_id', 'affected') }}
),

alarms as (
    {{ latest_per_key('alarm_versions', 'alarm_id',
                      "fetched_at desc, load_id desc, coalesce(remark, '') = '重复上报', handle_status desc") }}
),

reports as (
    select alarm_id, count(*) as landed_versions
    from alarm_versions
    group by alarm_id
),

handling_versions as (
    select * from {{ ref('stg_sharp_eyes__alarm_handling') }} where {{ among('alarm_id', 'affected') }}
),

handling as (
    {{ latest_per_key('handling_versions', 'alarm_id',
                      'fetched_at desc, load_id desc, finished_at desc nulls last, arrived_at desc nulls last') }}
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
    a.load_id,
    {{ build_stamp() }} as _loaded_at
from alarms as a
left join handling as h on a.alarm_id = h.alarm_id
left join {{ ref('int_sharp_eyes__cameras') }} as c on a.camera_index_code = c.camera_index_code
left join reports as r on a.alarm_id = r.alarm_id
{{ tombstones('affected', ['alarm_id']) }}
