-- Grid assignments of the current roster: person x role x grid with validity, unnested from
-- each person's latest roster entry.
with staff as (
    select staff_id, assignments_json
    from {{ ref('stg_smart_city__staff') }}
    where is_current
)

select
    staff.staff_id,
    {{ json_text('a.element', '$.grid_code') }} as grid_code,
    {{ json_text('a.element', '$.role') }} as role,
    try_cast({{ json_text('a.element', '$.valid_from') }} as date) as valid_from,
    try_cast({{ json_text('a.element', '$.valid_to') }} as date) as valid_to
from staff, {{ json_array_elements('staff.assignments_json', 'a') }}
