"""What BI tools read, published after the builds that change it.

- ``bi/published_copy``: the marts, the closed months and the rules (schemas marts, scores, rules) copied
  into ``warehouse/published/kaifeng.duckdb`` (read-only, swapped whole under one name),
  and into PostgreSQL when ``GOVHUB_BI_POSTGRES_DSN`` names a target. The warehouse build
  and closing a month publish it.
- ``bi/live_board``: ``marts.mart_live_open_items`` alone, into ``published/live.duckdb``,
  after each near-real-time run.

Read-only commands (``govhub points explain``, ``govhub scorecard``) read the published copy
too, so they never wait for the writer.
"""

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, MetadataValue, asset

from orchestration.dbt.assets import warehouse_models
from orchestration.dbt.project import dbt_project
from orchestration.points.assets import CLOSED_MONTH
from orchestration.resources import WarehouseResource
from warehouse.bi_contract import descriptions
from warehouse.publish import LIVE_NAME, LIVE_TABLES, publish_duckdb, publish_postgres
from warehouse.settings import bi_postgres_dsn

PUBLISHED_COPY = AssetKey(["bi", "published_copy"])
LIVE_BOARD = AssetKey(["bi", "live_board"])
MARTS = sorted((k for k in warehouse_models.keys if k.path[0] == "marts"), key=lambda k: k.path)


@asset(
    key=PUBLISHED_COPY,
    deps=[*MARTS, CLOSED_MONTH],
    group_name="bi",
    kinds={"duckdb", "postgres"},
    description="发布副本 The marts and the closed months, published read-only for BI (DuckDB copy; PostgreSQL "
    "when GOVHUB_BI_POSTGRES_DSN is set).",
)
def published_copy(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
    docs = descriptions(dbt_project().manifest_path)  # parsed when the definitions loaded
    path = publish_duckdb(warehouse.warehouse_path_obj(), warehouse.published_dir(), descriptions=docs)
    metadata = {"duckdb_copy": MetadataValue.path(str(path))}
    dsn = bi_postgres_dsn()
    if dsn:
        rows = publish_postgres(warehouse.warehouse_path_obj(), dsn, docs)
        metadata["postgres_tables"] = len(rows)
        metadata["postgres_rows"] = sum(rows.values())
    context.log.info(f"published {path}")
    return MaterializeResult(metadata=metadata)


@asset(
    key=LIVE_BOARD,
    deps=[AssetKey(["marts", "mart_live_open_items"])],
    group_name="bi",
    kinds={"duckdb"},
    description="实时看板发布 The live board (open alarms and tasks), published after each near-real-time run.",
)
def live_board(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
    path = publish_duckdb(
        warehouse.warehouse_path_obj(),
        warehouse.published_dir(),
        LIVE_NAME,
        LIVE_TABLES,
        descriptions(dbt_project().manifest_path),
    )
    return MaterializeResult(metadata={"duckdb_copy": MetadataValue.path(str(path))})
