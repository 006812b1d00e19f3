"""Each registered source's Dagster definitions, generated from its connector's contract.

For a source (connectors/registry.py) this builds, from what its ``Connector`` declares:

- one raw asset per entity, ``<source>/raw/<entity>``: daily or monthly partitions for an
  entity read by time (a range of partitions is one run), unpartitioned for a whole list;
  each validated with its Great Expectations suite as asset checks;
- the jobs ``<source>_events`` (the entities read by time) and ``<source>_reference`` (the
  whole lists);
- the schedules its cadence asks for: a DAILY source's yesterday at 01:30, every source's
  whole lists at 01:00 (a NEAR_REAL_TIME source's events are pulled by the near_real_time
  run, orchestration/near_real_time.py);
- its resource, ``<source>``: the connector, its settings read from ``GOVHUB_<SOURCE>_*``.

An entity landed by file (FILE) needs a sensor and dynamic partitions of its own: its source
keeps them in ``orchestration/<source>/definitions.py`` (``defs``), merged here.
"""

import importlib
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    AssetSelection,
    BackfillPolicy,
    Definitions,
    MaterializeResult,
    MetadataValue,
    ScheduleDefinition,
    asset,
    define_asset_job,
)

from connectors.common.contract import DAILY, FILE, NEAR_REAL_TIME, SNAPSHOT, Connector, Entity, Window
from connectors.registry import SOURCES, connector
from orchestration.partitions import daily_partitions, monthly_partitions, partition_days
from orchestration.quality import gx_check_results, gx_check_specs
from orchestration.resources import SourceResource
from orchestration.schedules import TZ, daily
from quality import gx


def raw_key(source: str, entity: str) -> AssetKey:
    return AssetKey([source, "raw", entity])


def events_job_name(source: str) -> str:
    return f"{source}_events"


def reference_job_name(source: str) -> str:
    return f"{source}_reference"


def _partitions(c: type[Connector]):
    return monthly_partitions if c.by_month() else daily_partitions


def _totals(results) -> dict:
    return {
        "records_landed": sum(r.records for r in results),
        "pages": sum(r.pages for r in results),
        "files": sum(r.files for r in results),
        "retries": sum(r.retries for r in results),
    }


def _by_time_asset(c: type[Connector], entity: Entity) -> AssetsDefinition:
    key = raw_key(c.name, entity.name)

    @asset(
        key=key,
        partitions_def=_partitions(c),
        backfill_policy=BackfillPolicy.single_run(),
        group_name=c.name,
        kinds={"python", "parquet"},
        description=entity.description,
        check_specs=gx_check_specs(key),
        required_resource_keys={c.name, "warehouse"},
    )
    def _asset(context: AssetExecutionContext) -> MaterializeResult:
        warehouse = context.resources.warehouse
        lake = warehouse.lake()
        days = partition_days(context)
        gx.load()  # before the read: what is read then waits for nothing but the validation
        results, per_partition = [], {}
        with getattr(context.resources, c.name).connector() as source:
            source.check_lake(lake)
            for r in source.read(lake, entity.name, Window(days[0], days[-1])):
                results.append(r)
                per_partition[r.partition] = per_partition.get(r.partition, 0) + r.records
                where = r.partition if r.window is None else f"{r.window[0]} .. {r.window[1]}"
                context.log.info(f"{c.name} {entity.name} {where}: {r.records} records in {r.pages} pages")
        return MaterializeResult(
            metadata={
                **_totals(results),
                "days": len(days),
                "records_per_partition": MetadataValue.json(per_partition),
                "lake_path": MetadataValue.path(str(lake.entity_dir(c.name, entity.name))),
            },
            check_results=gx_check_results(context, warehouse, [r.load_id for r in results], days),
        )

    return _asset


def _snapshot_asset(c: type[Connector], entity: Entity) -> AssetsDefinition:
    key = raw_key(c.name, entity.name)

    @asset(
        key=key,
        group_name=c.name,
        kinds={"python", "parquet"},
        description=f"{entity.description} Landed whole, as a new load each time.",
        check_specs=gx_check_specs(key),
        required_resource_keys={c.name, "warehouse"},
    )
    def _asset(context: AssetExecutionContext) -> MaterializeResult:
        warehouse = context.resources.warehouse
        lake = warehouse.lake()
        with getattr(context.resources, c.name).connector() as source:
            source.check_lake(lake)
            results = list(source.read(lake, entity.name, Window.today()))
        context.log.info(f"{c.name} {entity.name}: {sum(r.records for r in results)} records")
        offered = not any(r.not_offered for r in results)
        if not offered:
            context.log.warning(f"{c.name} {entity.name}: the source does not offer it; nothing landed")
        load_ids = [r.load_id for r in results if not r.not_offered]
        return MaterializeResult(
            metadata={**_totals(results), "load_id": ",".join(load_ids), "offered_by_the_source": offered},
            check_results=gx_check_results(context, warehouse, load_ids),
        )

    return _asset


