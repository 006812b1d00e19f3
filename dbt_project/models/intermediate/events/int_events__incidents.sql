-- The same incident reported more than once (by several workers, or seen by several
-- systems) is linked, never merged away: events of the same sub-item in the same grid
-- reported within 2 hours of the incident's first report form one incident, named after
-- that first event (earliest report; ties by event id). One row per located, typed event.
--
-- Runs of reports less than 2 hours apart are found first with window functions; only
-- runs of two or more need the step-by-step walk (a report more than 2 hours after the
-- incident's first report opens a new incident even when it is close to the previous one).
-- Replaced by sub-item and grid: the pairs an event changed into or out of. An event of such
-- a pair whose incident did not change keeps its stamp, so what reads this model sees the
-- events whose incident changed, not the whole history of the pairs.
{{ config(
    tags=['near_real_time'],
    materialized='incremental',
    incremental_strategy='replace_keys',
    unique_key=['event_type_code', 'grid_code']
) }}
with changed as (
    select event_id, event_type_code, grid_code from {{ ref('int_events__located') }} where {{ since_last_build() }}
),

affected as (
    select distinct event_type_code, grid_code from changed
    where event_type_code is not null and grid_code is not null
    {%- if is_incremental() %}
    union
    select distinct event_type_code, grid_code from {{ this }}
    where event_id in (select event_id from changed)
    {%- endif %}
),

candidates as (
    select
        e.event_id,
        e.event_type_code,
        e.grid_code,
        e.reported_at,
        row_number() over w as seq,
        lag(e.reported_at) over w as previous_reported_at
    from {{ ref('int_events__located') }} as e
    {%- if is_incremental() %}
    join affected as a on a.event_type_code = e.event_type_code and a.grid_code = e.grid_code
    {%- endif %}
    where e.event_type_code is not null and e.grid_code is not null and e.reported_at is not null and not e.is_deleted
    window w as (partition by e.event_type_code, e.grid_code order by e.reported_at, e.event_id)
),

runs as (
    select
        *,
        sum(
            case
                when previous_reported_at is null or reported_at > previous_reported_at + interval 2 hour then 1
                else 0
            end
        ) over (partition by event_type_code, grid_code order by seq) as run_no
    from candidates
),

sized as (
    select
        *,
        count(*) over (partition by event_type_code, grid_code, run_no) as run_size,
        row_number() over (partition by event_type_code, grid_code, run_no order by seq) as run_seq
    from runs
),

walked as (
    with recursive walk as (
        select event_type_code, grid_code, run_no, run_seq, event_id, reported_at,
               event_id as incident_id, reported_at as incident_started_at
        from sized
        where run_size > 1 and run_seq = 1
        union all
        select
            s.event_type_code, s.grid_code, s.run_no, s.run_seq, s.event_id, s.reported_at,
            case when s.reported_at <= w.incident_started_at + interval 2 hour then w.incident_id else s.event_id end,
            case
                when s.reported_at <= w.incident_started_at + interval 2 hour then w.incident_started_at
                else s.reported_at
            end
        from walk as w
        inner join sized as s
            on w.event_type_code = s.event_type_code
           and w.grid_code = s.grid_code
           and w.run_no = s.run_no
           and s.run_seq = w.run_seq + 1
    )

select event_id, incident_id from walk
),

content as (
    select
        s.event_id,
        s.event_type_code,
        s.grid_code,
        coalesce(w.incident_id, s.event_id) as incident_id,
        coalesce(w.incident_id, s.event_id) <> s.event_id as is_repeat_report
    from sized as s
    left join walked as w on s.event_id = w.event_id
)

{{ content_stamped('content', ['event_id'], recomputed_only=true) }}
{{ tombstones('affected', ['event_type_code', 'grid_code']) }}
