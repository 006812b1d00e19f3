"""Raw landings of the civil-affairs database: one asset per table, partitioned by month
(its rows land in the lake by day of ``update_time``), streamed in chunks, personal data
pseudonymized before landing. The register's history since 2024 is 35 partitions."""

from dagster import AssetExecutionContext, AssetKey, BackfillPolicy, MaterializeResult, MetadataValue, asset

from connectors.civil_affairs import SOURCE, engine_for, ingest_table_days
from connectors.civil_affairs.schema import TABLES
from orchestration.civil_affairs.resources import CivilAffairsResource
from orchestration.partitions import monthly_partitions, partition_days
from orchestration.quality import gx_check_results, gx_check_specs
from orchestration.resources import WarehouseResource

GROUP = "civil_affairs"
DESCRIPTIONS = {
    "households": "家庭户 Households (head of household pseudonymized).",
    "recipients": "救助对象 Assistance recipients (低保/特困/临时救助/残疾/高龄).",
    "payments": "救助金发放 Assistance payments, in fen.",
    "applications": "业务申请 Applications with their processing deadline.",
    "visits": "入户走访 Home visits by grid workers.",
}


def _table_asset(name: str):
    @asset(
        key=AssetKey([SOURCE, "raw", name]),
        partitions_def=monthly_partitions,
        backfill_policy=BackfillPolicy.single_run(),
        group_name=GROUP,
        kinds={"python", "parquet"},
        description=f"{DESCRIPTIONS[name]} Source table {TABLES[name].name}.",
        check_specs=gx_check_specs(AssetKey([SOURCE, "raw", name])),
    )
    def _asset(
        context: AssetExecutionContext, civil_affairs: CivilAffairsResource, warehouse: WarehouseResource
    ) -> MaterializeResult:
        settings = civil_affairs.settings()
        engine = engine_for(settings.db_url)
        days = partition_days(context)
        try:
            results = ingest_table_days(
                engine, warehouse.lake(), name, days[0], days[-1], settings.pseudonymizer, settings.chunk_rows
            )
        finally:
            engine.dispose()
        per_day = {r.partition: r.records for r in results}
        context.log.info(f"civil_affairs {name}: {sum(per_day.values())} rows on {len(per_day)} of {len(days)} days")
        return MaterializeResult(
            metadata={
                "records_landed": sum(per_day.values()),
                "records_per_day": MetadataValue.json(per_day),
                "retries": sum(r.retries for r in results),
            },
            check_results=gx_check_results(context, warehouse, [r.load_id for r in results], days),
        )

    return _asset


assets = [_table_asset(name) for name in TABLES]
