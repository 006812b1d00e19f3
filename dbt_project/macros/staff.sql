{#- The grid a grid worker (full- or part-time) was assigned to on a day, from the
    assignment valid then (dim_grid_staff keeps every assignment with its validity). A
    worker covering several grids that day gets the lowest grid code; null when the id
    held no worker assignment that day.

    A left join clause over `relation` as `alias` (the model's own from-item): `staff_id`
    and `day` are expressions over `alias`; the grid is `<as_alias>.grid_code`. Written as a
    join on the distinct (worker, day) pairs, not a correlated subquery, so every engine
    plans it as an equi-join on the worker. -#}
{% macro staff_grid_join(relation, alias, staff_id, day, as_alias) -%}
left join (
    select sgd.staff_id, sgd.day, min(sga.grid_code) as grid_code
    from (select distinct {{ staff_id }} as staff_id, {{ day }} as day from {{ relation }} as {{ alias }}) as sgd
    inner join {{ ref('dim_grid_staff') }} as sga
        on sgd.staff_id = sga.staff_id
       and sga.role in ('fulltime_worker', 'parttime_worker')
       and sga.valid_from <= sgd.day
       and (sga.valid_to is null or sgd.day < sga.valid_to)
    group by sgd.staff_id, sgd.day
) as {{ as_alias }} on {{ as_alias }}.staff_id = {{ staff_id }} and {{ as_alias }}.day = {{ day }}
{%- endmacro %}
