"""The BI contract: the published tables, their columns, types and descriptions, by version.

What BI tools may rely on is what the published copy holds (schemas marts, scores, rules):
every table and column there carries its "中文 | English" description as a database comment
(set at publish, in the DuckDB copy and in PostgreSQL), and `warehouse/bi_contract.json`
records them with the contract's version. A published table or column that disappears,
changes type or loses its description, or a new one, fails the contract test until the
contract is recorded again (`scripts/bi_contract.py`) under a new version with its line in
the changelog of docs/bi.md: a new major version when something was removed or changed, a new
minor version when something was added.

The descriptions come from the dbt project (the models' and seeds' YAML); the closed months
kept in `scores` take those of the marts they are copied from.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from warehouse.publish import BI_SCHEMAS, ENGINEER_SCHEMAS, TableDoc
from warehouse.scores import CLOSED_MONTHS_DOC, COPIED

CONTRACT_PATH = Path(__file__).with_name("bi_contract.json")
CHANGELOG_PATH = Path(__file__).resolve().parent.parent / "docs" / "bi.md"


def descriptions(manifest_path: Path) -> dict[str, TableDoc]:
    """The description of every published table and of its columns ("schema.table" keys),
    from the dbt manifest and, for the closed months, from the marts they copy."""
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    published = set(BI_SCHEMAS) | set(ENGINEER_SCHEMAS)
    docs: dict[str, TableDoc] = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] not in ("model", "seed") or node["schema"] not in published:
            continue
        if node.get("config", {}).get("materialized") == "ephemeral":
            continue
        columns = {name: " ".join(c.get("description", "").split()) for name, c in node.get("columns", {}).items()}
        docs[f"{node['schema']}.{node.get('alias') or node['name']}"] = TableDoc(
            " ".join(node.get("description", "").split()), columns
        )
    for kept, mart, columns, _ in COPIED:
        source = docs.get(f"marts.{mart}")
        if source is None:
            continue
        names = [c.strip() for c in columns.split(",")]
        docs[f"scores.{kept}"] = TableDoc(
            f"已关闭月份 | As scored when the month closed (a copy of marts.{mart}): {source.description}",
            {c: source.columns.get(c, "") for c in names},
        )
    docs["scores.closed_months"] = TableDoc(*CLOSED_MONTHS_DOC)
    return docs


def published_schema(con: duckdb.DuckDBPyConnection, catalog: str) -> dict[str, dict[str, Any]]:
    """What a published copy holds: per BI table, its comment and its columns' types and comments."""
    schemas = list(BI_SCHEMAS)
    marks = ", ".join("?" * len(schemas))
    tables = con.execute(
        f"select schema_name, table_name, comment from duckdb_tables() "
        f"where database_name = ? and schema_name in ({marks}) order by 1, 2",
        [catalog, *schemas],
    ).fetchall()
    out: dict[str, dict[str, Any]] = {}
    for schema, table, comment in tables:
        columns = con.execute(
            "select column_name, data_type, comment from duckdb_columns() "
            "where database_name = ? and schema_name = ? and table_name = ? order by column_index",
            [catalog, schema, table],
        ).fetchall()
        out[f"{schema}.{table}"] = {
            "description": comment or "",
            "columns": {name: {"type": dtype, "description": c or ""} for name, dtype, c in columns},
        }
    return out


def recorded() -> dict[str, Any]:
    return json.loads(CONTRACT_PATH.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Changes:
    breaking: list[str]  # removed, retyped, or a description lost
    added: list[str]

    def __bool__(self) -> bool:
        return bool(self.breaking or self.added)


def compare(contract: dict[str, dict[str, Any]], now: dict[str, dict[str, Any]]) -> Changes:
    """How `now` (a published_schema) departs from the tables a contract records."""
    breaking, added = [], []
    for table, was in contract.items():
        if table not in now:
            breaking.append(f"{table}: removed")
            continue
        is_ = now[table]
        if was["description"] and not is_["description"]:
            breaking.append(f"{table}: its description is gone")
        for column, c in was["columns"].items():
            where = f"{table}.{column}"
            if column not in is_["columns"]:
                breaking.append(f"{where}: removed")
                continue
            if is_["columns"][column]["type"] != c["type"]:
                breaking.append(f"{where}: type {c['type']} -> {is_['columns'][column]['type']}")
            if c["description"] and not is_["columns"][column]["description"]:
                breaking.append(f"{where}: its description is gone")
        added += [f"{table}.{column}: added" for column in is_["columns"] if column not in was["columns"]]
    added += [f"{table}: added" for table in now if table not in contract]
    return Changes(breaking, added)


def undescribed(now: dict[str, dict[str, Any]]) -> list[str]:
    """Published tables and columns without a description."""
    missing = [t for t, d in now.items() if not d["description"]]
    for table, d in now.items():
        missing += [f"{table}.{c}" for c, col in d["columns"].items() if not col["description"]]
    return missing


def version_needed(version: str, changes: Changes) -> str:
    """The version a contract recorded at `version` moves to with `changes`."""
    major, minor = (int(p) for p in version.split("."))
    if changes.breaking:
        return f"{major + 1}.0"
    return f"{major}.{minor + 1}" if changes.added else version


def changelog_versions(text: str) -> list[str]:
    """The versions the changelog of docs/bi.md has a section for (`### 1.0 (2026-12-04)`)."""
    return re.findall(r"^### (\d+\.\d+)\b", text, flags=re.M)


def contract_of(warehouse_path: Path, manifest_path: Path, scratch: Path) -> dict[str, dict[str, Any]]:
    """What a publish of this warehouse gives BI (a published_schema), made in `scratch`: the
    warehouse copied there, a month closed in the copy when none is (the `scores` tables
    exist from the first closed month on), published with the dbt project's descriptions."""
    import shutil

    from warehouse.duckdb import connect
    from warehouse.publish import publish_duckdb
    from warehouse.scores import close_month

    scratch.mkdir(parents=True, exist_ok=True)
    copy = scratch / "warehouse.duckdb"
    shutil.copyfile(warehouse_path, copy)
    con = connect(copy)
    try:
        closed = con.execute(
            "select count(*) from duckdb_tables() where schema_name = 'scores' and table_name = 'closed_months'"
        ).fetchone()[0]
        if not closed:
            month = con.execute("select min(points_month) from marts.mart_worker_points_monthly").fetchone()[0]
            if month is None:
                raise ValueError(f"{warehouse_path}: no points yet, so no month to close and publish")
            close_month(con, month, "bi-contract")
    finally:
        con.close()
    published = publish_duckdb(copy, scratch / "published", descriptions=descriptions(manifest_path))
    reader = duckdb.connect(str(published), read_only=True)
    try:
        return published_schema(reader, reader.execute("select current_database()").fetchone()[0])
    finally:
        reader.close()
