-- Every grid version whose polygon holds an event's point, its border included (a point on
-- a shared border matches both grids). Point-in-polygon in plain SQL (macros/geometry.sql),
-- so every warehouse engine assigns the same grid. Validity is applied downstream.
-- Replaced event by event: the events that changed, or all of them when a grid changed.
{{ config(
    tags=['near_real_time'], materialized='incremental', incremental_strategy='replace_keys', unique_key='event_id'
) }}
{%- set grids_changed = has_changed_since_last_build(ref('int_grids__conformed')) %}
with affected as (
    select event_id from {{ ref('int_events__conformed') }}
    where {{ 'true' if grids_changed else since_last_build() }}
),

-- the events that changed are those whose rows are stamped since the last build (an event
-- is one row): read by stamp, the scan skips the history
points as (
    select event_id, reported_day, longitude as x, latitude as y
    from {{ ref('int_events__conformed') }}
    where {{ 'true' if grids_changed else since_last_build() }}
),

matches as (
    {{ points_in_polygons(
        'points', ['event_id', 'reported_day'], ref('int_grids__edges'), ['grid_code', 'version_no']
    ) }}
)

select
    m.event_id,
    m.reported_day,
    g.grid_code,
    g.valid_from,
    g.valid_to,
    {{ build_stamp() }} as _loaded_at
from matches as m
inner join {{ ref('int_grids__conformed') }} as g on m.grid_code = g.grid_code and m.version_no = g.version_no
{{ tombstones('affected', ['event_id']) }}
