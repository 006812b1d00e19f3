"""The Dagster side of a registered source, generated from its contract."""

from dagster import materialize

from connectors.common.lake import Lake
from connectors.registry import SOURCES
from orchestration.resources import SourceResource, WarehouseResource
from orchestration.sources import all_sources, events_job_name, reference_job_name, source_definitions
from tests.connectors.acceptance import sandbox


def test_every_registered_source_gets_its_assets_jobs_and_resource():
    for s in all_sources():
        c = s.source
        keys = {k.path[-1] for k in s.raw_keys}
        assert {e.name for e in c.entities} <= keys, c.name
        names = {j.name for j in s.jobs}
        assert (events_job_name(c.name) in names) == any(e.by_time for e in c.entities)
        assert (reference_job_name(c.name) in names) == any(e.partitioning == "snapshot" for e in c.entities)
        assert c.name in s.defs.resources
    assert [s.source.name for s in all_sources()] == list(SOURCES)


def test_a_list_the_source_does_not_have_materializes_empty_and_lands_nothing(tmp_path, monkeypatch):
    running = sandbox(smart_city_server="plain")
    try:
        for k, v in running.env().items():
            monkeypatch.setenv(k, v)
        grids = next(a for a in source_definitions("smart_city").snapshots if a.key.path[-1] == "grids")
        lake = tmp_path / "lake"
        result = materialize(
            [grids],
            resources={
                "smart_city": SourceResource(source="smart_city"),
                "warehouse": WarehouseResource(warehouse_path=str(tmp_path / "w.duckdb"), lake_dir=str(lake)),
            },
        )
    finally:
        running.stop()
    assert result.success
    (m,) = [e.materialization for e in result.get_asset_materialization_events()]
    assert m.metadata["offered_by_the_source"].value is False and m.metadata["records_landed"].value == 0
    assert not Lake(lake).entity_dir("smart_city", "grids").exists()
    assert {c.check_name for c in result.get_asset_check_evaluations()} == {"gx_blocking", "gx_warnings", "volume"}
