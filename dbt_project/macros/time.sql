{#- Time conformance. Instants are stored in UTC (timestamp with time zone); days and
    months are Asia/Shanghai. -#}

{#- An ISO-8601 string with an offset (2026-10-01T08:30:00+08:00) as an instant. -#}
{% macro to_instant(expr) -%}{{ return(adapter.dispatch('to_instant', 'kaifeng_govhub')(expr)) }}{%- endmacro %}
{% macro default__to_instant(expr) -%}try_cast({{ expr }} as timestamptz){%- endmacro %}

{% macro local_timestamp(expr) -%}{{ return(adapter.dispatch('local_timestamp', 'kaifeng_govhub')(expr)) }}{%- endmacro %}
{% macro default__local_timestamp(expr) -%}timezone('Asia/Shanghai', {{ expr }}){%- endmacro %}

{% macro local_date(expr) -%}cast({{ local_timestamp(expr) }} as date){%- endmacro %}
{% macro local_month(expr) -%}strftime({{ local_timestamp(expr) }}, '%Y-%m'){%- endmacro %}

{#- Hours between two instants, as a double. -#}
{% macro hours_between(start, finish) -%}{{ return(adapter.dispatch('hours_between', 'kaifeng_govhub')(start, finish)) }}{%- endmacro %}
{% macro default__hours_between(start, finish) -%}(epoch({{ finish }}) - epoch({{ start }})) / 3600.0{%- endmacro %}

{% macro add_hours(expr, hours) -%}{{ return(adapter.dispatch('add_hours', 'kaifeng_govhub')(expr, hours)) }}{%- endmacro %}
{% macro default__add_hours(expr, hours) -%}({{ expr }} + to_hours(cast({{ hours }} as bigint))){%- endmacro %}

{#- A naive local time string 'yyyy-MM-dd HH:mm:ss' (Asia/Shanghai) as an instant. -#}
{% macro local_to_instant(expr) -%}{{ return(adapter.dispatch('local_to_instant', 'kaifeng_govhub')(expr)) }}{%- endmacro %}
{% macro default__local_to_instant(expr) -%}timezone('Asia/Shanghai', try_strptime({{ expr }}, '%Y-%m-%d %H:%M:%S')){%- endmacro %}

{#- A date in any of the forms Chinese exports use: 2024-05-03, 2024/5/3, 2024年5月3日, or
    an Excel serial number (days since 1899-12-30). Null when it is none of them. -#}
{% macro cn_date(expr) -%}{{ return(adapter.dispatch('cn_date', 'kaifeng_govhub')(expr)) }}{%- endmacro %}
{% macro default__cn_date(expr) -%}
case
  when nullif(trim({{ expr }}), '') is null then null
  when regexp_full_match(trim({{ expr }}), '\d{4,6}(\.0+)?')
    then date '1899-12-30' + cast(cast(trim({{ expr }}) as double) as integer)
  else coalesce(
    try_strptime(trim({{ expr }}), '%Y-%m-%d'),
    try_strptime(trim({{ expr }}), '%Y/%m/%d'),
    try_strptime(trim({{ expr }}), '%Y年%m月%d日')
  )::date
end
{%- endmacro %}

{#- Whether the version `alias` (valid_from / valid_to: days, [from, to), null = open) is the
    one valid on `day`: the join condition for slowly changing reference data. -#}
{% macro valid_on(alias, day) -%}
(({{ alias }}.valid_from is null or {{ alias }}.valid_from <= {{ day }}) and ({{ alias }}.valid_to is null or {{ day }} < {{ alias }}.valid_to))
{%- endmacro %}
