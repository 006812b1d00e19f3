"""The inbox sensor: every complete petition file is landed once, as soon as it is seen."""

from dagster import RunRequest, SensorEvaluationContext, SensorResult, define_asset_job, sensor

from connectors.petitions import pending_files
from orchestration.petitions.assets import petition_files, raw_petition_cases
from orchestration.resources import SourceResource, WarehouseResource

petitions_job = define_asset_job(
    "petitions_files",
    selection=[raw_petition_cases],
    partitions_def=petition_files,
    description="Land petition export files (one partition per file).",
)


@sensor(job=petitions_job, minimum_interval_seconds=60, description="Watches the petitions inbox for complete files.")
def petitions_inbox_sensor(
    context: SensorEvaluationContext, petitions: SourceResource, warehouse: WarehouseResource
) -> SensorResult:
    settings = petitions.settings()
    pending = pending_files(warehouse.lake(), settings.inbox)
    known = set(context.instance.get_dynamic_partitions(petition_files.name))
    new = [f.name for f in pending if f.name not in known]
    return SensorResult(
        run_requests=[RunRequest(partition_key=f.name, run_key=f"{f.name}:{f.size}") for f in pending],
        dynamic_partitions_requests=[petition_files.build_add_request(new)] if new else [],
    )
