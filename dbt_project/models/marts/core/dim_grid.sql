-- Grid versions (validity [valid_from, valid_to)) with their place in the division tree, polygon (WGS-84 WKT), area, and how many
-- staff of each role are assigned today. Computed whole on each build (the polygons are
-- conformed in int_grids__conformed); a grid version keeps its stamp until it changes.
{{ config(materialized='incremental', incremental_strategy='replace_all') }}
with staff_today as (
    select
        grid_code,
        count(*) filter (where role = 'grid_leader') as grid_leader_count,
        count(*) filter (where role = 'grid_instructor') as grid_instructor_count,
        count(*) filter (where role = 'fulltime_worker') as fulltime_worker_count,
        count(*) filter (where role = 'parttime_worker') as parttime_worker_count
    from {{ ref('dim_grid_staff') }}
    where is_current
    group by grid_code
),

content as (
    select
        g.grid_code,
        g.grid_name,
        g.village_code,
        g.township_code,
        g.county_code,
        g.polygon_wkt,
        round(g.area_km2, 4) as area_km2,
        g.centroid_longitude,
        g.centroid_latitude,
        coalesce(s.grid_leader_count, 0) as grid_leader_count,
        coalesce(s.grid_instructor_count, 0) as grid_instructor_count,
        coalesce(s.fulltime_worker_count, 0) as fulltime_worker_count,
        coalesce(s.parttime_worker_count, 0) as parttime_worker_count,
        g.version_no,
        g.valid_from,
        g.valid_to,
        g.is_current
    from {{ ref('int_grids__conformed') }} as g
    left join staff_today as s on g.grid_code = s.grid_code and g.is_current
)

{{ content_stamped('content', ['grid_code', 'version_no']) }}
