"""Dagster definitions: one folder per source (assets, resources, schedules), one for dbt,
all loaded by ``orchestration.definitions``."""
