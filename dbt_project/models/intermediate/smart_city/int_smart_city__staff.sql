-- Each grid staff member as the latest roster states them, one row per person: what a
-- change of a person's assignments is seen by (dim_grid_staff has a row per assignment,
-- and an assignment taken back leaves none). Computed whole on each build; a person keeps
-- their stamp until their roster entry changes.
{{ config(materialized='incremental', incremental_strategy='replace_all') }}
with latest as (
    {{ latest_per_key(ref('stg_smart_city__staff'), 'staff_id', 'last_seen_at desc, first_seen_at desc') }}
),

content as (
    select staff_id, staff_name_masked, role, employment, home_township_code, assignments_json, is_current
    from latest
)

{{ content_stamped('content', ['staff_id']) }}
