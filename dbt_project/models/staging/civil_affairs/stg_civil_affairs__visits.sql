-- Home visits by grid workers, one row per version.
with landed as (
    {{ record_versions(source('civil_affairs', 'visits')) }}
)

select
    record_key as visit_id,
    {{ local_to_instant('record_updated_at') }} as updated_at,
    {{ json_text('payload', '$.jt_id') }} as household_id,
    {{ json_text('payload', '$.wgy_id') }} as staff_id,
    {{ local_to_instant(json_text('payload', '$.zfsj')) }} as visited_at,
    {{ json_text('payload', '$.zfqk') }} as findings,
    {{ json_int('payload', '$.sfyzx') }} = 1 as needs_follow_up,
    {{ json_int('payload', '$.is_deleted') }} = 1 as is_deleted,
    load_id,
    fetched_at
from landed
