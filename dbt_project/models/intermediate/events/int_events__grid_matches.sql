-- Every grid version whose polygon holds an event's point, its border included (a point on
-- a shared border matches both grids). Point-in-polygon in plain SQL (macros/geometry.sql),
-- so every warehouse engine assigns the same grid. Validity is applied downstream.
with edges as (
    {{ polygon_edges(ref('int_grids__conformed'), ['grid_code', 'version_no'], 'rings_wgs84') }}
),

points as (
    select event_id, reported_day, longitude as x, latitude as y
    from {{ ref('int_events__conformed') }}
),

matches as (
    {{ points_in_polygons('points', ['event_id', 'reported_day'], 'edges', ['grid_code', 'version_no']) }}
)

select
    m.event_id,
    m.reported_day,
    g.grid_code,
    g.valid_from,
    g.valid_to
from matches as m
join {{ ref('int_grids__conformed') }} as g on g.grid_code = m.grid_code and g.version_no = m.version_no
