"""Raw landings of the Sharp Eyes platform.

- ``sharp_eyes/raw/events`` and ``sharp_eyes/raw/handling_records``: daily partitions
  (Asia/Shanghai day of ``startTime`` / ``pushTime``); a run re-reads the lookback before
  its days, and a backfill of many days is one run.
- ``sharp_eyes/raw/cameras``: the camera list, whole, on each materialization.
"""

from dagster import AssetExecutionContext, AssetKey, BackfillPolicy, MaterializeResult, MetadataValue, asset

from connectors.sharp_eyes import CAMERAS, SOURCE, WINDOWED, ingest_cameras, ingest_days
from orchestration.partitions import daily_partitions, partition_days
from orchestration.quality import gx_check_results, gx_check_specs
from orchestration.resources import WarehouseResource
from orchestration.sharp_eyes.resources import SharpEyesResource
from quality import gx

GROUP = "sharp_eyes"
DESCRIPTIONS = {
    "events": "雪亮工程告警 Sharp Eyes linkage events (alarms), by day of startTime.",
    "handling_records": "告警处置记录 Handling of alarms pushed to grid workers (push, arrival, result).",
}


def _windowed_asset(entity: str):
    @asset(
        key=AssetKey([SOURCE, "raw", entity]),
        partitions_def=daily_partitions,
        backfill_policy=BackfillPolicy.single_run(),
        group_name=GROUP,
        kinds={"python", "parquet"},
        description=DESCRIPTIONS[entity],
        check_specs=gx_check_specs(AssetKey([SOURCE, "raw", entity])),
    )
    def _asset(
        context: AssetExecutionContext, sharp_eyes: SharpEyesResource, warehouse: WarehouseResource
    ) -> MaterializeResult:
        days = partition_days(context)
        settings = sharp_eyes.settings()
        lake = warehouse.lake()
        gx.load()  # before the read: what is read then waits for nothing but the validation
        results = ingest_days(settings.client(), lake, entity, days[0], days[-1], settings.lookback)
        for r in results:
            context.log.info(f"sharp_eyes {entity} {r.window[0]}..{r.window[1]}: {r.records} records")
        return MaterializeResult(
            metadata={
                "records_landed": sum(r.records for r in results),
                "pages": sum(r.pages for r in results),
                "retries": sum(r.retries for r in results),
                "windows": MetadataValue.json([{"window": r.window, "records": r.records} for r in results]),
            },
            check_results=gx_check_results(context, warehouse, [r.load_id for r in results], days),
        )

    return _asset


@asset(
    key=AssetKey([SOURCE, "raw", CAMERAS]),
    group_name=GROUP,
    kinds={"python", "parquet"},
    description="雪亮工程点位 Camera resources (WGS-84), landed whole.",
    check_specs=gx_check_specs(AssetKey([SOURCE, "raw", CAMERAS])),
)
def raw_cameras(
    context: AssetExecutionContext, sharp_eyes: SharpEyesResource, warehouse: WarehouseResource
) -> MaterializeResult:
    lake = warehouse.lake()
    r = ingest_cameras(sharp_eyes.client(), lake)
    context.log.info(f"sharp_eyes cameras: {r.records} records")
    return MaterializeResult(
        metadata={"records_landed": r.records, "pages": r.pages, "retries": r.retries},
        check_results=gx_check_results(context, warehouse, [r.load_id]),
    )


windowed_assets = [_windowed_asset(e) for e in WINDOWED]
assets = [raw_cameras, *windowed_assets]
