{#- Custom schemas are used as they are named (staging, intermediate, marts, reference),
    not prefixed with the target schema: BI tools depend on `marts.<table>`. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
