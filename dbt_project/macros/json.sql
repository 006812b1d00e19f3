{#- JSON access goes through these macros so each engine can supply its own functions.
    `path` is a JSONPath like '$.extended_attributes.grid_code'. -#}

{% macro json_text(column, path) -%}{{ return(adapter.dispatch('json_text', 'kaifeng_govhub')(column, path)) }}{%- endmacro %}
{% macro default__json_text(column, path) -%}json_extract_string({{ column }}, '{{ path }}'){%- endmacro %}
{% macro spark__json_text(column, path) -%}get_json_object({{ column }}, '{{ _spark_json_path(path) }}'){%- endmacro %}
{#- Spark's JSONPath writes a quoted member $."a b" as $['a b'] (inside a SQL literal). -#}
{% macro _spark_json_path(path) -%}{{ return(modules.re.sub('\\."([^"]*)"', "[\\\\'\\1\\\\']", path)) }}{%- endmacro %}

{% macro json_double(column, path) -%}try_cast({{ json_text(column, path) }} as double){%- endmacro %}
{% macro json_int(column, path) -%}try_cast({{ json_text(column, path) }} as integer){%- endmacro %}
{% macro json_bool(column, path) -%}try_cast({{ json_text(column, path) }} as boolean){%- endmacro %}

{#- The JSON text of a sub-document (object or array), or null. -#}
{% macro json_fragment(column, path) -%}{{ return(adapter.dispatch('json_fragment', 'kaifeng_govhub')(column, path)) }}{%- endmacro %}
{% macro default__json_fragment(column, path) -%}cast(json_extract({{ column }}, '{{ path }}') as string){%- endmacro %}
{% macro spark__json_fragment(column, path) -%}get_json_object({{ column }}, '{{ _spark_json_path(path) }}'){%- endmacro %}

{#- From-clause item turning a JSON array column into one row per element, exposing
    `{{ alias }}.element` (JSON text). Use as: from t, {{ json_array_elements('t.col', 'e') }} -#}
{% macro json_array_elements(column, alias) -%}{{ return(adapter.dispatch('json_array_elements', 'kaifeng_govhub')(column, alias)) }}{%- endmacro %}
{% macro default__json_array_elements(column, alias) -%}
(select cast(value as string) as element from json_each({{ column }})) as {{ alias }}
{%- endmacro %}
{% macro spark__json_array_elements(column, alias) -%}
lateral (select explode(from_json({{ column }}, 'array<string>')) as element) as {{ alias }}
{%- endmacro %}

{#- A GeoJSON Polygon's text as a struct of `type` and `coordinates` (rings of [lon, lat]). -#}
{% macro parse_geojson_polygon(column) -%}{{ return(adapter.dispatch('parse_geojson_polygon', 'kaifeng_govhub')(column)) }}{%- endmacro %}
{% macro default__parse_geojson_polygon(column) -%}from_json({{ column }}, '{"type": "VARCHAR", "coordinates": "DOUBLE[][][]"}'){%- endmacro %}
{% macro spark__parse_geojson_polygon(column) -%}from_json({{ column }}, 'type string, coordinates array<array<array<double>>>'){%- endmacro %}
