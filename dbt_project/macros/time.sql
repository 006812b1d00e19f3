{#- Time conformance. Instants are stored in UTC (timestamp with time zone); days and
    months are Asia/Shanghai. -#}

{#- An ISO-8601 string with an offset (2026-10-01T08:30:00+08:00) as an instant. -#}
{% macro to_instant(expr) -%}{{ return(adapter.dispatch('to_instant', 'kaifeng_govhub')(expr)) }}{%- endmacro %}
{% macro default__to_instant(expr) -%}try_cast({{ expr }} as timestamptz){%- endmacro %}
{% macro spark__to_instant(expr) -%}try_cast({{ expr }} as timestamp){%- endmacro %}

{% macro local_timestamp(expr) -%}{{ return(adapter.dispatch('local_timestamp', 'kaifeng_govhub')(expr)) }}{%- endmacro %}
{% macro default__local_timestamp(expr) -%}timezone('Asia/Shanghai', {{ expr }}){%- endmacro %}
{#- Spark: an instant is shown in the session's zone; its wall time there, moved to Asia/Shanghai. -#}
{% macro spark__local_timestamp(expr) -%}convert_timezone(current_timezone(), 'Asia/Shanghai', cast({{ expr }} as timestamp_ntz)){%- endmacro %}

{% macro local_date(expr) -%}cast({{ local_timestamp(expr) }} as date){%- endmacro %}
{% macro local_month(expr) -%}{{ format_time(local_timestamp(expr), '%Y-%m') }}{%- endmacro %}

{#- Hours between two instants, as a double. -#}
{% macro hours_between(start, finish) -%}{{ return(adapter.dispatch('hours_between', 'kaifeng_govhub')(start, finish)) }}{%- endmacro %}
{% macro default__hours_between(start, finish) -%}(epoch({{ finish }}) - epoch({{ start }})) / 3600.0{%- endmacro %}
{% macro spark__hours_between(start, finish) -%}(unix_micros({{ finish }}) - unix_micros({{ start }})) / 3.6e9{%- endmacro %}

{% macro add_hours(expr, hours) -%}{{ return(adapter.dispatch('add_hours', 'kaifeng_govhub')(expr, hours)) }}{%- endmacro %}
{% macro default__add_hours(expr, hours) -%}({{ expr }} + to_hours(cast({{ hours }} as bigint))){%- endmacro %}
{% macro spark__add_hours(expr, hours) -%}timestampadd(HOUR, cast({{ hours }} as bigint), {{ expr }}){%- endmacro %}

{#- A naive local time string 'yyyy-MM-dd HH:mm:ss' (Asia/Shanghai) as an instant. -#}
{% macro local_to_instant(expr) -%}{{ local_wall_to_instant(parse_time(expr, '%Y-%m-%d %H:%M:%S')) }}{%- endmacro %}

{#- A naive timestamp (a wall-clock time in Asia/Shanghai) as an instant. -#}
{% macro local_wall_to_instant(expr) -%}{{ return(adapter.dispatch('local_wall_to_instant', 'kaifeng_govhub')(expr)) }}{%- endmacro %}
{% macro default__local_wall_to_instant(expr) -%}timezone('Asia/Shanghai', {{ expr }}){%- endmacro %}
{% macro spark__local_wall_to_instant(expr) -%}cast(convert_timezone('Asia/Shanghai', current_timezone(), cast({{ expr }} as timestamp_ntz)) as timestamp){%- endmacro %}

{#- A date in any of the forms Chinese exports use: 2024-05-03, 2024/5/3, 2024年5月3日, or
    an Excel serial number (days since 1899-12-30). Null when it is none of them. -#}
{% macro cn_date(expr) -%}
case
  when nullif(trim({{ expr }}), '') is null then null
  when {{ regex_full_match('trim(' ~ expr ~ ')', '\\d{4,6}(\\.0+)?') }}
    then date '1899-12-30' + cast(cast(trim({{ expr }}) as double) as integer)
  else cast(coalesce(
    {{ parse_time('trim(' ~ expr ~ ')', '%Y-%m-%d') }},
    {{ parse_time('trim(' ~ expr ~ ')', '%Y/%m/%d') }},
    {{ parse_time('trim(' ~ expr ~ ')', '%Y年%m月%d日') }}
  ) as date)
end
{%- endmacro %}

{#- Whether the version `alias` (valid_from / valid_to: days, [from, to), null = open) is the
    one valid on `day`: the join condition for slowly changing reference data. -#}
{% macro valid_on(alias, day) -%}
(({{ alias }}.valid_from is null or {{ alias }}.valid_from <= {{ day }}) and ({{ alias }}.valid_to is null or {{ day }} < {{ alias }}.valid_to))
{%- endmacro %}

{#- The Asia/Shanghai day of each instant column `<name>_at` (of `alias`), as `<name>_on`:
    the local dates the facts carry beside their UTC instants, for BI to group by. -#}
{% macro local_dates(columns, alias=none) -%}
{%- for c in columns %}
    {{ local_date((alias ~ '.' if alias else '') ~ c) }} as {{ c[:-3] }}_on{{ ',' if not loop.last }}
{%- endfor -%}
{%- endmacro %}

{#- Whether the month `month` (a YYYY-MM expression, Asia/Shanghai) has ended by the build's
    day (as_of_date): its figures are final; the current month's are provisional. -#}
{% macro month_is_final(month) -%}
(cast(last_day({{ parse_time(month ~ " || '-01'", '%Y-%m-%d') }}) as date) < {{ as_of_date() }})
{%- endmacro %}
