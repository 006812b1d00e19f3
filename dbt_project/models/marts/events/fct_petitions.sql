-- One row per petition case (latest export), with its legal deadlines and whether each was
-- met: acceptance within 15 days of registration; reply within the handling limit (60
-- days after acceptance, once extendable by up to 30, as the export states it); a review
-- (复查) requested within 30 days of the reply and answered within 30 days of the request.
-- A met/missed flag is true or false once it is decided (answered, or its limit passed as of
-- the build's day) and null while it is still open and not yet due.
-- Computed whole on each build (dozens of cases a day; the flags are as of the build's day);
-- a case keeps its stamp until it changes.
{{ config(materialized='incremental', incremental_strategy='replace_all') }}
with content as (
select
    c.case_id,
    c.source_form,
    c.petitioner_key,
    c.grid_code,
    g.township_code,
    g.county_code,
    c.category,
    c.registered_on,
    c.acceptance_due_on,
    c.handling_unit,
    c.handling_due_on,
    c.extended,
    c.closed_on,
    c.replied_on,
    case
        when c.replied_on is not null then c.replied_on <= c.handling_due_on
        when {{ as_of_date() }} > c.handling_due_on then false
    end as replied_on_time,
    coalesce(c.replied_on is null and {{ as_of_date() }} > c.handling_due_on, false) as overdue_open,
    c.satisfaction,
    c.satisfaction in ('满意', '基本满意') as satisfied,
    c.review_requested_on,
    c.review_replied_on,
    case when c.review_requested_on is not null then c.review_requested_on <= c.replied_on + 30 end
        as review_requested_in_time,
    case
        when c.review_requested_on is null then null
        when c.review_replied_on is not null then c.review_replied_on <= c.review_requested_on + 30
        when {{ as_of_date() }} > c.review_requested_on + 30 then false
    end as review_replied_on_time,
    c.mediator_staff_id,
    mg.grid_code as mediator_grid_code,
    c.petitioner_id_check
from {{ ref('int_petitions__cases') }} as c
left join {{ ref('dim_grid') }} as g on c.grid_code = g.grid_code and {{ valid_on('g', 'c.registered_on') }}
{{ staff_grid_join(ref('int_petitions__cases'), 'c', 'c.mediator_staff_id', 'c.registered_on', 'mg') }}
)

{{ content_stamped('content', ['case_id']) }}
