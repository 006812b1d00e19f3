"""Petitions' own Dagster definitions: export files land by file, one dynamic partition each,
as the inbox sensor sees them (merged into the generated ones by orchestration/sources.py)."""

from dagster import Definitions

from orchestration.partitions import RANGE_END_TAG, RANGE_START_TAG
from orchestration.petitions.assets import NEW_FILES_ONLY, petition_files, raw_petition_cases
from orchestration.petitions.sensors import petitions_inbox_sensor, petitions_job

defs = Definitions(assets=[raw_petition_cases], jobs=[petitions_job], sensors=[petitions_inbox_sensor])


def landing_runs(instance) -> list[dict[str, str]]:
    """The runs that land what the inbox holds now (the pipeline's step): every complete file
    registered as a partition; the files not landed yet (or changed since they were) landed in
    one run over the partitions from the first of them to the last, which passes over the
    files between landed already (the tags of that run; none: nothing new). So the step costs
    the new files, not the inbox's history."""
    from connectors.common.lake import Lake
    from connectors.petitions import PetitionsSettings, complete_files, pending_files
    from warehouse.settings import WarehouseSettings

    inbox = PetitionsSettings.from_env().inbox
    names = [f.name for f in complete_files(inbox)]
    if not names:
        return []
    instance.add_dynamic_partitions(petition_files.name, names)
    pending = {f.name for f in pending_files(Lake(WarehouseSettings.from_env().lake_dir), inbox)}
    ordered = [name for name in instance.get_dynamic_partitions(petition_files.name) if name in pending]
    if not ordered:
        return []
    return [
        {
            RANGE_START_TAG: ordered[0],
            RANGE_END_TAG: ordered[-1],
            NEW_FILES_ONLY: "true",
        }
    ]
