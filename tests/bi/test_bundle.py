"""The Superset bundle kept in the repository (bi/superset/bundle/) is what its code writes,
and reads only what the BI contract publishes."""

from __future__ import annotations

import io
import zipfile

import yaml

from bi.superset import bundle


def test_the_bundle_is_what_its_code_writes():
    assert bundle.differs() == []


def test_the_datasets_name_only_published_columns_and_the_charts_only_dataset_columns():
    contract = bundle._contract()
    files = {p: yaml.safe_load(t) for p, t in bundle.files().items()}
    datasets = {d["uuid"]: d for p, d in files.items() if p.startswith("datasets/")}
    for d in datasets.values():
        table = next(ds.table for ds in bundle.DATASETS if d["table_name"].startswith(ds.key + "_"))
        published = set(contract[f"marts.{table}"]["columns"])
        extra = {c[0] for ds in bundle.DATASETS for c in ds.extra_columns}
        assert {c["column_name"] for c in d["columns"]} <= published | extra
        assert all(c["description"] and c["verbose_name"] for c in d["columns"])
    for path, chart in files.items():
        if not path.startswith("charts/"):
            continue
        columns = {c["column_name"] for c in datasets[chart["dataset_uuid"]]["columns"]}
        params = chart["params"]
        named = set(params.get("all_columns", [])) | set(params.get("groupby", []))
        named |= {params["x_axis"]} if "x_axis" in params else set()
        assert named <= columns, (path, named - columns)


def test_the_zip_carries_the_addresses_given_and_only_the_databases_asked_for():
    data = bundle.zipped({"duckdb": "duckdb:////srv/published/kaifeng.duckdb"}, ("duckdb",))
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        names = z.namelist()
        assert all(n.startswith("kaifeng_bundle/") for n in names)
        assert not any("postgres" in n for n in names)
        db = yaml.safe_load(z.read("kaifeng_bundle/databases/duckdb.yaml"))
    assert db["sqlalchemy_uri"] == "duckdb:////srv/published/kaifeng.duckdb"
    assert sum(n.startswith("kaifeng_bundle/dashboards/") for n in names) == len(bundle.DASHBOARDS)
