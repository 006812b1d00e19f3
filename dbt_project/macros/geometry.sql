{#- Polygons without a spatial extension: every engine that joins and does arithmetic finds
    the grid of a point the same way. A polygon is a list of rings of [lon, lat] vertices
    (GeoJSON order: the outer ring first, then holes; each ring closed). Its edges are
    bucketed by cells of `cell_degrees()` on a side, so a point is only tested against the
    edges of the few polygons whose bounding box covers its cell, in its row of cells. -#}

{% macro cell_degrees() -%}0.01{%- endmacro %}

{#- The cell row / column of a coordinate. Division is monotone, so a point between two
    vertices falls between their cells. -#}
{% macro cell_of(coordinate, degrees=none) -%}cast(floor(({{ coordinate }}) / {{ degrees or cell_degrees() }}) as bigint){%- endmacro %}

{#- Inclusive integer range [lo, hi] as a list. -#}
{% macro list_range(lo, hi) -%}{{ return(adapter.dispatch('list_range', 'kaifeng_govhub')(lo, hi)) }}{%- endmacro %}
{% macro default__list_range(lo, hi) -%}range({{ lo }}, ({{ hi }}) + 1){%- endmacro %}
{% macro spark__list_range(lo, hi) -%}sequence({{ lo }}, {{ hi }}){%- endmacro %}

{#- One row per edge of each polygon of `relation` (its `rings` column), carrying the
    columns `keys`: ring_no (1 = outer), x1, y1, x2, y2. -#}
{% macro polygon_edges(relation, keys, rings) -%}
with vertices as (
    select
        {% for k in keys %}p.{{ k }}, {% endfor %}
        r.pos as ring_no,
        v.pos as vertex_no,
        {{ list_at('v.element', 1) }} as x,
        {{ list_at('v.element', 2) }} as y
    from {{ relation }} as p, {{ list_elements('p.' ~ rings, 'r') }}, {{ list_elements('r.element', 'v') }}
),

edges as (
    select
        {% for k in keys %}{{ k }}, {% endfor %}
        ring_no,
        x as x1,
        y as y1,
        lead(x) over (partition by {% for k in keys %}{{ k }}, {% endfor %}ring_no order by vertex_no) as x2,
        lead(y) over (partition by {% for k in keys %}{{ k }}, {% endfor %}ring_no order by vertex_no) as y2
    from vertices
)

select * from edges where x2 is not null
{%- endmacro %}

{#- Every (point, polygon) pair where the polygon holds the point, the border included (a
    point within 1e-9 degree, about 0.1 mm, of an edge is on it). `points`: a relation with
    `point_keys`, `x`, `y`; `edges`: polygon_edges output with `polygon_keys`. Inside means
    an odd number of edges crossed by the ray from the point towards +x. Only the polygons
    with a point in a cell of their bounding box are bucketed. -#}
{% macro points_in_polygons(points, point_keys, edges, polygon_keys) -%}
with located as (
    select {% for k in point_keys %}{{ k }}, {% endfor %}x, y, {{ cell_of('x') }} as cell_x, {{ cell_of('y') }} as cell_y
    from {{ points }}
    where x is not null and y is not null
),

boxes as (
    select
        {% for k in polygon_keys %}{{ k }}, {% endfor %}
        min(least(x1, x2)) as min_x, max(greatest(x1, x2)) as max_x,
        min(least(y1, y2)) as min_y, max(greatest(y1, y2)) as max_y
    from {{ edges }}
    group by {{ polygon_keys | join(', ') }}
),

box_cells as (
    select {% for k in polygon_keys %}b.{{ k }}, {% endfor %}cx.element as cell_x, cy.element as cell_y
    from boxes as b,
        {{ list_elements(list_range(cell_of('b.min_x'), cell_of('b.max_x')), 'cx') }},
        {{ list_elements(list_range(cell_of('b.min_y'), cell_of('b.max_y')), 'cy') }}
),

candidates as (
    select {% for k in point_keys %}p.{{ k }}, {% endfor %}{% for k in polygon_keys %}c.{{ k }}, {% endfor %}p.x, p.y, p.cell_y
    from located as p
    join box_cells as c on c.cell_x = p.cell_x and c.cell_y = p.cell_y
),

-- only the polygons a point may be in are cut into rows of cells (a build that locates a
-- few events reads the edges of a few grids)
reached as (
    select distinct {{ polygon_keys | join(', ') }} from candidates
),

edge_rows as (
    select {% for k in polygon_keys %}e.{{ k }}, {% endfor %}e.x1, e.y1, e.x2, e.y2, cy.element as cell_y
    from (select e.* from {{ edges }} as e join reached as r on {% for k in polygon_keys %}r.{{ k }} = e.{{ k }}{{ ' and ' if not loop.last }}{% endfor %}) as e,
        {{ list_elements(list_range(cell_of('least(e.y1, e.y2)'), cell_of('greatest(e.y1, e.y2)')), 'cy') }}
),

tested as (
    select
        {% for k in point_keys %}c.{{ k }}, {% endfor %}{% for k in polygon_keys %}c.{{ k }}, {% endfor %}
        ((e.y1 > c.y) <> (e.y2 > c.y)) and c.x < e.x1 + (c.y - e.y1) * (e.x2 - e.x1) / nullif(e.y2 - e.y1, 0) as crosses,
        c.x between least(e.x1, e.x2) and greatest(e.x1, e.x2)
            and c.y between least(e.y1, e.y2) and greatest(e.y1, e.y2)
            and abs((e.x2 - e.x1) * (c.y - e.y1) - (e.y2 - e.y1) * (c.x - e.x1))
                <= 1e-9 * sqrt((e.x2 - e.x1) * (e.x2 - e.x1) + (e.y2 - e.y1) * (e.y2 - e.y1)) as on_edge
    from candidates as c
    join edge_rows as e
        on e.cell_y = c.cell_y{% for k in polygon_keys %} and e.{{ k }} = c.{{ k }}{% endfor %}
)

select {{ (point_keys + polygon_keys) | join(', ') }}
from tested
group by {{ (point_keys + polygon_keys) | join(', ') }}
having bool_or(on_edge) or sum(case when crosses then 1 else 0 end) % 2 = 1
{%- endmacro %}

{#- Area (km2, on the WGS-84 ellipsoid) and centroid (lon, lat) of each polygon from its
    edges (polygon_edges output): the planar centroid, as GIS software computes it in
    lon/lat, and the area in degrees scaled by the ellipsoid's radii of curvature at the
    centroid's latitude (exact to about 1e-7 for polygons a few km across). Holes count
    against the outer ring whichever way each ring is wound. -#}
{% macro polygon_measures(edges, keys) -%}
{%- set part = 'partition by ' ~ keys | join(', ') -%}
-- coordinates taken from the polygon's south-west corner: the sums then keep their precision
with local as (
    select
        {% for k in keys %}{{ k }}, {% endfor %}ring_no,
        min(least(x1, x2)) over ({{ part }}) as origin_x,
        min(least(y1, y2)) over ({{ part }}) as origin_y,
        x1 - min(least(x1, x2)) over ({{ part }}) as x1,
        y1 - min(least(y1, y2)) over ({{ part }}) as y1,
        x2 - min(least(x1, x2)) over ({{ part }}) as x2,
        y2 - min(least(y1, y2)) over ({{ part }}) as y2
    from {{ edges }}
),

rings as (
    select
        {% for k in keys %}{{ k }}, {% endfor %}ring_no,
        min(origin_x) as origin_x,
        min(origin_y) as origin_y,
        sum(x1 * y2 - x2 * y1) / 2e0 as signed_area,
        sum((x1 + x2) * (x1 * y2 - x2 * y1)) / 6e0 as moment_x,
        sum((y1 + y2) * (x1 * y2 - x2 * y1)) / 6e0 as moment_y
    from local
    group by {% for k in keys %}{{ k }}, {% endfor %}ring_no
),

oriented as (
    select
        {% for k in keys %}{{ k }}, {% endfor %}origin_x, origin_y,
        (case when ring_no = 1 then 1e0 else -1e0 end) * (case when signed_area < 0 then -1e0 else 1e0 end) as sense,
        signed_area, moment_x, moment_y
    from rings
),

planar as (
    select
        {% for k in keys %}{{ k }}, {% endfor %}
        sum(sense * signed_area) as area_deg2,
        min(origin_x) + sum(sense * moment_x) / nullif(sum(sense * signed_area), 0) as centroid_longitude,
        min(origin_y) + sum(sense * moment_y) / nullif(sum(sense * signed_area), 0) as centroid_latitude
    from oriented
    group by {{ keys | join(', ') }}
)

select
    {% for k in keys %}{{ k }}, {% endfor %}
    centroid_longitude,
    centroid_latitude,
    -- meridional radius M = a(1-e2)/w^3, prime vertical N = a/w, w = sqrt(1 - e2 sin2(lat))
    area_deg2 * pow(pi() / 180e0, 2)
        * (6.378137e6 * (1e0 - 6.69437999014e-3) / pow(1e0 - 6.69437999014e-3 * pow(sin(radians(centroid_latitude)), 2), 1.5e0))
        * (6.378137e6 / sqrt(1e0 - 6.69437999014e-3 * pow(sin(radians(centroid_latitude)), 2)))
        * cos(radians(centroid_latitude)) / 1e6 as area_km2
from planar
{%- endmacro %}
