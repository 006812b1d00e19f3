"""Petitions (信访) in Dagster: one partition per export file, a sensor on the inbox."""
