"""The JSON macros (dbt_project/macros/json.sql) through dbt itself: one `dbt show --inline` on
a throwaway DuckDB warehouse reads documents with `json_select` and returns, beside the fields,
the SQL the macro wrote, so the test sees both what is read and how often it is parsed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.dbt_project.dbt_cli import dbt_env, run_dbt

pytestmark = pytest.mark.slow  # dbt on a project or warehouse of its own: make test-all

DOCS = [
    (
        1,
        {
            "a": "x",
            "n": {"m": 2},
            "来源 形式": "来信",
            "num": "3.5",
            "nan": "NaN",
            "inf": "-Infinity",
            "huge": 1e300,
            "flag": True,
            "obj": {"b": [1, 2]},
            "nul": None,
        },
    ),
    (2, {}),
]

# every reader of json.sql, given the document; `a` is read twice on purpose
FIELDS = {
    "a": "json_text(doc, '$.a')",
    "n_m": "json_text(doc, '$.n.m')",
    "form": """json_text(doc, '$."来源 形式"')""",
    "num": "json_degrees(doc, '$.num', 90)",
    "nan": "json_degrees(doc, '$.nan', 90)",  # degrees are finite and within the bound: else null
    "inf": "json_degrees(doc, '$.inf', 90)",
    "huge": "json_degrees(doc, '$.huge', 90)",
    "m_int": "json_int(doc, '$.n.m')",
    "flag": "json_bool(doc, '$.flag')",
    "obj": "json_fragment(doc, '$.obj')",
    "nul": "json_text(doc, '$.nul')",
    "missing": "json_text(doc, '$.missing')",
    "a_again": "json_text(doc, '$.a')",
}


def _inline_query() -> str:
    values = ", ".join(f"({i}, '{json.dumps(d, ensure_ascii=False)}')" for i, d in DOCS)
    select_list = ",\n        ".join(f"{{{{ {expr} }}}} as {name}" for name, expr in FIELDS.items())
    return f"""
{{% set read %}}
    {{% call(doc) json_select('docs', 'payload') %}}
        i,
        {select_list}
    {{% endcall %}}
{{% endset %}}
with docs as (select * from (values {values}) as t(i, payload))
select *, '{{{{ read | replace("'", "''") }}}}' as compiled_sql
from ({{{{ read }}}}) as r
order by i
"""


@pytest.fixture(scope="module")
def rows(tmp_path_factory) -> list[dict]:
    tmp: Path = tmp_path_factory.mktemp("json_macros")
    args = ["show", "--output", "json", "--limit", "10", "--inline", _inline_query()]
    done = run_dbt(args, dbt_env(tmp / "json.duckdb", tmp / "lake"), tmp, timeout=300)
    assert done.returncode == 0, f"dbt show failed:\n{done.stdout}\n{done.stderr}"
    return json.loads(done.stdout[done.stdout.index("{") :])["show"]


def test_json_select_reads_every_kind_of_field(rows):
    first, empty = rows
    assert {k: v for k, v in first.items() if k not in ("i", "obj", "compiled_sql")} == {
        "a": "x",
        "n_m": "2",
        "form": "来信",
        "num": 3.5,
        "nan": None,
        "inf": None,
        "huge": None,
        "m_int": 2,
        "flag": True,
        "nul": None,
        "missing": None,
        "a_again": "x",
    }
    assert json.loads(first["obj"]) == {"b": [1, 2]}
    assert all(empty[k] is None for k in FIELDS), empty


def test_json_select_parses_each_document_once(rows):
    sql = rows[0]["compiled_sql"]
    assert sql.count("json_extract_string(") == 1, sql
    # a path read twice is extracted once
    assert sql.count("'$.a'") == 1 and sql.count("'$.n.m'") == 1, sql
