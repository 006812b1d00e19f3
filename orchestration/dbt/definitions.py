"""The warehouse's Dagster definitions: the dbt models with their tests and checks, the jobs
that build them (the whole warehouse hourly and after the daily landings; the near-real-time
path), and the dbt resource."""

from dagster import Definitions

from orchestration.dbt.assets import dbt_resource, warehouse_models
from orchestration.dbt.checks import checks
from orchestration.near_real_time import (
    near_real_time_job,
    near_real_time_sensor,
    warehouse_after_landing,
    warehouse_hourly,
    warehouse_job,
)
from orchestration.sources import daily_landing_jobs

defs = Definitions(
    assets=[warehouse_models],
    asset_checks=checks,
    jobs=[warehouse_job, near_real_time_job],
    schedules=[warehouse_hourly],
    sensors=[near_real_time_sensor, warehouse_after_landing(daily_landing_jobs())],
    resources={"dbt": dbt_resource()},
)
