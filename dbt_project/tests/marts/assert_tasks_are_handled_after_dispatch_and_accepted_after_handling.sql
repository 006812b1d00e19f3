-- A department handles a task after it was dispatched, and the grid leader accepts it only
-- after it was handled. A row here is a task whose times run backwards: the lifecycle was
-- read out of order, or a source sent a wrong time; its on-time and completion figures in
-- the department assessment would be wrong.
select task_id, source_system, dispatched_at, first_handled_at, last_handled_at, accepted_at
from {{ ref('fct_dispatch_tasks') }}
where first_handled_at < dispatched_at
   or accepted_at < last_handled_at
