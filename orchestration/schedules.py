"""When each source is pulled, and when the warehouse is rebuilt.

- Near real time, every 5 minutes: today's partition of Smart City events and of Sharp Eyes
  alarms. Each run picks up only what changed since the last one: Smart City resumes from
  the day's cursor minus the overlap; Sharp Eyes re-reads its lookback window (the API
  selects by start time only).
- The warehouse is rebuilt every 5 minutes, two minutes after the pulls.
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


def near_real_time(job_name: str):
    @schedule(
        name=f"{job_name}_near_real_time",
        job_name=job_name,
        cron_schedule="*/5 * * * *",
        execution_timezone=TZ,
        description=f"Today's partition of {job_name}, every 5 minutes.",
    )
    def _schedule(context: ScheduleEvaluationContext):
        today = _local(context).date().isoformat()
        return RunRequest(run_key=f"{job_name}:{context.scheduled_execution_time.isoformat()}", partition_key=today)

    return _schedule


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
    near_real_time("smart_city_events"),
    near_real_time("sharp_eyes_events"),
    ScheduleDefinition(
        name="warehouse_near_real_time",
        job_name="warehouse_build",
        cron_schedule="2-59/5 * * * *",
        execution_timezone=TZ,
        description="Rebuild the warehouse two minutes after each pull.",
    ),
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
