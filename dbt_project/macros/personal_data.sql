{#- Display forms of personal data: enough for a person to recognise, not to identify. -#}

{#- 张伟 -> 张*, 欧阳娜娜 -> 欧***: the first character kept, the rest starred. -#}
{% macro mask_person_name(expr) -%}
case when {{ expr }} is null or length({{ expr }}) = 0 then null
     else left({{ expr }}, 1) || repeat('*', length({{ expr }}) - 1) end
{%- endmacro %}
