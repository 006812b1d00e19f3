-- Applications (a convenience service with a deadline), one row per version.
with landed as (
    {{ record_versions(source('civil_affairs', 'applications')) }}
)

select
    record_key as application_id,
    {{ local_to_instant('record_updated_at') }} as updated_at,
    {{ json_text('payload', '$.jt_id') }} as household_id,
    {{ json_text('payload', '$.sqlx') }} as application_type,
    {{ local_to_instant(json_text('payload', '$.sqsj')) }} as applied_at,
    {{ local_to_instant(json_text('payload', '$.blqx')) }} as due_at,
    {{ json_text('payload', '$.blzt') }} as status,
    {{ local_to_instant(json_text('payload', '$.bjsj')) }} as finished_at,
    {{ json_text('payload', '$.bl_bm') }} as department_code,
    {{ json_int('payload', '$.is_deleted') }} = 1 as is_deleted,
    load_id,
    fetched_at
from landed
