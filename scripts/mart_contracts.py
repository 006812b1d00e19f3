"""Fill in the `data_type` of every mart column in the dbt YAML from a built warehouse.

The marts carry enforced dbt contracts: each column's type is declared in the YAML beside
its description. After a model's columns change, build the warehouse (e.g. `govhub demo
--preset tiny`) and run

    .venv/bin/python scripts/mart_contracts.py path/to/kaifeng.duckdb

to bring the declared types in line; a column without a description is an error (every
published column is documented, Chinese label first).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb
import yaml

MARTS = Path(__file__).resolve().parent.parent / "dbt_project" / "models" / "marts"


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper, value):
    style = ">" if len(value) > 100 else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def main(warehouse: str) -> int:
    if not Path(warehouse).is_file():
        print(f"mart_contracts: no DuckDB file at {warehouse}", file=sys.stderr)
        return 2
    con = duckdb.connect(warehouse, read_only=True)
    problems = []
    for path in sorted(MARTS.rglob("_*__models.yml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        for model in doc["models"]:
            actual = con.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = 'marts' and table_name = ? order by ordinal_position",
                [model["name"]],
            ).fetchall()
            if not actual:
                problems.append(f"{model['name']}: not built in {warehouse}")
                continue
            declared = {c["name"]: c for c in model.get("columns", [])}
            ordered = []
            for name, data_type in actual:
                col = declared.pop(name, None)
                if col is None or not col.get("description"):
                    problems.append(f"{model['name']}.{name}: no description")
                    continue
                rest = {k: v for k, v in col.items() if k not in ("name", "data_type", "description")}
                ordered.append(
                    {"name": name, "data_type": data_type.lower(), "description": col["description"], **rest}
                )
            problems += [f"{model['name']}.{n}: declared but not in the table" for n in declared]
            model["columns"] = ordered
        text = yaml.dump(doc, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100, indent=2)
        path.write_text(text, encoding="utf-8")
    for p in problems:
        print(p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description="declare each mart column's type in the dbt YAML from a built warehouse"
    )
    parser.add_argument("warehouse", help="the DuckDB file of a built warehouse, e.g. warehouse/kaifeng.duckdb")
    sys.exit(main(parser.parse_args().warehouse))
