"""Raw landings of the Smart City platform.

- ``smart_city/raw/service_requests``: daily partitions (Asia/Shanghai day of
  ``updated_datetime``); a backfill of many days runs as one run.
- ``smart_city/raw/{services,grids,staff,departments}``: whole snapshots of the reference
  lists, landed as a new load on each materialization.
"""

from dagster import (
    AssetExecutionContext,
    AssetKey,
    BackfillPolicy,
    MaterializeResult,
    MetadataValue,
    asset,
)

from connectors.smart_city import ingest_reference, ingest_service_requests
from connectors.smart_city.ingest import REFERENCE_ENTITIES, SOURCE
from orchestration.partitions import daily_partitions, partition_days
from orchestration.quality import gx_check_results, gx_check_specs
from orchestration.resources import WarehouseResource
from orchestration.smart_city.resources import SmartCityResource
from quality import gx

GROUP = "smart_city"
EVENTS_KEY = AssetKey([SOURCE, "raw", "service_requests"])


@asset(
    key=EVENTS_KEY,
    partitions_def=daily_partitions,
    backfill_policy=BackfillPolicy.single_run(),
    group_name=GROUP,
    kinds={"python", "parquet"},
    description="智慧开封事件 Smart City events (Open311 requests) landed by day of last update.",
    check_specs=gx_check_specs(EVENTS_KEY),
)
def raw_service_requests(
    context: AssetExecutionContext, smart_city: SmartCityResource, warehouse: WarehouseResource
) -> MaterializeResult:
    client = smart_city.client()
    lake = warehouse.lake()
    overlap = smart_city.settings().overlap
    days = partition_days(context)
    gx.load()  # before the read: what is read then waits for nothing but the validation
    totals = {"records": 0, "pages": 0, "files": 0, "retries": 0}
    per_day = {}
    load_ids = []
    for day in days:
        r = ingest_service_requests(client, lake, day, overlap=overlap)
        load_ids.append(r.load_id)
        for k in totals:
            totals[k] += getattr(r, k)
        per_day[r.partition] = r.records
        context.log.info(f"smart_city service_requests {r.partition}: {r.records} records in {r.pages} pages")
    return MaterializeResult(
        metadata={
            "records_landed": totals["records"],
            "pages": totals["pages"],
            "files": totals["files"],
            "retries": totals["retries"],
            "days": len(days),
            "records_per_day": MetadataValue.json(per_day),
            "lake_path": MetadataValue.path(str(lake.entity_dir(SOURCE, "service_requests"))),
        },
        check_results=gx_check_results(context, warehouse, load_ids, days),
    )


def _reference_asset(entity: str):
    @asset(
        key=AssetKey([SOURCE, "raw", entity]),
        group_name=GROUP,
        kinds={"python", "parquet"},
        description=f"Smart City reference list `{entity}`, landed as a whole snapshot.",
        check_specs=gx_check_specs(AssetKey([SOURCE, "raw", entity])),
    )
    def _asset(
        context: AssetExecutionContext, smart_city: SmartCityResource, warehouse: WarehouseResource
    ) -> MaterializeResult:
        lake = warehouse.lake()
        settings = smart_city.settings()
        r = ingest_reference(settings.client(), lake, entity, settings.pseudonymizer)
        context.log.info(f"smart_city {entity}: {r.records} records")
        return MaterializeResult(
            metadata={
                "records_landed": r.records,
                "pages": r.pages,
                "retries": r.retries,
                "load_id": r.load_id,
            },
            check_results=gx_check_results(context, warehouse, [r.load_id]),
        )

    return _asset


reference_assets = [_reference_asset(e) for e in REFERENCE_ENTITIES]
assets = [raw_service_requests, *reference_assets]
