"""Raw landing of petition export files: one dynamic partition per file.

The sensor adds a partition for each complete file it sees and asks for its run; the step
lands the file's rows (petitioners pseudonymized) as `petitions/raw/cases`, and a file it
cannot read as `petitions/raw/rejected_files` (the warehouse quarantines it, the other
files go on). Re-materializing a file's partition lands it again as a new load (staging
keeps one row per version). A run tagged `NEW_FILES_ONLY` (the pipeline's, over the range
from the first new file to the last) passes over the files of its range already landed
with the same content. A file of its range still being written (no marker yet) is waited
for up to GOVHUB_PETITIONS_WAIT_SECONDS, then left for the next run, never failing this one.
"""

import time

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    BackfillPolicy,
    DynamicPartitionsDefinition,
    Failure,
    MaterializeResult,
    MetadataValue,
    multi_asset,
)

from connectors.petitions import ENTITY, REJECTED, SOURCE, complete_files, ingest_file, pending_files
from orchestration.quality import gx_check_results, gx_check_specs
from orchestration.resources import SourceResource, WarehouseResource

petition_files = DynamicPartitionsDefinition(name="petition_files")
NEW_FILES_ONLY = "govhub/petitions/new_files_only"  # run tag: "true" passes over the files landed already
CASES = AssetKey([SOURCE, "raw", ENTITY])
REJECTED_FILES = AssetKey([SOURCE, "raw", REJECTED])


@multi_asset(
    specs=[
        AssetSpec(
            CASES,
            group_name=SOURCE,
            kinds={"python", "parquet"},
            description="信访件 Petition cases from the provincial system's daily export files (CSV GB18030, xlsx).",
        ),
        AssetSpec(
            REJECTED_FILES,
            group_name=SOURCE,
            kinds={"python", "parquet"},
            description="退回文件 Export files refused as a whole (empty, wrong encoding, a required column "
            "missing): one record per file, quarantined in the warehouse.",
        ),
    ],
    name="raw_petition_cases",
    partitions_def=petition_files,
    backfill_policy=BackfillPolicy.single_run(),
    check_specs=[*gx_check_specs(CASES), *gx_check_specs(REJECTED_FILES)],
)
def raw_petition_cases(context: AssetExecutionContext, petitions: SourceResource, warehouse: WarehouseResource):
    settings = petitions.settings()
    warehouse.lake().check_landing(settings.pseudonymizer.key_ids)
    files = {f.name: f for f in complete_files(settings.inbox)}
    if context.run.tags.get(NEW_FILES_ONLY) == "true":
        new = {f.name for f in pending_files(warehouse.lake(), settings.inbox)}
        keys = [k for k in context.partition_keys if k in new or k not in files]
        context.log.info(f"petitions: {len(context.partition_keys) - len(keys)} file(s) of the range landed already")
    else:
        keys = context.partition_keys
    files, waiting = _complete(settings, files, [k for k in keys if k not in files])
    missing = [k for k in waiting if not (settings.inbox / k).exists()]
    if missing:
        raise Failure(f"petitions: {', '.join(missing)} no longer in the inbox (a file listed earlier was removed)")
    for name in waiting:
        context.log.warning(
            f"petitions: {name} is still being written (no .done marker after {settings.wait_seconds} s): "
            "left for the next run"
        )
    per_file, rejected, drift, load_ids = {}, {}, {}, []
    for name in (k for k in keys if k in files):
        r = ingest_file(warehouse.lake(), files[name], settings.pseudonymizer, settings.max_file_bytes)
        per_file[name] = r.records
        load_ids.append(r.load_id)
        if r.rejected:
            rejected[name] = r.rejected
            context.log.warning(f"petitions: {name} refused ({r.rejected}); it is in the quarantine")
        if r.extra_columns:
            drift[name] = r.extra_columns
            context.log.warning(f"petitions: {name} has columns not known yet, kept in the payload: {r.extra_columns}")
    context.log.info(f"petitions: {sum(per_file.values())} rows from {len(per_file)} file(s)")
    yield MaterializeResult(
        asset_key=REJECTED_FILES,
        metadata={"files_refused": len(rejected), "why": MetadataValue.json(rejected)},
        check_results=gx_check_results(context, warehouse, load_ids, key=REJECTED_FILES),
    )
    yield MaterializeResult(
        asset_key=CASES,
        metadata={
            "records_landed": sum(per_file.values()),
            "records_per_file": MetadataValue.json(per_file),
            "retries": 0,
            "files_refused": MetadataValue.json(rejected),
            "files_left_for_the_next_run": MetadataValue.json(waiting),
            "new_columns": MetadataValue.json(drift),
        },
        check_results=gx_check_results(context, warehouse, load_ids, key=CASES),
    )


def _complete(settings, files: dict, incomplete: list[str]) -> tuple[dict, list[str]]:
    """The inbox's complete files after waiting up to `settings.wait_seconds` for the
    `incomplete` ones of the range to get their markers: (the complete files, those still not)."""
    deadline = time.monotonic() + settings.wait_seconds
    while incomplete and time.monotonic() < deadline:
        time.sleep(min(1.0, max(0.0, deadline - time.monotonic())))
        files = {f.name: f for f in complete_files(settings.inbox)}
        incomplete = [k for k in incomplete if k not in files]
    return files, incomplete
