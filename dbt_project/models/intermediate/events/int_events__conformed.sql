-- Events with coordinates conformed to WGS-84 (the source's own values kept beside) and
-- the Asia/Shanghai day they were reported, which picks the grid version to match. A view.
{{ config(materialized='view') }}
with conformed as (
    select
        *,
        {{ to_wgs84_point('source_longitude', 'source_latitude', 'source_crs') }} as wgs84
    from {{ ref('int_events__unioned') }}
)

select
    {{ star_except(['wgs84']) }},
    {{ list_at('wgs84', 1) }} as longitude,
    {{ list_at('wgs84', 2) }} as latitude,
    {{ local_date('reported_at') }} as reported_day
from conformed
