-- Every landed row of the department list, typed and checked.
with landed as (
    {{ landed_rows('smart_city', 'departments', version_by='payload', snapshot=true) }}
),

typed as (
    select
        record_key as department_code,
        {{ json_text('payload', '$.department_name') }} as department_name,
        {{ json_text('payload', '$.kind_code') }} as kind_code,
        {{ json_text('payload', '$.kind_name') }} as kind_name,
        {{ json_text('payload', '$.platform_code') }} as platform_code,
        {{ json_text('payload', '$.platform_name') }} as platform_name,
        {{ json_text('payload', '$.level') }} as department_level,
        {{ json_text('payload', '$.parent_code') }} as parent_code,
        {{ json_text('payload', '$.county_code') }} as county_code,
        {{ json_text('payload', '$.township_code') }} as township_code,
        {{ landing_columns() }}
    from landed
)

select
    typed.*,
    {{ base_columns([
        check_required('department_name', 'department_name'),
        check_required('platform_code', 'platform_code'),
    ],
        key_field='department_code',
    ) }}
from typed
