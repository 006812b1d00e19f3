-- Every grid version whose polygon holds an event's point (ST_Intersects: a point on a
-- shared border matches both grids). Validity is applied downstream: kept out of this join,
-- DuckDB runs it as an indexed spatial join instead of comparing every pair.
select
    e.event_id,
    e.reported_day,
    g.grid_code,
    g.valid_from,
    g.valid_to
from {{ ref('int_events__conformed') }} as e
join {{ ref('int_grids__conformed') }} as g
    on ST_Intersects(g.geom, ST_Point(e.longitude, e.latitude))
