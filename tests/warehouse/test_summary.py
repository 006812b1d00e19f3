"""The marts read from the dbt manifest: every model under models/marts but the live board
(rows as of its build) and the steps of marts built on marts (unpublished), dimensions
first, then facts, then marts. The equivalence tests
compare these tables, so the list must never come out short."""

from __future__ import annotations

from orchestration.dbt.project import DBT_PROJECT_DIR, ensure_manifest
from warehouse.summary import mart_tables

AS_OF_BUILD = {"mart_live_open_items"}  # its rows change with the time of the build


def test_the_marts_are_every_model_of_the_marts_folder_but_the_live_board():
    tables = mart_tables(ensure_manifest())
    on_disk = {p.stem for p in (DBT_PROJECT_DIR / "models" / "marts").rglob("*.sql") if p.parent.name != "steps"}
    assert len(on_disk) > len(AS_OF_BUILD) and AS_OF_BUILD <= on_disk
    assert sorted(tables) == sorted(on_disk - AS_OF_BUILD)
    kinds = [next(i for i, p in enumerate(("dim_", "fct_", "mart_")) if t.startswith(p)) for t in tables]
    assert kinds == sorted(kinds) and set(kinds) == {0, 1, 2}
