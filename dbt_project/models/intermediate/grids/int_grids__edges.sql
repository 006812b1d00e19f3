-- The edges of every grid version's polygon (WGS-84), for the point-in-polygon join
-- (macros/geometry.sql). Cut again only for the grids that changed.
{{ config(materialized='incremental', incremental_strategy='replace_keys', unique_key='grid_code') }}
with affected as (
    select distinct grid_code from {{ ref('int_grids__conformed') }} where {{ since_last_build() }}
    {%- if is_incremental() %}
    union
    select grid_code from {{ this }}
    where grid_code not in (select grid_code from {{ ref('int_grids__conformed') }})
    {%- endif %}
),

grids as (
    select grid_code, version_no, rings_wgs84 from {{ ref('int_grids__conformed') }}
    where {{ among('grid_code', 'affected') }}
),

edges as (
    {{ polygon_edges('grids', ['grid_code', 'version_no'], 'rings_wgs84') }}
)

select edges.*, {{ build_stamp() }} as _loaded_at from edges
{{ tombstones('affected', ['grid_code']) }}
