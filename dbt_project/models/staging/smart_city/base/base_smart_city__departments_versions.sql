-- The versions of the list `smart_city.departments` (every landing in base_smart_city__departments): one row per distinct
-- content of a key, as first landed, with when loads saw it. Replaced version by version.
{{ config(
    on_schema_change='fail',
    materialized='incremental',
    incremental_strategy='replace_keys',
    unique_key=['_record_key', '_version']
) }}
{{ list_versions(ref('base_smart_city__departments')) }}
