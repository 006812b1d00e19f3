"""Each dbt layer reads the layer below (dbt_project.yml), as the manifest records it: base_
and stg_ models read the sources and staging; int_ models read staging and intermediate;
marts (step_ models included) read intermediate models and other marts, never staging; the
quarantine accounts for every landed row, from the sources to what passed. Seeds (reference data, codes, rules) may be read anywhere."""

from __future__ import annotations

import json

import pytest

from orchestration.dbt.project import ensure_manifest

READS = {
    "staging": {"source", "staging"},
    "intermediate": {"staging", "intermediate"},
    "marts": {"intermediate", "marts"},
    # beside the layers: what landed (the sources), what passed (staging), what was mapped
    "quarantine": {"source", "staging", "intermediate", "quarantine"},
}


def _layer(node: dict) -> str:
    if node["resource_type"] in ("source", "seed"):
        return node["resource_type"]
    return node["fqn"][1]


@pytest.fixture(scope="module")
def manifest() -> dict:
    return json.loads(ensure_manifest().read_text("utf-8"))


def _models(manifest: dict) -> list[dict]:
    return [n for n in manifest["nodes"].values() if n["resource_type"] == "model"]


def test_every_model_sits_in_a_known_layer(manifest):
    assert {_layer(n) for n in _models(manifest)} == set(READS)


def test_each_layer_reads_only_the_layer_below(manifest):
    nodes = {**manifest["nodes"], **manifest["sources"]}
    leaks = sorted(
        f"{n['name']} ({_layer(n)}) reads {nodes[p]['name']} ({_layer(nodes[p])})"
        for n in _models(manifest)
        for p in n["depends_on"]["nodes"]
        if _layer(nodes[p]) != "seed" and _layer(nodes[p]) not in READS[_layer(n)]
    )
    assert leaks == []


def test_model_names_tell_their_layer(manifest):
    """base_/stg_ in staging, int_ in intermediate, dim_/fct_/mart_ (published) and step_
    (a mart's step, unpublished) in marts."""
    models = _models(manifest)
    prefixes = {
        "staging": ("base_", "stg_"),
        "intermediate": ("int_",),
        "marts": ("dim_", "fct_", "mart_", "step_"),
        "quarantine": ("",),
    }
    assert sorted(n["name"] for n in models if not n["name"].startswith(prefixes[_layer(n)])) == []
    steps = [n for n in models if n["name"].startswith("step_")]
    assert steps and {n["schema"] for n in steps} == {"intermediate"}
