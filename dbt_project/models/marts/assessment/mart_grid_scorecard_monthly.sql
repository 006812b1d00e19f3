-- Grids x month: events, tasks on time, alarm responses, services and disputes
-- (step_scorecards__area_months: what each figure counts); is_final once the month has ended.
select
    scorecard_month,
    grid_code,
    township_code,
    county_code,
    events_reported,
    events_closed,
    tasks_accepted,
    tasks_on_time,
    tasks_on_time::double / nullif(tasks_accepted, 0) as on_time_rate,
    alarms_pushed,
    alarms_within_30_min,
    applications_completed + home_visits as services_delivered,
    disputes_resolved,
    disputes_mediated,
    {{ month_is_final('scorecard_month') }} as is_final
from {{ ref('step_scorecards__area_months') }}
where grid_code is not null
