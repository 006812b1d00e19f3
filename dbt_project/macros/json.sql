{#- JSON access goes through these macros so each engine can supply its own functions.
    `path` is a JSONPath like '$.extended_attributes.grid_code'. -#}

{% macro json_text(column, path) -%}
{%- if column is mapping -%}{{ return(adapter.dispatch('json_field', 'kaifeng_govhub')(column, path)) }}{%- endif -%}
{{ return(adapter.dispatch('json_text', 'kaifeng_govhub')(column, path)) }}
{%- endmacro %}
{% macro default__json_text(column, path) -%}json_extract_string({{ column }}, '{{ path }}'){%- endmacro %}
{% macro spark__json_text(column, path) -%}get_json_object({{ column }}, '{{ _spark_json_path(path) }}'){%- endmacro %}
{#- Spark's JSONPath writes a quoted member $."a b" as $['a b'] (inside a SQL literal). -#}
{% macro _spark_json_path(path) -%}{{ return(modules.re.sub('\\."([^"]*)"', "[\\\\'\\1\\\\']", path)) }}{%- endmacro %}

{#- A coordinate in degrees: a finite number within [-bound, bound], else null (NaN, ±Infinity,
    1e300 and the like come out null, and check_degrees() names them). -#}
{% macro json_degrees(column, path, bound) -%}
{%- set number = 'try_cast(' ~ json_text(column, path) ~ ' as double)' -%}
case when abs({{ number }}) <= {{ bound }} then {{ number }} end
{%- endmacro %}
{% macro json_int(column, path) -%}try_cast({{ json_text(column, path) }} as integer){%- endmacro %}
{% macro json_bool(column, path) -%}try_cast({{ json_text(column, path) }} as boolean){%- endmacro %}

{#- The JSON text of a sub-document (object or array), or null. -#}
{% macro json_fragment(column, path) -%}
{%- if column is mapping -%}{{ return(json_text(column, path)) }}{%- endif -%}
{{ return(adapter.dispatch('json_fragment', 'kaifeng_govhub')(column, path)) }}
{%- endmacro %}
{% macro default__json_fragment(column, path) -%}cast(json_extract({{ column }}, '{{ path }}') as string){%- endmacro %}
{% macro spark__json_fragment(column, path) -%}get_json_object({{ column }}, '{{ _spark_json_path(path) }}'){%- endmacro %}

{#- Reading many fields of one JSON column. DuckDB parses a document once per extraction
    call, so a model reading 25 fields one by one parses each payload 25 times, and at city
    scale that parsing outgrows the memory limit. Instead, wrap the select list:

        {% call(doc) json_select('landed', 'payload') %}
            record_key as id,
            {{ json_text(doc, '$.status') }} as status, ...
        {% endcall %}

    `doc` stands for the column: every json_text/json_int/json_degrees/json_bool/json_fragment
    given it records its path, and the select reads all recorded paths in one extraction.
    It selects from `relation` (kept under the same name), so `relation.col` still works.
    An object or array read this way is its JSON text; a JSON null is null.
    On Spark each field stays its own get_json_object. -#}
{% macro json_select(relation, column) -%}
{%- set doc = {'column': column, 'paths': [], 'alias': '_' ~ column | replace('.', '_') ~ '_fields'} -%}
{%- set select_list = caller(doc) -%}
{{ return(adapter.dispatch('json_select', 'kaifeng_govhub')(relation, doc, select_list)) }}
{%- endmacro %}
{% macro default__json_select(relation, doc, select_list) -%}
select {{ select_list }}
from (
    select *{% if doc.paths %}, json_extract_string({{ doc.column }}, [{% for p in doc.paths %}'{{ p }}'{{ ', ' if not loop.last }}{% endfor %}]) as {{ doc.alias }}{% endif %}
    from {{ relation }}
) as {{ relation }}
{%- endmacro %}
{% macro spark__json_select(relation, doc, select_list) -%}
select {{ select_list }}
from {{ relation }}
{%- endmacro %}

{#- One field of a json_select document: its place in the one extraction (DuckDB lists count
    from 1), or on Spark its own extraction. -#}
{% macro default__json_field(doc, path) -%}
{%- if path not in doc.paths -%}{%- do doc.paths.append(path) -%}{%- endif -%}
{{ return(doc.alias ~ '[' ~ (doc.paths.index(path) + 1) ~ ']') }}
{%- endmacro %}
{% macro spark__json_field(doc, path) -%}{{ return(spark__json_text(doc.column, path)) }}{%- endmacro %}

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
