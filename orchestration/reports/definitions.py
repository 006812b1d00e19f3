"""The reports' Dagster definitions: the monthly scorecard (written by the points job when a
month closes) and the annual department assessment, with its job and yearly schedule."""

from dagster import Definitions

from orchestration.reports.annual import annual_assessment, annual_job, assess_previous_year
from orchestration.reports.assets import monthly_scorecard

defs = Definitions(assets=[monthly_scorecard, annual_assessment], jobs=[annual_job], schedules=[assess_previous_year])
