"""The dbt project as Dagster assets (staging -> intermediate -> marts, seeds, tests as checks)."""
