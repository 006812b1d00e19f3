{#- Incremental builds: a build costs what is new, not what the warehouse holds.

    Every build is stamped (meta.builds, written as the build starts): the rows a model
    writes carry the stamp as `_loaded_at`. A model reads from its inputs only the rows
    stamped after the newest `_loaded_at` it holds itself (since_last_build), works out
    which of its own keys those rows touch, computes those keys again from all their
    inputs, and replaces them (the replace_keys strategy). Rows are never moved or deleted
    without their key being named, so what an incremental build leaves equals what a build
    from scratch (`dbt build --full-refresh`) gives; tests/dbt_project/test_incremental.py
    proves it step by step.

    - base_ models append the landings committed in the lake since their newest
      `_committed_at` (lake_rows), each landed row once.
    - Small tables (dimensions, lists) are computed whole on every build (replace_all) and
      keep the stamp of every row whose content did not change (content_stamped), so a
      daily snapshot that changed nothing touches nothing downstream.
    - A model whose code, or the code or seed data of anything upstream of it, changed since
      it was built is built from scratch (should_full_refresh): a rule change in the seeds
      rescores what the new rules reach. -#}

{#- The instant type of the engine: timestamptz on DuckDB, timestamp on Spark. -#}
{% macro instant_type() -%}
{{ return(spark_type('timestamp with time zone') if target.type == 'spark' else 'timestamp with time zone') }}
{%- endmacro %}

{% macro instant_literal(dt) -%}
cast('{{ dt.strftime("%Y-%m-%dT%H:%M:%S.%f") }}+00:00' as {{ instant_type() }})
{%- endmacro %}

{% macro epoch_instant() -%}cast('1970-01-01T00:00:00+00:00' as {{ instant_type() }}){%- endmacro %}

{% macro _table_format() -%}{% if target.type == 'spark' %} using parquet{% endif %}{%- endmacro %}

{#- on-run-start: this build's stamp, never earlier than the last build's (a clock set back
    keeps the order). -#}
{% macro record_build_start() %}
{%- if execute -%}
{% do run_query("create schema if not exists meta") %}
{% do run_query("create table if not exists meta.builds (invocation_id string, stamp_us bigint, started_at_us bigint, finished_at_us bigint, status string)" ~ _table_format()) %}
{% do run_query("create table if not exists meta.model_state (fingerprint string, built_at_us bigint, model string)" ~ _table_format() ~ (" partitioned by (model)" if target.type == 'spark' else '')) %}
{% do run_query("create table if not exists meta.period_counts (input string, period string, row_count bigint, model string)" ~ _table_format() ~ (" partitioned by (model)" if target.type == 'spark' else '')) %}
{%- set started = ((run_started_at - modules.datetime.datetime(1970, 1, 1, tzinfo=modules.pytz.utc)).total_seconds() * 1000000) | int -%}
{%- set last = run_query("select max(stamp_us) from meta.builds").columns[0].values()[0] -%}
{%- set stamp = [started, (last or 0) + 1] | max -%}
{% do run_query("insert into meta.builds values ('" ~ invocation_id ~ "', " ~ stamp ~ ", " ~ started ~ ", null, 'started')") %}
{%- endif -%}
{% endmacro %}

{#- on-run-end: when the build ended (a model's rows are visible from then at the latest). -#}
{% macro record_build_end() %}
{%- if execute -%}
{%- set stamp = run_query("select max(stamp_us) from meta.builds where invocation_id = '" ~ invocation_id ~ "'").columns[0].values()[0] -%}
{%- if stamp is not none -%}
{%- set now = modules.datetime.datetime.now(modules.pytz.utc) -%}
{%- set finished = ((now - modules.datetime.datetime(1970, 1, 1, tzinfo=modules.pytz.utc)).total_seconds() * 1000000) | int -%}
{%- set failed = results | selectattr('status', 'in', ['error', 'fail']) | list -%}
{% do run_query("insert into meta.builds values ('" ~ invocation_id ~ "', " ~ stamp ~ ", null, " ~ finished ~ ", '" ~ ('error' if failed else 'success') ~ "')") %}
{%- endif -%}
{%- endif -%}
{% endmacro %}

{#- This build's stamp (a naive UTC datetime): read once per model from meta.builds. -#}
{% macro build_stamp_datetime() -%}
{%- set us = none -%}
{%- if execute and model is mapping and '_govhub_stamp_us' in model -%}
{%- set us = model['_govhub_stamp_us'] -%}
{%- elif execute -%}
{%- set us = run_query("select max(stamp_us) from meta.builds where invocation_id = '" ~ invocation_id ~ "'").columns[0].values()[0] -%}
{%- if model is mapping -%}{%- do model.update({'_govhub_stamp_us': us}) -%}{%- endif -%}
{%- endif -%}
{%- set epoch = modules.datetime.datetime(1970, 1, 1) -%}
{{ return((epoch + modules.datetime.timedelta(microseconds=us)) if us is not none else run_started_at.replace(tzinfo=none)) }}
{%- endmacro %}

{#- This build's stamp as an instant literal. -#}
{% macro build_stamp() -%}
{{ return(instant_literal(build_stamp_datetime())) }}
{%- endmacro %}

{#- The day this build counts as today (Asia/Shanghai): the local date of its stamp, or the
    `as_of_date` var (YYYY-MM-DD) where a test sets one. A period whose last day is before
    it is closed (final); the current one is provisional. -#}
{% macro as_of_date(days_after=0) -%}
{%- set day = var('as_of_date', none) -%}
{%- if day is none -%}
{%- set utc = modules.pytz.utc.localize(build_stamp_datetime()) -%}
{%- set day = utc.astimezone(modules.pytz.timezone('Asia/Shanghai')).strftime('%Y-%m-%d') -%}
{%- endif -%}
{%- if days_after -%}
{%- set day = (modules.datetime.date.fromisoformat(day) + modules.datetime.timedelta(days=days_after)).isoformat() -%}
{%- endif -%}
cast('{{ day }}' as date)
{%- endmacro %}

{#- The newest `_loaded_at` the model holds: what its inputs are read after. Read once
    when the model is compiled and written as a constant, so that the engine skips the
    blocks of an input whose stamps are all older (DuckDB's zone maps, Parquet's
    statistics) instead of reading the input's whole history to compare each row. -#}
{% macro watermark() -%}
{%- if execute and model is mapping -%}
{%- if '_govhub_watermark_us' not in model -%}
{%- set us = run_query("select " ~ instant_micros('max(_loaded_at)') ~ " from " ~ this).columns[0].values()[0] -%}
{%- do model.update({'_govhub_watermark_us': us}) -%}
{%- endif -%}
{%- set us = model['_govhub_watermark_us'] -%}
{%- if us is none -%}{{ return(epoch_instant()) }}{%- endif -%}
{{ return(instant_literal(modules.datetime.datetime(1970, 1, 1) + modules.datetime.timedelta(microseconds=us | int))) }}
{%- else -%}
(select coalesce(max(_loaded_at), {{ epoch_instant() }}) from {{ this }})
{%- endif -%}
{%- endmacro %}

{#- An instant as whole microseconds since 1970 (UTC). -#}
{% macro instant_micros(expr) -%}
{%- if target.type == 'spark' -%}unix_micros({{ expr }}){%- else -%}epoch_us({{ expr }}){%- endif -%}
{%- endmacro %}

{#- A filter on an input's rows: those stamped since this model's last build (all of them on
    a build from scratch). -#}
{% macro since_last_build(column='_loaded_at') -%}
{%- if is_incremental() -%}{{ column }} > {{ watermark() }}{%- else -%}true{%- endif -%}
{%- endmacro %}

{#- Whether `relation` holds rows stamped since this model's last build (asked once, when
    the model compiles): a model can then leave out the branch an input's change would
    need, and filter on its own stamps alone. False on a build from scratch. -#}
{% macro has_changed_since_last_build(relation) -%}
{%- if is_incremental() and execute -%}
{%- set n = run_query("select count(*) from " ~ relation ~ " where " ~ since_last_build()).columns[0].values()[0] -%}
{{ return(n > 0) }}
{%- endif -%}
{{ return(false) }}
{%- endmacro %}

{#- Rows of a model computed again for some keys: `affected` (a relation of key columns) are
    the keys whose rows are replaced. In an incremental build every affected key also gets
    a row with no `_loaded_at` (a tombstone), so a key whose rows are all gone is still
    named: the replace_keys strategy deletes the keys it is given and inserts only the rows
    with a `_loaded_at`. -#}
{% macro tombstones(affected, key_columns) -%}
{%- if is_incremental() and execute -%}
union all
select
{%- for c in adapter.get_columns_in_relation(this) %}
    {% if c.name in key_columns %}t.{{ adapter.quote(c.name) }}{% else %}null{% endif %} as {{ adapter.quote(c.name) }}{{ ',' if not loop.last }}
{%- endfor %}
from {{ affected }} as t
{%- endif -%}
{%- endmacro %}

{#- A small table computed whole on every build: `relation` is its new content (no
    `_loaded_at`); a row whose content is the same as in the previous build keeps its stamp,
    a new or changed row gets this build's. Downstream models then see only real changes.
    `recomputed_only`: `relation` holds only the keys computed again (a replace_keys model
    that recomputes more rows than change), and only those rows of the model are compared. -#}
{% macro content_stamped(relation, key_columns, recomputed_only=false) -%}
{%- if is_incremental() and execute -%}
{%- set cols = adapter.get_columns_in_relation(this) | map(attribute='name') | reject('equalto', '_loaded_at') | list -%}
select
    n.*,
    case when o.content = {{ row_fingerprint(cols, 'n') }} then o._loaded_at else {{ build_stamp() }} end as _loaded_at
from {{ relation }} as n
left join (
    select {% for k in key_columns %}{{ k }}, {% endfor %}_loaded_at, {{ row_fingerprint(cols, 'p') }} as content
    from {{ this }} as p
    {%- if recomputed_only %}
    where ({{ key_columns | join(', ') }}) in (select {{ key_columns | join(', ') }} from {{ relation }})
    {%- endif %}
) as o on {% for k in key_columns %}o.{{ k }} is not distinct from n.{{ k }}{{ ' and ' if not loop.last }}{% endfor %}
{%- else -%}
select n.*, {{ build_stamp() }} as _loaded_at from {{ relation }} as n
{%- endif -%}
{%- endmacro %}

{#- The content of a row (its `columns`) as one comparable text. -#}
{% macro row_fingerprint(columns, alias) -%}{{ return(adapter.dispatch('row_fingerprint', 'kaifeng_govhub')(columns, alias)) }}{%- endmacro %}
{% macro default__row_fingerprint(columns, alias) -%}
md5(to_json(struct_pack({% for c in columns %}{{ adapter.quote(c) }} := {{ alias }}.{{ adapter.quote(c) }}{{ ', ' if not loop.last }}{% endfor %})))
{%- endmacro %}
{% macro spark__row_fingerprint(columns, alias) -%}
md5(to_json(named_struct({% for c in columns %}'{{ c }}', {{ alias }}.{{ adapter.quote(c) }}{{ ', ' if not loop.last }}{% endfor %})))
{%- endmacro %}

{#- --- the raw lake --------------------------------------------------------------------- -#}

{#- The commit log of a landed entity (connectors/common/lake.py; the sources
    <source>_commits): one row per commit. -#}
{% macro lake_commits(source_name, table_name) -%}
(select committed_at, load_id, lake_partition, row_count from {{ source(source_name ~ '_commits', table_name) }}
 where unreadable_file is null)
{%- endmacro %}

{#- The files of a raw entity set aside as unreadable (connectors/common/lake.py,
    Lake.set_aside_unreadable): one row per file, with the rows its commit counted for it,
    why it could not be read, and when it was set aside. -#}
{% macro lake_unreadable_files(source_name, table_name) -%}
(select committed_at, load_id, lake_partition, unreadable_file, unreadable_rows, unreadable_error
 from {{ source(source_name ~ '_commits', table_name) }}
 where unreadable_file is not null)
{%- endmacro %}

{#- Every landed row of a raw entity with the file and place it came from (`_file`, `_row`). -#}
{% macro lake_files(source_name, table_name) -%}{{ return(adapter.dispatch('lake_files', 'kaifeng_govhub')(source_name, table_name)) }}{%- endmacro %}
{% macro default__lake_files(source_name, table_name) -%}
(select * exclude (filename, file_row_number), parse_filename(filename) as _file, file_row_number as _row
 from {{ source(source_name, table_name) }})
{%- endmacro %}
{% macro spark__lake_files(source_name, table_name) -%}
(select *, _metadata.file_name as _file, _metadata.row_index as _row from {{ source(source_name, table_name) }})
{%- endmacro %}

{#- The committed landings of a raw entity, with their commit time (`_committed_at`): all of
    them on a build from scratch; in an incremental build, those not yet in
    `watermark_relation` (default: the model itself; `watermark_filter` picks the entity's
    rows there). The log is read from a little before the newest commit held (a commit
    written while the log was being read is not missed) and what is held already is left
    out. The lake days of the new commits are named as constants, so both engines read only
    their folders. -#}
{% macro lake_rows(source_name, table_name, watermark_relation=none, watermark_filter='true') -%}
{%- set commits = lake_commits(source_name, table_name) -%}
{%- if is_incremental() -%}
{%- set held = watermark_relation or this -%}
{%- set since -%}
(select coalesce(max(_committed_at), {{ epoch_instant() }}) - interval 10 minute from {{ held }} where {{ watermark_filter }})
{%- endset -%}
{%- set new_commits -%}
select c.load_id, c.lake_partition, c.committed_at from {{ commits }} as c
where c.row_count > 0 and c.committed_at > {{ since }}
  and (c.load_id, c.lake_partition) not in (
      select load_id, lake_partition from {{ held }} where {{ watermark_filter }} and _committed_at > {{ since }})
{%- endset -%}
{%- set days = [] -%}
{%- if execute -%}
{%- set days = run_query('select distinct lake_partition from (' ~ new_commits ~ ') as n').columns[0].values() | list -%}
{%- endif -%}
select r.*, c.committed_at as _committed_at
from (
    select * from {{ lake_files(source_name, table_name) }} as f
    where lake_partition in ({% for d in days %}'{{ d }}'{{ ', ' if not loop.last }}{% else %}null{% endfor %})
) as r
join ({{ new_commits }}) as c on c.load_id = r.load_id and c.lake_partition = r.lake_partition
{%- else -%}
select r.*, c.committed_at as _committed_at
from {{ lake_files(source_name, table_name) }} as r
join {{ commits }} as c on c.load_id = r.load_id and c.lake_partition = r.lake_partition
{%- endif -%}
{%- endmacro %}

{#- --- strategies --------------------------------------------------------------------------- -#}

{#- replace_keys: delete the keys the new rows name (tombstones included), insert the rows.
    replace_all: the table's whole content replaced by the new rows. In one transaction. -#}
{% macro get_incremental_replace_keys_sql(arg_dict) -%}
{%- set keys = [arg_dict['unique_key']] if arg_dict['unique_key'] is string else arg_dict['unique_key'] -%}
{%- set cols = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
delete from {{ arg_dict['target_relation'] }}
where ({{ keys | join(', ') }}) in (select {{ keys | join(', ') }} from {{ arg_dict['temp_relation'] }});
insert into {{ arg_dict['target_relation'] }} ({{ cols }})
select {{ cols }} from {{ arg_dict['temp_relation'] }} where _loaded_at is not null
{%- endmacro %}

{% macro get_incremental_replace_all_sql(arg_dict) -%}
{%- set cols = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
delete from {{ arg_dict['target_relation'] }};
insert into {{ arg_dict['target_relation'] }} ({{ cols }})
select {{ cols }} from {{ arg_dict['temp_relation'] }} where _loaded_at is not null
{%- endmacro %}

{#- Spark (dbt-spark, Parquet tables: no row-level delete): the project's incremental models
    use append, replace_keys or replace_all. The last two write the table's new content into
    a stage table (the rows of the keys not replaced, then the new rows) and put it in place
    with INSERT OVERWRITE. These two macros take the place of dbt-spark's own check and
    dispatch of strategies, for the strategies this project uses. -#}
{% macro dbt_spark_validate_get_incremental_strategy(raw_strategy, file_format) %}
{%- if raw_strategy not in ['append', 'replace_keys', 'replace_all'] -%}
{{ exceptions.raise_compiler_error('this project builds incremental models on Spark with append, replace_keys or replace_all, not ' ~ raw_strategy) }}
{%- endif -%}
{% do return(raw_strategy) %}
{% endmacro %}

{% macro dbt_spark_get_incremental_sql(strategy, source, target, existing, unique_key, incremental_predicates) %}
{%- set cols = adapter.get_columns_in_relation(target) | map(attribute='quoted') | join(', ') -%}
{%- if strategy == 'append' -%}
insert into table {{ target }} select {{ cols }} from {{ source }}
{%- else -%}
{%- set stage = target.incorporate(path={"identifier": target.identifier ~ '__stage'}) -%}
{%- set keys = [unique_key] if unique_key is string else unique_key -%}
{% do run_query('drop table if exists ' ~ stage) %}
{%- set kept -%}
{%- if strategy == 'replace_keys' -%}
select {{ cols }} from {{ target }} as t
left anti join (select distinct {{ keys | join(', ') }} from {{ source }}) as k
    on {% for k in keys %}k.{{ k }} <=> t.{{ k }}{{ ' and ' if not loop.last }}{% endfor %}
union all
{% endif -%}
select {{ cols }} from {{ source }} where _loaded_at is not null
{%- endset -%}
{% do run_query('create table ' ~ stage ~ ' using parquet as ' ~ kept) %}
insert overwrite table {{ target }} select {{ cols }} from {{ stage }}
{%- endif -%}
{% endmacro %}

{#- post-hook: the stage table Spark's strategies leave (none on DuckDB). -#}
{% macro drop_stage() -%}
{%- if target.type == 'spark' and model.config.materialized == 'incremental' -%}
drop table if exists {{ this.incorporate(path={"identifier": this.identifier ~ '__stage'}) }}
{%- endif -%}
{%- endmacro %}

{#- --- when to build from scratch ------------------------------------------------------------ -#}

{#- What the model is computed from: its own code and that of every model, snapshot and seed
    upstream of it (seeds by their data). -#}
{% macro model_fingerprint(node=none) -%}
{%- set node = node or model -%}
{%- set seen = [] -%}
{%- set parts = [] -%}
{%- set stack = [node.unique_id] -%}
{%- for _ in range(1000) if stack -%}
{%- set uid = stack.pop() -%}
{%- if uid not in seen and uid in graph.nodes -%}
{%- do seen.append(uid) -%}
{%- set n = graph.nodes[uid] -%}
{%- do parts.append(uid ~ '=' ~ n.checksum.checksum) -%}
{%- do stack.extend(n.depends_on.nodes) -%}
{%- endif -%}
{%- endfor -%}
{{ return(local_md5(parts | sort | join(';'))) }}
{%- endmacro %}

{#- post-hook: the fingerprint the incremental model was built with (meta.model_state, one
    row per model: a partition per model on Spark, which cannot delete rows). -#}
{% macro record_model_state() -%}
{%- if model.config.materialized == 'incremental' and execute -%}
{%- if target.type == 'spark' -%}
insert overwrite table meta.model_state partition (model = '{{ this }}') select '{{ model_fingerprint() }}', unix_micros(current_timestamp())
{%- else -%}
delete from meta.model_state where model = '{{ this }}';
insert into meta.model_state values ('{{ model_fingerprint() }}', epoch_us(now()), '{{ this }}')
{%- endif -%}
{%- endif -%}
{%- endmacro %}

{#- dbt's own test of a full refresh (the --full-refresh flag, or the model's full_refresh
    config), and: an incremental model is built from scratch when its fingerprint differs
    from the one it was last built with, or it has none (built before this mechanism). -#}
{% macro should_full_refresh() %}
{%- set config_full_refresh = config.get('full_refresh') -%}
{%- if config_full_refresh is none -%}{%- set config_full_refresh = flags.FULL_REFRESH -%}{%- endif -%}
{%- if config_full_refresh -%}{% do return(true) %}{%- endif -%}
{%- if execute and model.config.materialized == 'incremental' -%}
{#- asked many times while a model builds: the answer is kept on the model's node -#}
{%- if '_govhub_rebuild' not in model -%}
{%- set meta_relation = adapter.get_relation(database=none if target.type == 'spark' else target.database, schema='meta', identifier='model_state') -%}
{%- set stored = none -%}
{%- if meta_relation is not none -%}
{%- set stored = run_query("select max(fingerprint) from meta.model_state where model = '" ~ this ~ "'").columns[0].values()[0] -%}
{%- endif -%}
{%- do model.update({'_govhub_rebuild': stored != model_fingerprint()}) -%}
{%- endif -%}
{% do return(model['_govhub_rebuild']) %}
{%- endif -%}
{% do return(false) %}
{% endmacro %}

{#- A filter keeping the rows whose `column` is among the keys of `affected` in an
    incremental build (every row on a build from scratch). -#}
{% macro among(column, affected, affected_column=none) -%}
{%- if is_incremental() -%}({{ column }}) in (select {{ affected_column or column.split('.')[-1] }} from {{ affected }}){%- else -%}true{%- endif -%}
{%- endmacro %}

{#- --- aggregates by period ----------------------------------------------------------------- -#}

{#- A model that sums its inputs by period (a month, a year) names them in its config,
    meta.period_inputs: [{'model': ..., 'period': <SQL expression of the period>}]. The
    periods it computes again: those of input rows changed since its last build, and those
    whose number of input rows changed since then (a row deleted, or moved to another
    period, leaves no changed row behind in the period it left). The counts are kept in
    meta.period_counts by the post-hook record_period_counts. -#}
{% macro changed_periods() -%}
{%- set inputs = config.get('meta')['period_inputs'] -%}
select distinct period from (
    {%- for i in inputs %}
    select cast({{ i.period }} as string) as period from {{ ref(i.model) }} where {{ since_last_build() }}
    union all
    {%- endfor %}
    select coalesce(n.period, o.period) as period
    from ({{ _period_counts(inputs) }}) as n
    full join (
        select input, period, row_count from meta.period_counts where model = '{{ this }}'
    ) as o on o.input = n.input and o.period = n.period
    where n.row_count is null or o.row_count is null or n.row_count <> o.row_count
) as p
where period is not null
{%- endmacro %}

{% macro _period_counts(inputs) -%}
{%- for i in inputs %}
select '{{ loop.index }}:{{ i.model }}' as input, cast({{ i.period }} as string) as period, count(*) as row_count
from {{ ref(i.model) }}
where {{ i.period }} is not null
group by {{ i.period }}
{% if not loop.last %}union all{% endif %}
{%- endfor %}
{%- endmacro %}

{#- post-hook of such a model: its inputs' rows per period, as it was built from them. -#}
{% macro record_period_counts() -%}
{%- if execute -%}
{%- set inputs = model.config.meta.period_inputs -%}
{%- if target.type == 'spark' -%}
insert overwrite table meta.period_counts partition (model = '{{ this }}')
select input, period, row_count from ({{ _period_counts(inputs) }}) as c
{%- else -%}
delete from meta.period_counts where model = '{{ this }}';
insert into meta.period_counts (input, period, row_count, model)
select input, period, row_count, '{{ this }}' from ({{ _period_counts(inputs) }}) as c
{%- endif -%}
{%- endif -%}
{%- endmacro %}
