"""When each source is pulled (the warehouse's cadence is in near_real_time.py).

- Near real time: today's Smart City events and Sharp Eyes alarms are pulled by the
  near_real_time run (orchestration/near_real_time.py), with the warehouse models they feed.
  The events jobs below land whole days (a backfill, or a day re-read): each run picks up
  only what changed since the last one (Smart City resumes from the day's cursor minus the
  overlap; Sharp Eyes re-reads its lookback window, the API selecting by start time only).
- Daily at 01:30: yesterday's Smart Parking partition, the civil-affairs month that
  contains yesterday (its open month resumes from the cursor), and at 01:00 fresh
  snapshots of the reference lists. Petitions run when the inbox sensor sees a file.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from dagster import RunRequest, ScheduleDefinition, ScheduleEvaluationContext, schedule

from sandbox.clock import SHANGHAI

TZ = "Asia/Shanghai"


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


schedules = [
    daily("smart_parking_events"),
    daily("civil_affairs_events", monthly=True),
    *[
        ScheduleDefinition(
            name=f"{job}_daily",
            job_name=job,
            cron_schedule="0 1 * * *",
            execution_timezone=TZ,
            description=f"Fresh snapshot of {job}, daily at 01:00.",
        )
        for job in ("smart_city_reference", "sharp_eyes_reference", "smart_parking_reference")
    ],
]
