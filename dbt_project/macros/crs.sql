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
{% macro gcj02_to_wgs84_vertices(vertices) -%}{{ return(adapter.dispatch('gcj02_to_wgs84_vertices', 'kaifeng_govhub')(vertices)) }}{%- endmacro %}
{% macro default__gcj02_to_wgs84_vertices(vertices) -%}
list_transform(
  list_transform(
    list_transform({{ vertices }}, lambda p: [p[1], p[2], p[1] - {{ gcj02_dlon('p[1]', 'p[2]') }}, p[2] - {{ gcj02_dlat('p[1]', 'p[2]') }}]),
    lambda q: [q[1], q[2], q[1] - {{ gcj02_dlon('q[3]', 'q[4]') }}, q[2] - {{ gcj02_dlat('q[3]', 'q[4]') }}]),
  lambda r: [r[1] - {{ gcj02_dlon('r[3]', 'r[4]') }}, r[2] - {{ gcj02_dlat('r[3]', 'r[4]') }}])
{%- endmacro %}

{#- BD-09 (Baidu) [lon, lat] vertices as GCJ-02: the closed-form inverse of Baidu's
    rotation, good to about 10 cm (pinned by tests/dbt_project/test_crs_macros.py). -#}
{% macro bd09_to_gcj02_vertices(vertices) -%}{{ return(adapter.dispatch('bd09_to_gcj02_vertices', 'kaifeng_govhub')(vertices)) }}{%- endmacro %}
{% macro default__bd09_to_gcj02_vertices(vertices) -%}
list_transform(
  list_transform({{ vertices }}, lambda p: [p[1] - 0.0065, p[2] - 0.006]),
  lambda q: [
    (sqrt(q[1] * q[1] + q[2] * q[2]) - 0.00002 * sin(q[2] * pi() * 3000.0 / 180.0))
      * cos(atan2(q[2], q[1]) - 0.000003 * cos(q[1] * pi() * 3000.0 / 180.0)),
    (sqrt(q[1] * q[1] + q[2] * q[2]) - 0.00002 * sin(q[2] * pi() * 3000.0 / 180.0))
      * sin(atan2(q[2], q[1]) - 0.000003 * cos(q[1] * pi() * 3000.0 / 180.0))
  ])
{%- endmacro %}

{#- Conformed [lon, lat] (WGS-84) of a point given in `crs` (a column or literal). -#}
{% macro to_wgs84_point(lon, lat, crs) -%}
case
  when {{ lon }} is null or {{ lat }} is null then null
  when upper({{ crs }}) = 'GCJ-02' then {{ gcj02_to_wgs84_vertices('[[' ~ lon ~ ', ' ~ lat ~ ']]') }}[1]
  when upper({{ crs }}) = 'BD-09' then {{ gcj02_to_wgs84_vertices(bd09_to_gcj02_vertices('[[' ~ lon ~ ', ' ~ lat ~ ']]')) }}[1]
  when upper({{ crs }}) in ('WGS-84', 'WGS84', 'CGCS2000', 'EPSG:4326') then [{{ lon }}, {{ lat }}]
end
{%- endmacro %}
