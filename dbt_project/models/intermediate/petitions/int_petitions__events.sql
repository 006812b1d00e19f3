-- Petition cases in the common event shape, placed in the grid the export states. The
-- category is the petition system's own, typed through the mapping seed (an unmapped
-- category keeps its code and a null event_type_code). A case is as recent as the export
-- its version came in (00:00 of the file's day): the exports carry no change times, and
-- when a file happened to be read says nothing about the case. A view over the cases.
{{ config(materialized='view') }}
select
    'petitions' as source_system,
    c.case_id as source_record_id,
    c.category as source_event_code,
    m.event_type_code,
    {{ local_wall_to_instant('cast(c.registered_on as timestamp)') }} as reported_at,
    'petition_' || coalesce(c.source_form, 'unknown') as reporter_type,
    cast(null as string) as reporter_staff_id,
    cast(null as double) as source_longitude,
    cast(null as double) as source_latitude,
    cast(null as string) as source_crs,
    c.grid_code as reported_grid_code,
    case when c.replied_on is not null then 'closed' else 'open' end as status,
    case when c.review_replied_on is not null then 'review_replied'
         when c.replied_on is not null then 'replied' else 'handling' end as current_state,
    cast(null as string) as source_state,
    c.handling_unit as department_code,
    {{ local_wall_to_instant('cast(c.handling_due_on + 1 as timestamp)') }} as due_at,
    {{ local_wall_to_instant('cast(c.replied_on as timestamp)') }} as closed_at,
    false as self_resolved,
    cast(null as integer) as township_evaluation,
    cast(null as string) as related_alarm_id,
    {{ local_to_instant(format_time(
        parse_time("split_part(c.version_stamp, '#', 1)", '%Y%m%d'), '%Y-%m-%d %H:%M:%S'
    )) }} as updated_at,
    c.load_id,
    false as is_deleted,
    c._loaded_at
from {{ ref('int_petitions__cases') }} as c
left join {{ ref('map_petitions__categories') }} as m on c.category = m.source_category
