-- Every landed row of petition cases, typed and checked: each export file's row of a case
-- is a version, stamped <file date>#<row>, so the newest export sorts last; a file
-- re-exported under the same name is read again and its rows are newer landings. Dates
-- arrive in mixed forms. A row without a case number is identified by file and row.
{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='fail') }}
with landed as (
    {{ landed_rows('petitions', 'cases', version_by='record_updated_at, payload') }}
),

typed as (
    {% call(doc) json_select('landed', 'payload') %}
        record_key as case_id,
        record_updated_at as version_stamp,
        {{ json_text(doc, '$."来源形式"') }} as source_form,
        {{ json_text(doc, '$."信访人姓名_key"') }} as petitioner_name_key,
        {{ json_text(doc, '$."信访人身份证号_key"') }} as petitioner_key,
        {{ json_text(doc, '$."信访人身份证号_check"') }} as petitioner_id_check,
        {{ json_text(doc, '$."信访人身份证号_masked"') }} as _petitioner_id_masked,
        {{ json_text(doc, '$."问题属地乡镇"') }} as township_name,
        {{ json_text(doc, '$."问题属地网格"') }} as grid_code,
        {{ json_text(doc, '$."问题类别"') }} as category,
        {{ json_text(doc, '$."登记日期"') }} as registered_on_text,
        {{ cn_date(json_text(doc, '$."登记日期"')) }} as registered_on,
        {{ cn_date(json_text(doc, '$."受理截止"')) }} as acceptance_due_on,
        {{ json_text(doc, '$."办理单位"') }} as handling_unit,
        {{ cn_date(json_text(doc, '$."办结期限"')) }} as handling_due_on,
        {{ json_text(doc, '$."是否延期"') }} = '是' as extended,
        {{ cn_date(json_text(doc, '$."办结日期"')) }} as closed_on,
        {{ cn_date(json_text(doc, '$."答复日期"')) }} as replied_on,
        nullif({{ json_text(doc, '$."满意度评价"') }}, '') as satisfaction,
        {{ cn_date(json_text(doc, '$."复查申请日期"')) }} as review_requested_on,
        {{ cn_date(json_text(doc, '$."复查答复日期"')) }} as review_replied_on,
        nullif({{ json_text(doc, '$."调解网格员"') }}, '') as mediator_staff_id,
        {{ json_text(doc, '$."受理截止"') }} as _acceptance_due_text,
        {{ json_text(doc, '$."办结期限"') }} as _handling_due_text,
        {{ json_text(doc, '$."办结日期"') }} as _closed_text,
        {{ json_text(doc, '$."答复日期"') }} as _replied_text,
        {{ json_text(doc, '$."复查申请日期"') }} as _review_requested_text,
        {{ json_text(doc, '$."复查答复日期"') }} as _review_replied_text,
        {{ json_text('source_cursor', '$.file') }} || '#' || split_part(record_updated_at, '#', 2) as _locator,
        {{ landing_columns() }}
    {% endcall %}
)

select
    typed.*,
    {{ base_columns(
        [check_required('registered_on_text', '登记日期'), check_required('source_form', '来源形式')]
        + check_time('registered_on_text', 'registered_on', '登记日期')
        + check_time('_acceptance_due_text', 'acceptance_due_on', '受理截止')
        + check_time('_handling_due_text', 'handling_due_on', '办结期限')
        + check_time('_closed_text', 'closed_on', '办结日期')
        + check_time('_replied_text', 'replied_on', '答复日期')
        + check_time('_review_requested_text', 'review_requested_on', '复查申请日期')
        + check_time('_review_replied_text', 'review_replied_on', '复查答复日期')
        + [
            check_code('source_form', ['来信', '来访', '网上', '电话'], '来源形式'),
            check_code('satisfaction', ['满意', '基本满意', '不满意'], '满意度评价'),
        ]
        + check_id_number('petitioner_id_check', '_petitioner_id_masked', '信访人身份证号'),
        record_id='_locator',
        key_field='信访件编号'
    ) }}
from typed
