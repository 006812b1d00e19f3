{#- The grid a grid worker (full- or part-time) was assigned to on a day, from the
    assignment valid then (dim_grid_staff keeps every assignment with its validity). A
    worker covering several grids that day gets the lowest grid code; null when the id
    held no worker assignment that day. -#}
{% macro staff_grid_at(staff_id, day) -%}
(select min(sga.grid_code)
 from {{ ref('dim_grid_staff') }} as sga
 where sga.staff_id = {{ staff_id }}
   and sga.role in ('fulltime_worker', 'parttime_worker')
   and sga.valid_from <= {{ day }}
   and (sga.valid_to is null or {{ day }} < sga.valid_to))
{%- endmacro %}
