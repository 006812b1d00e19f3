"""Before a run on new code: a lake and a warehouse checked against what the running code
expects, each finding with what to do (`govhub upgrade check`).

- **ok**: nothing to do.
- **migrate**: the next run changes it in place, by itself (a lake of an older format gets
  its commit log), or a command named in the finding does.
- **rebuild**: the next build rebuilds it from the lake (an incremental model whose code, or
  whose inputs' code, changed is built from scratch), or a table must go (one no model
  builds any more, which would otherwise be published); the BI copy is published under
  another contract version.
- **refuse**: the running code must not touch it (a lake or a copy written by a newer
  version, an unfinished key rotation, pseudonym keys other than the lake's, closed months
  missing columns the code copies): the finding says what to do instead.

The fingerprints compared are the dbt project's own (`model_fingerprint` in
dbt_project/macros/incremental.sql): a model's checksum and those of everything upstream of
it, as meta.model_state holds them for the last build of each incremental model.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from connectors.common.errors import ConfigError
from connectors.common.lake import FORMAT_VERSION, MAINTENANCE, PSEUDONYM_KEYS, Lake
from warehouse.publish import LINK_NAME

VERDICTS = ("ok", "migrate", "rebuild", "refuse")
DBT_SCHEMAS = ("staging", "intermediate", "marts", "quarantine", "reference", "rules")


@dataclass(frozen=True)
class Finding:
    part: str  # lake, keys, models, tables, closed months, BI copy
    verdict: str  # one of VERDICTS
    says: str  # what was found and what to do

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise ValueError(self.verdict)


def worst(findings: list[Finding]) -> str:
    return max((f.verdict for f in findings), key=VERDICTS.index, default="ok")


def check_lake(lake_dir: Path, env: dict[str, str] | None = None) -> list[Finding]:
    lake = Lake(lake_dir)
    if not (lake.root / "raw").is_dir():
        return [
            Finding("lake", "ok", f"no lake at {lake.root} yet: the first landing makes one in format {FORMAT_VERSION}")
        ]
    out = []
    if (lake.root / MAINTENANCE).exists():
        what = json.loads((lake.root / MAINTENANCE).read_text(encoding="utf-8"))
        out.append(
            Finding(
                "lake",
                "refuse",
                f"{what['operation']} is unfinished (since {what['since']}): "
                f"run `{what['resume']}` to finish it before anything else",
            )
        )
    found = lake.format_version()
    if found > FORMAT_VERSION:
        out.append(
            Finding(
                "lake",
                "refuse",
                f"format {found}, written by a newer version of the platform (this one "
                f"reads {FORMAT_VERSION}): run the newer version, or restore a backup taken before",
            )
        )
    elif found < FORMAT_VERSION:
        out.append(
            Finding(
                "lake",
                "migrate",
                f"format {found}: the next build commits its files in the log "
                f"(format {FORMAT_VERSION}), in place, before it reads them",
            )
        )
    else:
        out.append(Finding("lake", "ok", f"format {found}"))
    env = os.environ if env is None else env
    if env.get("GOVHUB_PSEUDONYM_KEY") and (lake.root / PSEUDONYM_KEYS).exists():  # else nothing to compare
        from connectors.common.personal import Pseudonymizer

        configured = Pseudonymizer.from_env(env).key_ids
        try:
            lake.check_pseudonym_keys(configured)  # what a landing is told
        except ConfigError as exc:
            out.append(Finding("keys", "refuse", f"landing would be refused: {exc}"))
        else:
            out.append(Finding("keys", "ok", f"the key chain {' > '.join(configured)}"))
    return out


def model_fingerprints(manifest: dict) -> dict[str, str]:
    """schema.name -> the fingerprint the next build computes for each incremental model."""
    nodes = manifest["nodes"]
    out = {}
    for uid, node in nodes.items():
        if node["resource_type"] != "model" or node["config"].get("materialized") != "incremental":
            continue
        seen, parts, stack = set(), [], [uid]
        while stack:
            current = stack.pop()
            if current in seen or current not in nodes:
                continue
            seen.add(current)
            parts.append(f"{current}={nodes[current]['checksum']['checksum']}")
            stack.extend(nodes[current].get("depends_on", {}).get("nodes", []))
        out[f"{node['schema']}.{node['alias'] or node['name']}"] = hashlib.md5(
            ";".join(sorted(parts)).encode()
        ).hexdigest()
    return out


def _relations(con) -> set[str]:
    schemas = ", ".join(f"'{s}'" for s in DBT_SCHEMAS)
    return {
        f"{s}.{t}"
        for s, t in con.execute(
            f"select table_schema, table_name from information_schema.tables where table_schema in ({schemas})"
        ).fetchall()
    }


def check_warehouse(warehouse: Path, manifest_path: Path) -> list[Finding]:
    from warehouse.duckdb import connect
    from warehouse.scores import COPIED

    if not Path(warehouse).exists():
        return [Finding("warehouse", "ok", f"no warehouse at {warehouse} yet: the next build makes it from the lake")]
    manifest = json.loads(Path(manifest_path).read_text(encoding="utf-8"))
    expected = model_fingerprints(manifest)
    built = {
        f"{n['schema']}.{n['alias'] or n['name']}"
        for n in manifest["nodes"].values()
        if n["resource_type"] in ("model", "seed")
    }
    out = []
    con = connect(warehouse, read_only=True)
    try:
        held = {}
        if con.execute(
            "select count(*) from information_schema.tables where table_schema = 'meta' and table_name = 'model_state'"
        ).fetchone()[0]:
            held = {
                ".".join(part.strip('"') for part in m.split(".")[-2:]): f
                for m, f in con.execute("select model, fingerprint from meta.model_state").fetchall()
            }
        relations = _relations(con)
        changed = sorted(m for m, f in expected.items() if m in relations and held.get(m) != f)
        if changed:
            out.append(
                Finding(
                    "models",
                    "rebuild",
                    f"{len(changed)} incremental models changed since they were built "
                    f"(their code or their inputs'): the next build rebuilds them from "
                    f"scratch, and what reads them: {', '.join(changed)}",
                )
            )
        else:
            out.append(Finding("models", "ok", f"{len(expected)} incremental models as built"))
        stale = sorted(relations - built)
        if stale:
            drops = "; ".join(f"drop table {r}" for r in stale)
            out.append(
                Finding(
                    "tables",
                    "rebuild",
                    f"{len(stale)} tables no model builds any more (the BI copy would "
                    f"publish those in marts): {', '.join(stale)}; drop them ({drops})",
                )
            )
        scored = {
            t
            for (t,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'scores'"
            ).fetchall()
        }
        for kept, _, columns, _ in COPIED:
            if kept not in scored:
                continue
            have = {
                c
                for (c,) in con.execute(
                    "select column_name from information_schema.columns "
                    "where table_schema = 'scores' and table_name = ?",
                    [kept],
                ).fetchall()
            }
            missing = [c.strip() for c in columns.split(",") if c.strip() not in have]
            if missing:
                out.append(
                    Finding(
                        "closed months",
                        "refuse",
                        f"scores.{kept} lacks {', '.join(missing)}, which this "
                        "version copies when it closes a month: restore the "
                        "closed months of this version, or run the version that "
                        "scored them",
                    )
                )
    finally:
        con.close()
    return out


def check_published(published: Path) -> list[Finding]:
    from warehouse.publish import CONTRACT_SCHEMA, contract_version

    if not published.exists():
        return [Finding("BI copy", "ok", "not published yet: the next build publishes it")]
    import duckdb

    con = duckdb.connect(str(published), read_only=True)
    try:
        has = con.execute(
            "select count(*) from information_schema.tables where table_schema = ? and table_name = 'version'",
            [CONTRACT_SCHEMA],
        ).fetchone()[0]
        version = con.execute(f"select version from {CONTRACT_SCHEMA}.version").fetchone()[0] if has else None
    finally:
        con.close()
    code = contract_version()
    if version == code:
        return [Finding("BI copy", "ok", f"published under BI contract {version}")]
    if version is None:
        return [
            Finding(
                "BI copy",
                "rebuild",
                f"published before it recorded its contract: the next build publishes it under contract {code}",
            )
        ]
    was, now = (tuple(int(p) for p in v.split(".")) for v in (version, code))
    if was > now:
        return [
            Finding(
                "BI copy",
                "refuse",
                f"published under contract {version}, newer than this version's {code}: run the newer version",
            )
        ]
    what = "a major change: tell BI users (docs/bi.md, changelog)" if was[0] != now[0] else "tables or columns added"
    return [
        Finding(
            "BI copy",
            "rebuild",
            f"published under contract {version}; the next build publishes contract {code} ({what})",
        )
    ]


def check(lake_dir: Path, warehouse: Path, manifest_path: Path, env: dict[str, str] | None = None) -> list[Finding]:
    """Every finding about the lake at `lake_dir`, the warehouse and its BI copy."""
    return [
        *check_lake(lake_dir, env),
        *check_warehouse(warehouse, manifest_path),
        *check_published(Path(warehouse).parent / "published" / LINK_NAME),
    ]
