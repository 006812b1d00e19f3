"""Raw landing of petition export files: one dynamic partition per file.

The sensor adds a partition for each complete file it sees and asks for its run; the asset
lands the file's rows (petitioners pseudonymized). Re-materializing a file's partition
lands it again as a new load (staging keeps one row per version).
"""

from dagster import (
    AssetExecutionContext,
    AssetKey,
    BackfillPolicy,
    DynamicPartitionsDefinition,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
)

from connectors.petitions import ENTITY, SOURCE, complete_files, ingest_file
from orchestration.petitions.resources import PetitionsResource
from orchestration.quality import gx_check_results, gx_check_specs
from orchestration.resources import WarehouseResource

petition_files = DynamicPartitionsDefinition(name="petition_files")


@asset(
    key=AssetKey([SOURCE, "raw", ENTITY]),
    partitions_def=petition_files,
    backfill_policy=BackfillPolicy.single_run(),
    group_name=SOURCE,
    kinds={"python", "parquet"},
    description="信访件 Petition cases from the provincial system's daily export files (CSV GB18030, xlsx).",
    check_specs=gx_check_specs(AssetKey([SOURCE, "raw", ENTITY])),
)
def raw_petition_cases(
    context: AssetExecutionContext, petitions: PetitionsResource, warehouse: WarehouseResource
) -> MaterializeResult:
    settings = petitions.settings()
    files = {f.name: f for f in complete_files(settings.inbox)}
    per_file, load_ids = {}, []
    for name in context.partition_keys:
        if name not in files:
            raise Failure(f"petitions: {name} is not a complete file in the inbox (missing, or no .done marker)")
        r = ingest_file(warehouse.lake(), files[name], settings.pseudonymizer, settings.max_file_bytes)
        per_file[name] = r.records
        load_ids.append(r.load_id)
    context.log.info(f"petitions: {sum(per_file.values())} rows from {len(per_file)} file(s)")
    return MaterializeResult(
        metadata={"records_landed": sum(per_file.values()), "records_per_file": MetadataValue.json(per_file)},
        check_results=gx_check_results(context, warehouse, load_ids),
    )


assets = [raw_petition_cases]
