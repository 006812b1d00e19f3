-- A grid worker arrives on site after the alarm was pushed to them. A row here is an
-- arrival before its push: the response band (and rule R4's points) would be wrong.
select alarm_id, pushed_at, arrived_at
from {{ ref('fct_alarm_responses') }}
where arrived_at < pushed_at
