{#- Coordinate conversion to WGS-84 in SQL, the same arithmetic as warehouse/crs.py.
    GCJ-02 adds a published offset to WGS-84; its inverse is solved by three fixed-point
    steps (w = g - offset(w)), each a pass over a list of [lon, lat] vertices, which keeps
    the generated SQL linear in size. -#}

{% macro _gcj02_raw_lat(x, y) -%}
(-100.0 + 2.0 * ({{ x }}) + 3.0 * ({{ y }}) + 0.2 * ({{ y }}) * ({{ y }}) + 0.1 * ({{ x }}) * ({{ y }}) + 0.2 * sqrt(abs({{ x }}))
 + (20.0 * sin(6.0 * ({{ x }}) * pi()) + 20.0 * sin(2.0 * ({{ x }}) * pi())) * 2.0 / 3.0
 + (20.0 * sin(({{ y }}) * pi()) + 40.0 * sin(({{ y }}) / 3.0 * pi())) * 2.0 / 3.0
 + (160.0 * sin(({{ y }}) / 12.0 * pi()) + 320.0 * sin(({{ y }}) * pi() / 30.0)) * 2.0 / 3.0)
{%- endmacro %}

{% macro _gcj02_raw_lon(x, y) -%}
(300.0 + ({{ x }}) + 2.0 * ({{ y }}) + 0.1 * ({{ x }}) * ({{ x }}) + 0.1 * ({{ x }}) * ({{ y }}) + 0.1 * sqrt(abs({{ x }}))
 + (20.0 * sin(6.0 * ({{ x }}) * pi()) + 20.0 * sin(2.0 * ({{ x }}) * pi())) * 2.0 / 3.0
 + (20.0 * sin(({{ x }}) * pi()) + 40.0 * sin(({{ x }}) / 3.0 * pi())) * 2.0 / 3.0
 + (150.0 * sin(({{ x }}) / 12.0 * pi()) + 300.0 * sin(({{ x }}) / 30.0 * pi())) * 2.0 / 3.0)
{%- endmacro %}

{#- The GCJ-02 offset (degrees) at a WGS-84 point. -#}
{% macro gcj02_dlat(lon, lat) -%}
({{ _gcj02_raw_lat(lon ~ ' - 105.0', lat ~ ' - 35.0') }} * 180.0
 / ((6378245.0 * (1.0 - 0.00669342162296594323)) / ((1.0 - 0.00669342162296594323 * pow(sin(({{ lat }}) / 180.0 * pi()), 2)) * sqrt(1.0 - 0.00669342162296594323 * pow(sin(({{ lat }}) / 180.0 * pi()), 2))) * pi()))
{%- endmacro %}
{% macro gcj02_dlon(lon, lat) -%}
({{ _gcj02_raw_lon(lon ~ ' - 105.0', lat ~ ' - 35.0') }} * 180.0
 / (6378245.0 / sqrt(1.0 - 0.00669342162296594323 * pow(sin(({{ lat }}) / 180.0 * pi()), 2)) * cos(({{ lat }}) / 180.0 * pi()) * pi()))
{%- endmacro %}

{#- A list of [lon, lat] GCJ-02 vertices as a list of [lon, lat] WGS-84 vertices. -#}
{% macro gcj02_to_wgs84_vertices(vertices) -%}
{%- set p1, p2 = list_at('p', 1), list_at('p', 2) -%}
{%- set q1, q2, q3, q4 = list_at('q', 1), list_at('q', 2), list_at('q', 3), list_at('q', 4) -%}
{%- set r1, r2, r3, r4 = list_at('r', 1), list_at('r', 2), list_at('r', 3), list_at('r', 4) -%}
{{ list_map(
    list_map(
        list_map(vertices, 'p', list_of([p1, p2, p1 ~ ' - ' ~ gcj02_dlon(p1, p2), p2 ~ ' - ' ~ gcj02_dlat(p1, p2)])),
        'q', list_of([q1, q2, q1 ~ ' - ' ~ gcj02_dlon(q3, q4), q2 ~ ' - ' ~ gcj02_dlat(q3, q4)])),
    'r', list_of([r1 ~ ' - ' ~ gcj02_dlon(r3, r4), r2 ~ ' - ' ~ gcj02_dlat(r3, r4)])) }}
{%- endmacro %}

{#- BD-09 (Baidu) [lon, lat] vertices as GCJ-02: the closed-form inverse of Baidu's
    rotation, good to about 10 cm (pinned by tests/dbt_project/test_crs_macros.py). -#}
{% macro bd09_to_gcj02_vertices(vertices) -%}
{%- set x, y = list_at('q', 1), list_at('q', 2) -%}
{%- set radius = '(sqrt(' ~ x ~ ' * ' ~ x ~ ' + ' ~ y ~ ' * ' ~ y ~ ') - 0.00002 * sin(' ~ y ~ ' * pi() * 3000.0 / 180.0))' -%}
{%- set angle = '(atan2(' ~ y ~ ', ' ~ x ~ ') - 0.000003 * cos(' ~ x ~ ' * pi() * 3000.0 / 180.0))' -%}
{{ list_map(
    list_map(vertices, 'p', list_of([list_at('p', 1) ~ ' - 0.0065', list_at('p', 2) ~ ' - 0.006'])),
    'q', list_of([radius ~ ' * cos' ~ angle, radius ~ ' * sin' ~ angle])) }}
{%- endmacro %}

{#- Conformed [lon, lat] (WGS-84) of a point given in `crs` (a column or literal). -#}
{% macro to_wgs84_point(lon, lat, crs) -%}
{%- set point = list_of([list_of([lon, lat])]) -%}
case
  when {{ lon }} is null or {{ lat }} is null then null
  when upper({{ crs }}) = 'GCJ-02' then {{ list_at(gcj02_to_wgs84_vertices(point), 1) }}
  when upper({{ crs }}) = 'BD-09' then {{ list_at(gcj02_to_wgs84_vertices(bd09_to_gcj02_vertices(point)), 1) }}
  when upper({{ crs }}) in ('WGS-84', 'WGS84', 'CGCS2000', 'EPSG:4326') then {{ list_of([lon, lat]) }}
end
{%- endmacro %}
