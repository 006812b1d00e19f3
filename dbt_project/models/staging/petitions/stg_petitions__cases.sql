-- Petition cases, one row per version: each export file's row of a case is a version,
-- stamped <file date>#<row>, so the newest export sorts last. Dates arrive in mixed forms.
with landed as (
    {{ record_versions(source('petitions', 'cases')) }}
)

select
    record_key as case_id,
    record_updated_at as version_stamp,
    {{ json_text('payload', '$."来源形式"') }} as source_form,
    {{ json_text('payload', '$."信访人姓名_key"') }} as petitioner_name_key,
    {{ json_text('payload', '$."信访人身份证号_key"') }} as petitioner_key,
    {{ json_text('payload', '$."信访人身份证号_check"') }} as petitioner_id_check,
    {{ json_text('payload', '$."问题属地乡镇"') }} as township_name,
    {{ json_text('payload', '$."问题属地网格"') }} as grid_code,
    {{ json_text('payload', '$."问题类别"') }} as category,
    {{ json_text('payload', '$."登记日期"') }} as registered_on_text,
    {{ cn_date(json_text('payload', '$."登记日期"')) }} as registered_on,
    {{ cn_date(json_text('payload', '$."受理截止"')) }} as acceptance_due_on,
    {{ json_text('payload', '$."办理单位"') }} as handling_unit,
    {{ cn_date(json_text('payload', '$."办结期限"')) }} as handling_due_on,
    {{ json_text('payload', '$."是否延期"') }} = '是' as extended,
    {{ cn_date(json_text('payload', '$."办结日期"')) }} as closed_on,
    {{ cn_date(json_text('payload', '$."答复日期"')) }} as replied_on,
    nullif({{ json_text('payload', '$."满意度评价"') }}, '') as satisfaction,
    {{ cn_date(json_text('payload', '$."复查申请日期"')) }} as review_requested_on,
    {{ cn_date(json_text('payload', '$."复查答复日期"')) }} as review_replied_on,
    nullif({{ json_text('payload', '$."调解网格员"') }}, '') as mediator_staff_id,
    load_id,
    fetched_at,
    lake_partition
from landed
