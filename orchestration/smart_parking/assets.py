"""Raw landings of the Smart Parking platform (plates pseudonymized before landing).

- ``smart_parking/raw/{sessions,violations}``: daily partitions by day of ``updated_at``.
- ``smart_parking/raw/lots``: the lot list, whole, on each materialization.
"""

from dagster import AssetExecutionContext, AssetKey, BackfillPolicy, MaterializeResult, MetadataValue, asset

from connectors.smart_parking import DAILY, SOURCE, ingest_day, ingest_lots
from orchestration.partitions import daily_partitions, partition_days
from orchestration.quality import gx_check_results, gx_check_specs
from orchestration.resources import WarehouseResource
from orchestration.smart_parking.resources import SmartParkingResource

GROUP = "smart_parking"
DESCRIPTIONS = {
    "sessions": "停车记录 Parking sessions (entry, exit, fee in fen), plates pseudonymized, by day of update.",
    "violations": "违停 Parking violations and their handling department, plates pseudonymized, by day of update.",
}


def _daily_asset(collection: str):
    @asset(
        key=AssetKey([SOURCE, "raw", collection]),
        partitions_def=daily_partitions,
        backfill_policy=BackfillPolicy.single_run(),
        group_name=GROUP,
        kinds={"python", "parquet"},
        description=DESCRIPTIONS[collection],
        check_specs=gx_check_specs(AssetKey([SOURCE, "raw", collection])),
    )
    def _asset(
        context: AssetExecutionContext, smart_parking: SmartParkingResource, warehouse: WarehouseResource
    ) -> MaterializeResult:
        settings = smart_parking.settings()
        client, lake = settings.client(), warehouse.lake()
        per_day, load_ids = {}, []
        retries = 0
        days = partition_days(context)
        for day in days:
            r = ingest_day(client, lake, collection, day, settings.pseudonymizer)
            per_day[r.partition] = r.records
            load_ids.append(r.load_id)
            retries += r.retries
        context.log.info(f"smart_parking {collection}: {sum(per_day.values())} records, {len(per_day)} days")
        return MaterializeResult(
            metadata={
                "records_landed": sum(per_day.values()),
                "retries": retries,
                "tokens_fetched": client.tokens_fetched,
                "records_per_day": MetadataValue.json(per_day),
            },
            check_results=gx_check_results(context, warehouse, load_ids, days),
        )

    return _asset


@asset(
    key=AssetKey([SOURCE, "raw", "lots"]),
    group_name=GROUP,
    kinds={"python", "parquet"},
    description="停车场 Parking lots (BD-09), landed whole.",
    check_specs=gx_check_specs(AssetKey([SOURCE, "raw", "lots"])),
)
def raw_lots(
    context: AssetExecutionContext, smart_parking: SmartParkingResource, warehouse: WarehouseResource
) -> MaterializeResult:
    lake = warehouse.lake()
    r = ingest_lots(smart_parking.settings().client(), lake)
    context.log.info(f"smart_parking lots: {r.records} records")
    return MaterializeResult(
        metadata={"records_landed": r.records, "pages": r.pages, "retries": r.retries},
        check_results=gx_check_results(context, warehouse, [r.load_id]),
    )


daily_assets = [_daily_asset(c) for c in DAILY]
assets = [raw_lots, *daily_assets]
