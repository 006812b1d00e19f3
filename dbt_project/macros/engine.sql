{#- The SQL that differs between the warehouse engines, each behind one macro: `default__`
    is DuckDB (the embedded default), `spark__` Apache Spark (dbt-spark). Models write
    these instead of an engine's own functions, so the same model builds on both. Types in
    casts use names both engines know (string, double, bigint, date, boolean). -#}

{#- Lists (1-based positions, as SQL's own). -#}
{% macro list_of(items) -%}{{ return(adapter.dispatch('list_of', 'kaifeng_govhub')(items)) }}{%- endmacro %}
{% macro default__list_of(items) -%}[{{ items | join(', ') }}]{%- endmacro %}
{% macro spark__list_of(items) -%}array({{ items | join(', ') }}){%- endmacro %}

{% macro list_at(list, i) -%}{{ return(adapter.dispatch('list_at', 'kaifeng_govhub')(list, i)) }}{%- endmacro %}
{% macro default__list_at(list, i) -%}({{ list }})[{{ i }}]{%- endmacro %}
{% macro spark__list_at(list, i) -%}element_at({{ list }}, {{ i }}){%- endmacro %}

{#- Each element `var` of `list` mapped to `body` (an expression over `var`). -#}
{% macro list_map(list, var, body) -%}{{ return(adapter.dispatch('list_map', 'kaifeng_govhub')(list, var, body)) }}{%- endmacro %}
{% macro default__list_map(list, var, body) -%}list_transform({{ list }}, lambda {{ var }}: {{ body }}){%- endmacro %}
{% macro spark__list_map(list, var, body) -%}transform({{ list }}, {{ var }} -> {{ body }}){%- endmacro %}

{% macro list_join(list, sep) -%}{{ return(adapter.dispatch('list_join', 'kaifeng_govhub')(list, sep)) }}{%- endmacro %}
{% macro default__list_join(list, sep) -%}array_to_string({{ list }}, {{ sep }}){%- endmacro %}
{% macro spark__list_join(list, sep) -%}array_join({{ list }}, {{ sep }}){%- endmacro %}

{#- From-clause item: one row per element of the list `list`, as `alias`.element with its
    1-based position `alias`.pos. Use as: from t, {{ list_elements('t.col', 'e') }} -#}
{% macro list_elements(list, alias) -%}{{ return(adapter.dispatch('list_elements', 'kaifeng_govhub')(list, alias)) }}{%- endmacro %}
{% macro default__list_elements(list, alias) -%}unnest({{ list }}) with ordinality as {{ alias }}(element, pos){%- endmacro %}
{% macro spark__list_elements(list, alias) -%}
lateral (select element, pos + 1 as pos from (select posexplode({{ list }}) as (pos, element))) as {{ alias }}
{%- endmacro %}

{#- The distinct non-null values of `expr` in a group, sorted, joined by `sep` (null when none). -#}
{% macro string_agg_sorted(expr, sep) -%}{{ return(adapter.dispatch('string_agg_sorted', 'kaifeng_govhub')(expr, sep)) }}{%- endmacro %}
{% macro default__string_agg_sorted(expr, sep) -%}string_agg(distinct {{ expr }}, {{ sep }} order by {{ expr }}){%- endmacro %}
{% macro spark__string_agg_sorted(expr, sep) -%}nullif(array_join(array_sort(collect_set({{ expr }})), {{ sep }}), ''){%- endmacro %}

{#- Everything of a relation but some columns. -#}
{% macro star_except(columns) -%}{{ return(adapter.dispatch('star_except', 'kaifeng_govhub')(columns)) }}{%- endmacro %}
{% macro default__star_except(columns) -%}* exclude ({{ columns | join(', ') }}){%- endmacro %}
{% macro spark__star_except(columns) -%}* except ({{ columns | join(', ') }}){%- endmacro %}

{#- Regular expressions: `pattern` is the regex itself (no SQL escaping needed). -#}
{% macro regex_search(expr, pattern) -%}{{ return(adapter.dispatch('regex_search', 'kaifeng_govhub')(expr, pattern)) }}{%- endmacro %}
{% macro default__regex_search(expr, pattern) -%}regexp_matches({{ expr }}, '{{ pattern }}'){%- endmacro %}
{% macro spark__regex_search(expr, pattern) -%}regexp_like({{ expr }}, r'{{ pattern }}'){%- endmacro %}

{% macro regex_full_match(expr, pattern) -%}{{ return(adapter.dispatch('regex_full_match', 'kaifeng_govhub')(expr, pattern)) }}{%- endmacro %}
{% macro default__regex_full_match(expr, pattern) -%}regexp_full_match({{ expr }}, '{{ pattern }}'){%- endmacro %}
{% macro spark__regex_full_match(expr, pattern) -%}regexp_like({{ expr }}, r'^(?:{{ pattern }})$'){%- endmacro %}

{#- Times as text and back, in strftime notation ('%Y-%m-%d %H:%M:%S'); parsing gives null
    for text that is not of the form or names no real moment. -#}
{% macro _java_time_pattern(fmt, parsing) -%}
{%- set known = {
    '%Y-%m': 'yyyy-MM', '%Y': 'yyyy', '%Y-%m-%d': 'yyyy-MM-dd', '%Y%m%d': 'yyyyMMdd',
    '%Y-%m-%d %H:%M:%S': 'yyyy-MM-dd HH:mm:ss', '%Y/%m/%d': 'yyyy/MM/dd', '%Y年%m月%d日': 'yyyy年MM月dd日',
} -%}
{%- if fmt not in known -%}{{ exceptions.raise_compiler_error('no Spark pattern for the time format ' ~ fmt) }}{%- endif -%}
{%- set pattern = known[fmt] -%}
{#- reading, a month or day may have one digit (2024/5/3), as strptime allows -#}
{%- if parsing and ('-' in fmt or '/' in fmt or '年' in fmt) -%}{%- set pattern = pattern | replace('MM', 'M') | replace('dd', 'd') -%}{%- endif -%}
{{ return(pattern) }}
{%- endmacro %}

{% macro format_time(expr, fmt) -%}{{ return(adapter.dispatch('format_time', 'kaifeng_govhub')(expr, fmt)) }}{%- endmacro %}
{% macro default__format_time(expr, fmt) -%}strftime({{ expr }}, '{{ fmt }}'){%- endmacro %}
{% macro spark__format_time(expr, fmt) -%}date_format({{ expr }}, '{{ _java_time_pattern(fmt, false) }}'){%- endmacro %}

{#- A naive time (no zone) from text. -#}
{% macro parse_time(expr, fmt) -%}{{ return(adapter.dispatch('parse_time', 'kaifeng_govhub')(expr, fmt)) }}{%- endmacro %}
{% macro default__parse_time(expr, fmt) -%}try_strptime({{ expr }}, '{{ fmt }}'){%- endmacro %}
{% macro spark__parse_time(expr, fmt) -%}cast(try_to_timestamp({{ expr }}, '{{ _java_time_pattern(fmt, true) }}') as timestamp_ntz){%- endmacro %}

{#- Whole days from `start` to `finish` (dates). -#}
{% macro days_between(start, finish) -%}{{ return(adapter.dispatch('days_between', 'kaifeng_govhub')(start, finish)) }}{%- endmacro %}
{% macro default__days_between(start, finish) -%}date_diff('day', {{ start }}, {{ finish }}){%- endmacro %}
{% macro spark__days_between(start, finish) -%}datediff({{ finish }}, {{ start }}){%- endmacro %}

{#- The raw lake's Parquet datasets (see connectors/common/lake.py): DuckDB reads them
    through each source's meta.external_location; Spark reads the same folders, partition
    folders (lake_partition=<day>) read as a text column. -#}
{% macro source(source_name, table_name) -%}
{%- set relation = builtins.source(source_name, table_name) -%}
{%- if target.type == 'spark' and source_name.endswith('_commits') -%}
{#- the commit log: JSON lines, read with their schema fixed -#}
{{ return("(select cast(c.committed_at as timestamp) as committed_at, c.load_id, c.lake_partition, c.files, c.row_count,"
          ~ " c.unreadable_file, c.unreadable_rows, c.unreadable_error"
          ~ " from (select from_json(value, 'committed_at string, load_id string, lake_partition string, files array<string>, row_count bigint,"
          ~ " unreadable_file string, unreadable_rows bigint, unreadable_error string') as c"
          ~ " from text.`" ~ env_var('GOVHUB_LAKE_DIR') ~ "/_log/" ~ source_name[:-8] ~ "/" ~ table_name ~ "`) as l)") }}
{%- elif target.type == 'spark' -%}
{{ return("parquet.`" ~ env_var('GOVHUB_LAKE_DIR') ~ "/raw/" ~ source_name ~ "/" ~ table_name ~ "`") }}
{%- endif -%}
{{ return(relation) }}
{%- endmacro %}

{#- Column types are written once, in DuckDB's names (the published contract, mart YAML and
    seeds); on Spark each is cast as the Spark type of the same values. -#}
{% macro spark_type(data_type) -%}
{%- set t = data_type | trim | lower -%}
{%- set names = {
    'varchar': 'string', 'text': 'string', 'timestamp with time zone': 'timestamp', 'timestamptz': 'timestamp',
    'integer': 'int', 'int4': 'int', 'int8': 'bigint', 'hugeint': 'decimal(38,0)', 'float8': 'double',
} -%}
{{ return(names.get(t, t)) }}
{%- endmacro %}
{#- dbt's own cast (dbt.cast), which the contracts and unit-test fixtures use too; models
    write {{ dbt.cast('null', 'timestamp with time zone') }} for a type whose name differs. -#}
{% macro spark__cast(field, type) -%}cast({{ field }} as {{ spark_type(type) }}){%- endmacro %}

{#- The distinct `columns` of every relation (CTE) in `relations`: the keys a model's parts
    are joined back onto. -#}
{% macro keys_of(relations, columns) -%}
{%- for r in relations %}
    select {{ columns | join(', ') }} from {{ r }}
    {%- if not loop.last %}
    union
    {%- endif %}
{%- endfor %}
{%- endmacro %}
