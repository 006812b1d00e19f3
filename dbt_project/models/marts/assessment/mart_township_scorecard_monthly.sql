-- Townships x month: the figures of their grids summed (step_scorecards__area_months), with the
-- grid workers' points and grades (mart_worker_points_monthly).
with areas as (
    select
        scorecard_month,
        township_code, county_code,
        {{ scorecard_sums() }}
    from {{ ref('step_scorecards__area_months') }}
    where grid_code is not null
    group by all
),

points as (
    {{ scorecard_points(['township_code', 'county_code']) }}
),

keys as (
    select scorecard_month, township_code, county_code from areas
    union
    select scorecard_month, township_code, county_code from points
)

select
    k.scorecard_month,
    k.township_code,
    k.county_code,
    {{ scorecard_figures('a', 'p') }}
from keys as k
left join areas as a
    on k.scorecard_month = a.scorecard_month
   and k.township_code is not distinct from a.township_code
   and k.county_code is not distinct from a.county_code
left join points as p
    on k.scorecard_month = p.scorecard_month
   and k.township_code is not distinct from p.township_code
   and k.county_code is not distinct from p.county_code
