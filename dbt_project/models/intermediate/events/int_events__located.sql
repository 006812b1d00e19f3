-- Events with the grid found by point-in-polygon against the grids valid on the event's
-- day; an event that has no coordinates (civil affairs) takes the grid its source states.
-- A point on a border between grids goes to the lowest grid code (one grid,
-- deterministically). The grid the source stated is kept beside the found one, and a
-- disagreement is flagged, never silently resolved. Replaced event by event.
{{ config(
    tags=['near_real_time'], materialized='incremental', incremental_strategy='replace_keys', unique_key='event_id'
) }}
{%- set grids_changed = has_changed_since_last_build(ref('int_grids__conformed')) %}
with affected as (
    select event_id from {{ ref('int_events__conformed') }}
    where {{ 'true' if grids_changed else since_last_build() }}
    {%- if is_incremental() %}
    union
    select event_id from {{ ref('int_events__grid_matches') }} where {{ since_last_build() }}
    {%- endif %}
),

matched as (
    select
        event_id,
        grid_code,
        row_number() over (partition by event_id order by grid_code) as match_rank
    from {{ ref('int_events__grid_matches') }}
    where valid_from <= reported_day
      and (valid_to is null or reported_day < valid_to)
      and {{ among('event_id', 'affected') }}
),

-- while the grids stand, a grid match changes only with its event's own row: the affected
-- events are read by stamp too, and the scan skips the history
events as (
    select * from {{ ref('int_events__conformed') }}
    where {{ among('event_id', 'affected') }}{% if not grids_changed %} and {{ since_last_build() }}{% endif %}
)

select
    e.{{ star_except(['_loaded_at']) }},
    coalesce(m.grid_code, case when e.longitude is null then e.reported_grid_code end) as grid_code,
    g.township_code,
    g.county_code,
    case
        when e.reported_grid_code is null or m.grid_code is null then null  -- nothing to compare
        else e.reported_grid_code <> m.grid_code
    end as grid_disagrees,
    {{ build_stamp() }} as _loaded_at
from events as e
left join matched as m on e.event_id = m.event_id and m.match_rank = 1
left join {{ ref('int_grids__conformed') }} as g
    on g.grid_code = coalesce(m.grid_code, case when e.longitude is null then e.reported_grid_code end)
   and {{ valid_on('g', 'e.reported_day') }}
{{ tombstones('affected', ['event_id']) }}
