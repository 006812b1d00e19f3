{#- Quarantine: every landed raw row ends in exactly one place, a conformed row or a
    quarantine row naming the rule it broke.

    Each raw entity has a base model (models/staging/<source>/base/base_<source>__<entity>)
    holding every landed row, typed, with four check columns:
      _record_id          the record's key, or where the key is missing its place in the load
      _landing_rank       1 for the first landing of a record version, 2.. for re-landings
      _quarantine_reason  null, or the first rule the row breaks (machine-readable)
      _quarantine_field   the source field holding the offending value
      _offending_value    the value as text (personal data never reaches raw unmasked)
    The stg_ model over it keeps the conformed versions (accepted_versions); the quarantine
    schema gathers the rest (quarantine_records) and proves the balance (row_accounting). -#}

{#- The rules every landed entity is checked by, in the order they are reported. -#}
{% macro quarantine_reasons() -%}
{{ return({
    'missing_record_key': 'the record has no source key',
    'conflicting_keys': 'the record names one field twice with different values: which one the source meant is unknown',
    'conflicting_duplicate': 'the same key and version was landed earlier with different content',
    'missing_required_field': 'a field the record cannot do without is empty',
    'wrong_type': 'a value is not of the type its field holds',
    'unparseable_time': 'a time or date is in no form the source is known to use',
    'impossible_date': 'a time or date has a known form but names no real moment',
    'unknown_code': 'a coded field holds a value outside its code set',
    'out_of_range': 'a number is outside the range its field allows',
    'outside_kaifeng': 'the coordinates lie outside the Kaifeng outline (with a 500 m margin)',
    'invalid_id_check_digit': 'a resident ID number fails its GB 11643 check digit',
    'malformed_id_number': 'a resident ID number has neither the 18- nor the 15-digit form',
    'unreadable_file': 'a file refused as a whole: an export file empty, in another encoding, not a workbook, without a header or a required column; or a lake file that can no longer be read',
}) }}
{%- endmacro %}

{#- Every committed landed row of a raw entity (lake_rows: in an incremental build, those
    committed since the model's last build) with its landing rank within its record version.
    `version_by`: what tells versions of one key apart ('record_updated_at' where the source
    stamps updates, 'payload' where a changed content is the new version, or both). Landings
    are ranked in commit order (then file and row), so a version landed again later is
    never ranked first; in an incremental build the rank goes on from the landings of the
    version already held. With `detect_conflicts`, a landing whose content differs from
    the version's first is a conflict; with `snapshot` (whole lists landed per load), a key
    listed twice with different content in one load is. -#}
{% macro landed_rows(source_name, table_name, version_by='record_updated_at', detect_conflicts=false, snapshot=false) -%}
{%- set version = {
    'record_updated_at': 'record_updated_at',
    'payload': '_payload_hash',
    'record_updated_at, payload': "concat(coalesce(record_updated_at, ''), '#', _payload_hash)",
}[version_by] -%}
{%- set window = 'partition by record_key, _version order by _committed_at, load_id, _file, _row' -%}
with hashed as (
    select *, {{ payload_hash('payload') }} as _payload_hash
    from ({{ lake_rows(source_name, table_name) }}) as r
),

versioned as (
    select
        *,
        {{ version }} as _version
    from hashed
),

ranked as (
    select
        *,
        row_number() over ({{ window }}) as _rank_in_build,
        first_value(_payload_hash) over ({{ window }}) as _first_payload_hash,
        min(_payload_hash) over (partition by record_key, load_id) <> max(_payload_hash) over (partition by record_key, load_id) as _list_conflict
    from versioned
){%- if is_incremental() %},

-- the landings of these versions already held: the rank goes on from them
earlier as (
    select
        _record_key,
        _version,
        count(*) as landings,
        max(case when _landing_rank = 1 then _payload_hash end) as first_payload_hash
    from {{ this }}
    where _record_key in (select record_key from versioned)
    group by _record_key, _version
){%- endif %}

select
    v.{{ star_except(['_rank_in_build', '_first_payload_hash', '_list_conflict']) }},
    {%- if is_incremental() %}
    cast(coalesce(e.landings, 0) + v._rank_in_build as bigint) as _landing_rank,
    {%- else %}
    cast(v._rank_in_build as bigint) as _landing_rank,
    {%- endif %}
    {%- if detect_conflicts %}
    v._payload_hash <> {% if is_incremental() %}coalesce(e.first_payload_hash, v._first_payload_hash){% else %}v._first_payload_hash{% endif %} as _conflicts,
    {%- elif snapshot %}
    v._list_conflict as _conflicts,
    {%- else %}
    false as _conflicts,
    {%- endif %}
    v.record_key as _record_key,
    {{ conflicting_keys('v.payload') }} as _conflicting_keys
from ranked as v
{%- if is_incremental() %}
left join earlier as e on e._record_key is not distinct from v.record_key and e._version is not distinct from v._version
{%- endif %}
{%- endmacro %}

{#- The field names a payload's objects named twice with different values, as the connector
    listed them on decoding (connectors/common/http.py, `_conflicting_keys`, at any depth:
    the first list found), e.g. `"lat"`; null when there are none. The marker is found as
    text: a key and its colon cannot occur unescaped inside a JSON string. -#}
{% macro conflicting_keys(payload) -%}
case when instr({{ payload }}, '"_conflicting_keys":[') > 0
     then split_part(split_part({{ payload }}, '"_conflicting_keys":[', 2), ']', 1) end
{%- endmacro %}

{#- A short fingerprint of a payload (the first 16 hex digits of its MD5): versions of a list
    and conflicting duplicates are told apart by it, without carrying the payload. -#}
{% macro payload_hash(column) -%}left(md5({{ column }}), 16){%- endmacro %}

{#- The check columns from a list of rules (built with the check_* macros below); the first
    rule a row breaks is the one reported. Key and conflict rules come first. `record_id`:
    what identifies a row without a key (default: its load); `key_field`: the source's name
    for the key. -#}
{% macro quarantine_columns(checks, record_id=none, key_field='record_key') -%}
{%- set all_checks = [
    {'when': '_record_key is null', 'reason': 'missing_record_key', 'field': key_field, 'value': 'null'},
    {'when': '_conflicting_keys is not null', 'reason': 'conflicting_keys', 'field': 'payload', 'value': '_conflicting_keys'},
    {'when': '_conflicts', 'reason': 'conflicting_duplicate', 'field': 'payload', 'value': '_record_key'},
] + checks -%}
{%- set known = quarantine_reasons() -%}
{%- for c in all_checks %}{% if c.reason not in known %}{{ exceptions.raise_compiler_error('unknown quarantine reason ' ~ c.reason) }}{% endif %}{% endfor -%}
coalesce(_record_key, {{ record_id or "'load:' || load_id" }}) as _record_id,
case {% for c in all_checks %}when {{ c.when }} then '{{ c.reason }}' {% endfor %}end as _quarantine_reason,
case {% for c in all_checks %}when {{ c.when }} then '{{ c.field }}' {% endfor %}end as _quarantine_field,
case {% for c in all_checks %}when {{ c.when }} then cast({{ c.value }} as string) {% endfor %}end as _offending_value
{%- endmacro %}

{#- A field the record cannot do without. -#}
{% macro check_required(expr, field) -%}
{{ return({'when': 'nullif(trim(cast(' ~ expr ~ ' as string)), \'\') is null', 'reason': 'missing_required_field', 'field': field, 'value': 'null'}) }}
{%- endmacro %}

{#- A present value whose typed form (`typed`) came out empty. -#}
{% macro check_type(text, typed, field) -%}
{{ return({'when': 'nullif(trim(' ~ text ~ '), \'\') is not null and ' ~ typed ~ ' is null', 'reason': 'wrong_type', 'field': field, 'value': text}) }}
{%- endmacro %}

{#- A coordinate text (`text`) whose degrees (`typed`, from json_degrees) came out empty: out
    of range when it is a number (NaN and ±Infinity included), else the wrong type. Returns
    two rules. -#}
{% macro check_degrees(text, typed, field) -%}
{{ return([
    {'when': 'try_cast(trim(' ~ text ~ ') as double) is not null and ' ~ typed ~ ' is null', 'reason': 'out_of_range', 'field': field, 'value': text},
    check_type(text, typed, field),
]) }}
{%- endmacro %}

{#- A present time/date text (`text`) whose parsed form (`parsed`) came out empty: an
    impossible date when it has the shape of a known form, else unparseable; and a parsed
    time no record of this platform can have: before 1949-10-01, or (unless `future` is
    false: an end of validity may lie years ahead) more than a year after the build's day.
    Returns three rules. -#}
{% macro check_time(text, parsed, field, future=true) -%}
{%- set present = 'nullif(trim(' ~ text ~ '), \'\') is not null and ' ~ parsed ~ ' is null' -%}
{%- set shaped = regex_search('trim(' ~ text ~ ')', '^\\d{4}[-/年]\\d{1,2}[-/月]\\d{1,2}') -%}
{%- set implausible = 'cast(' ~ parsed ~ ' as date) < cast(\'1949-10-01\' as date)' -%}
{%- if future -%}
{%- set implausible = implausible ~ ' or cast(' ~ parsed ~ ' as date) > ' ~ as_of_date(366) -%}
{%- endif -%}
{{ return([
    {'when': present ~ ' and ' ~ shaped, 'reason': 'impossible_date', 'field': field, 'value': text},
    {'when': present, 'reason': 'unparseable_time', 'field': field, 'value': text},
    {'when': '(' ~ implausible ~ ')', 'reason': 'out_of_range', 'field': field, 'value': text},
]) }}
{%- endmacro %}

{#- A coded field whose value, when present, must be one of `codes`. -#}
{% macro check_code(expr, codes, field) -%}
{%- set quoted = [] -%}{%- for c in codes %}{% do quoted.append("'" ~ c ~ "'") %}{% endfor -%}
{{ return({'when': 'cast(' ~ expr ~ ' as string) not in (' ~ quoted | join(', ') ~ ')', 'reason': 'unknown_code', 'field': field, 'value': expr}) }}
{%- endmacro %}

{#- A number, when present, within [lo, hi] (either bound may be none). -#}
{% macro check_range(expr, field, lo=none, hi=none) -%}
{%- set parts = [] -%}
{%- if lo is not none %}{% do parts.append(expr ~ ' < ' ~ lo) %}{% endif -%}
{%- if hi is not none %}{% do parts.append(expr ~ ' > ' ~ hi) %}{% endif -%}
{{ return({'when': '(' ~ parts | join(' or ') ~ ')', 'reason': 'out_of_range', 'field': field, 'value': expr}) }}
{%- endmacro %}

{#- The ID-number check the connector recorded before pseudonymizing (valid / legacy_15 /
    bad_check_digit / malformed); the masked form is the offending value. Returns two rules. -#}
{% macro check_id_number(check_expr, masked_expr, field) -%}
{{ return([
    {'when': check_expr ~ " = 'bad_check_digit'", 'reason': 'invalid_id_check_digit', 'field': field, 'value': masked_expr},
    {'when': check_expr ~ " = 'malformed'", 'reason': 'malformed_id_number', 'field': field, 'value': masked_expr},
]) }}
{%- endmacro %}

{#- Coordinates, when present, inside Kaifeng (with its margin): the model must join the
    outline's cells with kaifeng_outline_join() over the same columns. -#}
{% macro check_inside_kaifeng(lon, lat, crs, field) -%}
{{ return({
    'when': lon ~ ' is not null and ' ~ lat ~ ' is not null and (' ~ to_wgs84_point(lon, lat, crs) ~ ') is not null and kaifeng_outline.cell_y is null',
    'reason': 'outside_kaifeng', 'field': field,
    'value': "concat_ws(',', cast(" ~ lon ~ " as string), cast(" ~ lat ~ " as string), " ~ crs ~ ")",
}) }}
{%- endmacro %}

{#- The outline raster's cell size (warehouse/outline_cells.py CELL_DEGREES). -#}
{% macro outline_cell_degrees() -%}0.001{%- endmacro %}

{#- The raster cell run of the widened outline (stg_reference__kaifeng_outline) holding a
    row's point, as `kaifeng_outline`; its columns are null for a point outside. -#}
{% macro kaifeng_outline_join(lon='source_longitude', lat='source_latitude', crs='source_crs') -%}
{%- set point = to_wgs84_point(lon, lat, crs) -%}
left join {{ ref('stg_reference__kaifeng_outline') }} as kaifeng_outline
    on kaifeng_outline.cell_y = {{ cell_of(list_at(point, 2), outline_cell_degrees()) }}
   and {{ cell_of(list_at(point, 1), outline_cell_degrees()) }} between kaifeng_outline.cell_x_from and kaifeng_outline.cell_x_to
{%- endmacro %}

{#- The conformed versions of a base model: first landings of rows that broke no rule,
    without the check columns. -#}
{% macro accepted_versions(base) -%}{{ return(adapter.dispatch('accepted_versions', 'kaifeng_govhub')(base)) }}{%- endmacro %}
{% macro default__accepted_versions(base) -%}
select columns(c -> not starts_with(c, '_') or c = '_loaded_at')
from {{ base }}
where _quarantine_reason is null and _landing_rank = 1
{%- endmacro %}
{% macro spark__accepted_versions(base) -%}
{%- set names = [] -%}
{%- if execute -%}
{%- for c in adapter.get_columns_in_relation(base) if not c.name.startswith('_') or c.name == '_loaded_at' %}{% do names.append('`' ~ c.name ~ '`') %}{% endfor -%}
{%- endif -%}
select {{ names | join(', ') if names else '*' }}
from {{ base }}
where _quarantine_reason is null and _landing_rank = 1
{%- endmacro %}

{#- Every landed entity: source, entity, base model and stg model. The quarantine and the
    row accounting are built from this list; a new entity is added here. -#}
{% macro landed_entities() -%}
{{ return([
    {'source': 'smart_city', 'entity': 'service_requests', 'stg': 'stg_smart_city__service_requests'},
    {'source': 'smart_city', 'entity': 'services', 'stg': 'stg_smart_city__services'},
    {'source': 'smart_city', 'entity': 'grids', 'stg': 'stg_smart_city__grids'},
    {'source': 'smart_city', 'entity': 'staff', 'stg': 'stg_smart_city__staff'},
    {'source': 'smart_city', 'entity': 'departments', 'stg': 'stg_smart_city__departments'},
    {'source': 'sharp_eyes', 'entity': 'cameras', 'stg': 'stg_sharp_eyes__cameras'},
    {'source': 'sharp_eyes', 'entity': 'events', 'stg': 'stg_sharp_eyes__alarms'},
    {'source': 'sharp_eyes', 'entity': 'handling_records', 'stg': 'stg_sharp_eyes__alarm_handling'},
    {'source': 'smart_parking', 'entity': 'lots', 'stg': 'stg_smart_parking__lots'},
    {'source': 'smart_parking', 'entity': 'sessions', 'stg': 'stg_smart_parking__sessions'},
    {'source': 'smart_parking', 'entity': 'violations', 'stg': 'stg_smart_parking__violations'},
    {'source': 'civil_affairs', 'entity': 'households', 'stg': 'stg_civil_affairs__households'},
    {'source': 'civil_affairs', 'entity': 'recipients', 'stg': 'stg_civil_affairs__recipients'},
    {'source': 'civil_affairs', 'entity': 'payments', 'stg': 'stg_civil_affairs__payments'},
    {'source': 'civil_affairs', 'entity': 'applications', 'stg': 'stg_civil_affairs__applications'},
    {'source': 'civil_affairs', 'entity': 'visits', 'stg': 'stg_civil_affairs__visits'},
    {'source': 'petitions', 'entity': 'cases', 'stg': 'stg_petitions__cases'},
    {'source': 'petitions', 'entity': 'rejected_files', 'stg': 'stg_petitions__rejected_files'},
]) }}
{%- endmacro %}

{% macro base_model_for(stg) -%}{{ return(stg | replace('stg_', 'base_', 1)) }}{%- endmacro %}

{#- The landing's own columns every base model carries after its typed fields: the load
    that brought a row, when, its lake day, its commit, and the inputs of its checks
    (landed_rows). -#}
{% macro landing_columns() -%}
load_id, fetched_at, lake_partition, _committed_at, _record_key, _version, _payload_hash, _landing_rank, _conflicts, _conflicting_keys
{%- endmacro %}

{#- The last columns of every base model: its check columns and the build's stamp. -#}
{% macro base_columns(checks, record_id=none, key_field='record_key') -%}
{{ quarantine_columns(checks, record_id=record_id, key_field=key_field) }},
{{ build_stamp() }} as _loaded_at
{%- endmacro %}