@dataclass(frozen=True)
class SourceDefinitions:
    """What Dagster runs of one source."""

    source: type[Connector]
    by_time: list[AssetsDefinition]  # the entities read by time
    snapshots: list[AssetsDefinition]  # the whole lists
    jobs: list  # <source>_events, <source>_reference (where it has such entities), its own
    defs: Definitions  # all of it, with the source's own extras (FILE entities) merged
    file_jobs: list[str]  # the jobs that land its files (its own definitions')
    file_runs: Callable | None  # instance -> the run tags that land the files complete now

    @property
    def raw_keys(self) -> list[AssetKey]:
        return [k for a in self.defs.assets or [] for k in a.keys]


def _own_definitions(name: str):
    """orchestration/<source>/definitions.py, where the source has one: its `defs`, and for a
    source landed by file its `landing_runs(instance)`."""
    module = f"orchestration.{name}.definitions"
    if importlib.util.find_spec(f"orchestration.{name}") is None or importlib.util.find_spec(module) is None:
        return None
    return importlib.import_module(module)


@cache
def source_definitions(name: str) -> SourceDefinitions:
    c = connector(name)
    by_time = [_by_time_asset(c, e) for e in c.entities if e.by_time]
    snapshots = [_snapshot_asset(c, e) for e in c.entities if e.partitioning == SNAPSHOT]
    jobs, schedules = [], []
    if by_time:
        partitions = _partitions(c)
        jobs.append(
            define_asset_job(
                events_job_name(name),
                selection=AssetSelection.assets(*by_time),
                partitions_def=partitions,
                description=f"Land {name} for a partition or a range of partitions (one run per range).",
            )
        )
        if c.cadence == DAILY:
            schedules.append(daily(events_job_name(name), monthly=c.by_month()))
    if snapshots:
        jobs.append(
            define_asset_job(
                reference_job_name(name),
                selection=AssetSelection.assets(*snapshots),
                description=f"Land fresh snapshots of the {name} reference lists.",
            )
        )
        schedules.append(
            ScheduleDefinition(
                name=f"{reference_job_name(name)}_daily",
                job_name=reference_job_name(name),
                cron_schedule="0 1 * * *",
                execution_timezone=TZ,
                description=f"Fresh snapshot of {reference_job_name(name)}, daily at 01:00.",
            )
        )
    own = _own_definitions(name)
    lands_files = any(e.partitioning == FILE for e in c.entities)
    if lands_files and not hasattr(own, "landing_runs"):
        raise ValueError(f"{name} lands files: orchestration/{name}/definitions.py must define them and landing_runs")
    generated = Definitions(
        assets=[*by_time, *snapshots],
        jobs=jobs,
        schedules=schedules,
        resources={name: SourceResource(source=name)},
    )
    own_jobs = list(own.defs.jobs or []) if own else []
    return SourceDefinitions(
        c,
        by_time,
        snapshots,
        [*jobs, *own_jobs],
        Definitions.merge(generated, own.defs) if own else generated,
        [j.name for j in own_jobs] if lands_files else [],
        own.landing_runs if lands_files else None,
    )


def all_sources() -> list[SourceDefinitions]:
    return [source_definitions(name) for name in SOURCES]


def near_real_time_landings() -> list[AssetsDefinition]:
    """The entities read by time of the NEAR_REAL_TIME sources: the near_real_time run pulls them."""
    return [a for s in all_sources() if s.source.cadence == NEAR_REAL_TIME for a in s.by_time]


def near_real_time_keys() -> list[AssetKey]:
    return [k for a in near_real_time_landings() for k in a.keys]


def daily_landing_jobs() -> list:
    """The jobs after whose runs the whole warehouse is built: every source's landings but a
    NEAR_REAL_TIME source's events, which the near_real_time run builds."""
    return [
        j
        for s in all_sources()
        for j in s.jobs
        if not (s.source.cadence == NEAR_REAL_TIME and j.name == events_job_name(s.source.name))
    ]


def definitions() -> Definitions:
    """Every registered source's definitions, and a freshness check on each of their raw
    assets at the source's cadence, with the sensor that runs them."""
    from orchestration.freshness import freshness_checks, freshness_sensor

    sources = all_sources()
    checks = freshness_checks([k for s in sources for k in s.raw_keys])
    return Definitions.merge(
        *(s.defs for s in sources), Definitions(asset_checks=checks, sensors=[freshness_sensor(checks)])
    )
