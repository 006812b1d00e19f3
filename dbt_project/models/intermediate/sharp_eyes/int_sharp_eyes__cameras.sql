-- Each camera as the latest list states it: where its alarms are located. Computed whole
-- on every build (a few thousand rows); a camera keeps its stamp until it changes.
{{ config(materialized='incremental', incremental_strategy='replace_all') }}
with latest as (
    {{ latest_per_key(ref('stg_sharp_eyes__cameras'), 'camera_index_code', 'last_seen_at desc, first_seen_at desc') }}
),

content as (
    select camera_index_code, camera_name, region_index_code, source_longitude, source_latitude, source_crs, status
    from latest
)

{{ content_stamped('content', ['camera_index_code']) }}
