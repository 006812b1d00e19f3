-- Each application in its latest state; soft-deleted applications are left out.
with latest as (
    {{ latest_per_key(ref('stg_civil_affairs__applications'), 'application_id', 'updated_at desc, fetched_at desc, load_id desc') }}
)

select a.*, h.grid_code
from latest as a
left join {{ ref('int_civil_affairs__households') }} as h on h.household_id = a.household_id
where not a.is_deleted
