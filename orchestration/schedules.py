"""When sources are pulled: the schedule shapes (orchestration/sources.py gives each source the
ones its connector's cadence asks for; the warehouse's cadence is in near_real_time.py).

- NEAR_REAL_TIME sources (today's events and alarms) are pulled by the near_real_time run,
  with the warehouse models they feed. Their events jobs land whole days (a backfill, or a
  day re-read): each run picks up only what changed since the last one.
- DAILY sources: yesterday's partition (or the month that contains yesterday, whose open
  month resumes from its cursor) at 01:30.
- Whole lists: a fresh snapshot at 01:00. Files (ON_ARRIVAL) land when a sensor sees them.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from dagster import RunRequest, ScheduleEvaluationContext, schedule

from connectors.common.timezone import SHANGHAI, TZ_NAME

TZ = TZ_NAME


def _local(context: ScheduleEvaluationContext) -> datetime:
    return context.scheduled_execution_time.astimezone(SHANGHAI)


def daily(job_name: str, monthly: bool = False):
    @schedule(
        name=f"{job_name}_daily",
        job_name=job_name,
        cron_schedule="30 1 * * *",
        execution_timezone=TZ,
        description=f"Yesterday's {'month' if monthly else 'partition'} of {job_name}, daily at 01:30.",
    )
    def _schedule(context: ScheduleEvaluationContext):
        yesterday = _local(context).date() - timedelta(days=1)
        key = yesterday.replace(day=1).isoformat() if monthly else yesterday.isoformat()
        return RunRequest(run_key=f"{job_name}:{key}", partition_key=key)

    return _schedule
