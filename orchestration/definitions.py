"""The root Dagster definitions: each part's own, merged. The sources' are generated from
their connectors' contracts (orchestration/sources.py); the warehouse, points, reports,
publishing and alerts each declare theirs in their folder's definitions.py. Only the
warehouse resource, which they all share, is declared here."""

from dagster import Definitions, EnvVar

from orchestration import sources
from orchestration.alerts import definitions as alerts
from orchestration.bi import definitions as bi
from orchestration.dbt import definitions as warehouse
from orchestration.points import definitions as points
from orchestration.reports import definitions as reports
from orchestration.resources import WarehouseResource
from orchestration.retention import definitions as retention
from warehouse.settings import configure_environment

# Defaults for the warehouse paths (and telemetry off) when the environment has none.
configure_environment()

defs = Definitions.merge(
    sources.definitions(),
    warehouse.defs,
    points.defs,
    reports.defs,
    bi.defs,
    alerts.defs,
    retention.defs,
    Definitions(
        resources={
            "warehouse": WarehouseResource(
                warehouse_path=EnvVar("GOVHUB_WAREHOUSE_PATH"), lake_dir=EnvVar("GOVHUB_LAKE_DIR")
            ),
        }
    ),
)
