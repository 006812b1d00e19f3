"""The alerts' Dagster definitions: the run-failure and check-failure sensors."""

from dagster import Definitions

from orchestration.alerts.sensors import alert_on_check_failure, alert_on_run_failure

defs = Definitions(sensors=[alert_on_run_failure, alert_on_check_failure])
