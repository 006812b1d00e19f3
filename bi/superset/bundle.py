"""The Superset dashboards, as code: this module describes the datasets, charts and
dashboards once, and writes them as the YAML of a Superset export bundle in
`bi/superset/bundle/` (what the repository keeps and `make bi` imports).

The same four dashboards are made for each database BI reads: the published DuckDB copy
and the PostgreSQL target (城市指标 city KPIs, 乡镇成绩单 township scorecard, 部门考核
department assessment, 网格员积分 grid-worker points). The datasets' columns, types and
descriptions come from the BI contract (warehouse/bi_contract.json), so a dataset names
only what the contract promises. Every id is a UUID derived from a name: writing the bundle
again gives the same files.

    .venv/bin/python -m bi.superset.bundle          # write bi/superset/bundle/
    .venv/bin/python -m bi.superset.bundle --check  # exit 1 when the files are not what it writes

A database's address is a placeholder in the YAML (`{duckdb_uri}`, `{postgres_uri}`): the
server script (bi/superset/serve.py) fills it in when it imports the bundle.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
BUNDLE_DIR = HERE / "bundle"
CONTRACT_PATH = HERE.parent.parent / "warehouse" / "bi_contract.json"
NAMESPACE = uuid.UUID("6b1d3f0e-4a54-4c38-9f3e-2b7a4e9d1c10")


def _uuid(*parts: str) -> str:
    return str(uuid.uuid5(NAMESPACE, "/".join(parts)))


@dataclass(frozen=True)
class Database:
    key: str
    name: str
    uri_placeholder: str
    extra: dict


DATABASES = (
    Database(
        "duckdb",
        "开封网格治理 · DuckDB 发布副本",
        "{duckdb_uri}",
        # the published copy is a read-only file; each query opens it anew, so a publish is
        # seen by the next query
        {"engine_params": {"connect_args": {"read_only": True}}, "allows_virtual_table_explore": True},
    ),
    Database("postgres", "开封网格治理 · PostgreSQL", "{postgres_uri}", {"allows_virtual_table_explore": True}),
)

# names a person reads, joined to the marts' codes (the current version of each division)
DIVISION = "(select division_code, division_name from marts.dim_division where valid_to is null)"


@dataclass(frozen=True)
class Dataset:
    key: str
    table: str  # the mart it reads (its columns come from the contract)
    description: str
    sql: str | None = None  # the mart joined to names (default: the mart itself)
    extra_columns: tuple[tuple[str, str, str], ...] = ()  # name, type, description of the joined columns


DATASETS = (
    Dataset("city_kpis", "mart_city_kpis_monthly", "城市月度指标 | The city's headline figures per month."),
    Dataset(
        "township_scorecard",
        "mart_township_scorecard_monthly",
        "乡镇月度成绩单 | Townships x month, with their names and counties'.",
        sql=(
            "select s.*, t.division_name as township_name, c.division_name as county_name\n"
            "from marts.mart_township_scorecard_monthly as s\n"
            f"left join {DIVISION} as t on t.division_code = s.township_code\n"
            f"left join {DIVISION} as c on c.division_code = s.county_code"
        ),
        extra_columns=(
            ("township_name", "VARCHAR", "乡镇街道 | The township's name."),
            ("county_name", "VARCHAR", "县区 | The county's name."),
        ),
    ),
    Dataset(
        "department_assessment",
        "mart_department_assessment_monthly",
        "部门月度考核 | Departments x month, with the platform's and the status's names.",
        sql=(
            "select a.*, p.platform_name_zh, s.status_name_zh\n"
            "from marts.mart_department_assessment_monthly as a\n"
            "left join marts.dim_platform as p on p.platform_code = a.platform_code\n"
            "left join marts.dim_assessment_status as s on s.status = a.status"
        ),
        extra_columns=(
            ("platform_name_zh", "VARCHAR", "平台名称 | The platform's name."),
            ("status_name_zh", "VARCHAR", "考核状态 | The status's name."),
        ),
    ),
    Dataset(
        "worker_points",
        "mart_worker_points_monthly",
        "网格员月度积分 | Grid workers x month, with the names of their township, pool and grade.",
        sql=(
            "select m.*, t.division_name as township_name, p.points_pool_name_zh, g.grade_en, g.sort_order as grade_order\n"
            "from marts.mart_worker_points_monthly as m\n"
            f"left join {DIVISION} as t on t.division_code = m.township_code\n"
            "left join marts.dim_points_pool as p on p.points_pool = m.points_pool\n"
            "left join marts.dim_grade as g on g.grade = m.grade"
        ),
        extra_columns=(
            ("township_name", "VARCHAR", "乡镇街道 | The township's name."),
            ("points_pool_name_zh", "VARCHAR", "积分池名称 | The pool's name."),
            ("grade_en", "VARCHAR", "等次（英文） | The grade in English."),
            ("grade_order", "INTEGER", "等次排序 | The grade's display order, best first."),
        ),
    ),
)


def metric(sql: str, label: str) -> dict:
    """A metric written in SQL (it reads the same in DuckDB and PostgreSQL)."""
    return {"expressionType": "SQL", "sqlExpression": sql, "label": label, "hasCustomLabel": True}


def where(sql: str) -> dict:
    return {"expressionType": "SQL", "clause": "WHERE", "sqlExpression": sql}


@dataclass(frozen=True)
class Chart:
    key: str
    name: str
    dataset: str
    viz_type: str
    params: dict
    width: int = 4  # of the dashboard's 12 columns
    height: int = 50


def big_number(key, name, dataset, sql, fmt=",d", width=3, filters=()):
    return Chart(
        key,
        name,
        dataset,
        "big_number_total",
        {
            "metric": metric(sql, name),
            "adhoc_filters": [where(f) for f in filters],
            "header_font_size": 0.4,
            "subheader_font_size": 0.15,
            "y_axis_format": fmt,
        },
        width=width,
        height=25,
    )


def bars(key, name, dataset, x, metrics, width=6, filters=(), limit=None, sort_desc=False):
    params = {
        "x_axis": x,
        "metrics": [metric(sql, label) for sql, label in metrics],
        "groupby": [],
        "adhoc_filters": [where(f) for f in filters],
        "row_limit": limit or 10000,
        "orientation": "vertical",
        "show_legend": True,
        "rich_tooltip": True,
        "y_axis_format": "SMART_NUMBER",
        "x_axis_sort_asc": not sort_desc,
        "color_scheme": "supersetColors",
    }
    if sort_desc:
        params["x_axis_sort"] = metrics[0][1]
    return Chart(key, name, dataset, "echarts_timeseries_bar", params, width=width)


def pie(key, name, dataset, by, sql="count(*)", label="数量", width=4, filters=()):
    params = {
        "groupby": [by],
        "metric": metric(sql, label),
        "adhoc_filters": [where(f) for f in filters],
        "row_limit": 100,
        "show_legend": True,
        "show_labels": True,
        "label_type": "key_value",
        "number_format": "SMART_NUMBER",
        "color_scheme": "supersetColors",
    }
    return Chart(key, name, dataset, "pie", params, width=width)


# how a table shows its number columns (the marts hold rates and scores unrounded)
TABLE_FORMATS = {
    "on_time_rate": ".1%",
    "completion_rate": ".1%",
    "composite_score": ".2f",
    "total_points": ",.2f",
    "worker_points": ",.2f",
}


def table(key, name, dataset, columns, order_by, limit=200, width=12, filters=()):
    params = {
        "column_config": {c: {"d3NumberFormat": TABLE_FORMATS[c]} for c in columns if c in TABLE_FORMATS},
        "query_mode": "raw",
        "all_columns": list(columns),
        "order_by_cols": [json.dumps([column, ascending]) for column, ascending in order_by],
        "adhoc_filters": [where(f) for f in filters],
        "row_limit": limit,
        "server_pagination": False,
        "table_timestamp_format": "smart_date",
        "include_search": True,
        "page_length": 20,
    }
    return Chart(key, name, dataset, "table", params, width=width, height=70)


@dataclass(frozen=True)
class Dashboard:
    key: str
    title: str
    description: str
    rows: tuple[tuple[Chart, ...], ...] = field(default=())


DASHBOARDS = (
    Dashboard(
        "city_kpis",
        "城市指标 City KPIs",
        "开封市网格化治理每月的头条数字 | The city's headline figures per month.",
        (
            (
                big_number("events_reported", "上报事件（全部月份）", "city_kpis", "sum(events_reported)"),
                big_number("events_closed", "结案事件（全部月份）", "city_kpis", "sum(events_closed)"),
                big_number(
                    "on_time_rate",
                    "按时办结率（全部月份）",
                    "city_kpis",
                    "sum(tasks_on_time) * 1.0 / nullif(sum(tasks_accepted), 0)",
                    fmt=".1%",
                ),
                big_number("worker_points", "网格员积分（全部月份）", "city_kpis", "sum(worker_points)", fmt=",.2f"),
            ),
            (
                bars(
                    "events_by_month",
                    "各月上报与结案事件",
                    "city_kpis",
                    "scorecard_month",
                    [("sum(events_reported)", "上报事件"), ("sum(events_closed)", "结案事件")],
                    width=12,
                ),
            ),
            (
                table(
                    "kpis_table",
                    "月度指标（is_final 为 false 的月份为暂定）",
                    "city_kpis",
                    (
                        "scorecard_month",
                        "events_reported",
                        "events_closed",
                        "tasks_accepted",
                        "tasks_on_time",
                        "on_time_rate",
                        "alarms_pushed",
                        "alarms_within_30_min",
                        "services_delivered",
                        "disputes_resolved",
                        "grid_workers",
                        "worker_points",
                        "is_final",
                    ),
                    [("scorecard_month", False)],
                ),
            ),
        ),
    ),
    Dashboard(
        "township_scorecard",
        "乡镇成绩单 Township scorecard",
        "各乡镇街道每月的事件、办结与网格员积分 | Townships x month.",
        (
            (
                big_number("townships", "乡镇街道数", "township_scorecard", "count(distinct township_code)"),
                big_number("township_events", "上报事件（已定位）", "township_scorecard", "sum(events_reported)"),
                bars(
                    "events_by_county",
                    "各县区上报事件",
                    "township_scorecard",
                    "county_name",
                    [("sum(events_reported)", "上报事件")],
                    sort_desc=True,
                ),
            ),
            (
                table(
                    "townships_table",
                    "乡镇月度成绩单",
                    "township_scorecard",
                    (
                        "scorecard_month",
                        "county_name",
                        "township_name",
                        "events_reported",
                        "events_closed",
                        "tasks_accepted",
                        "on_time_rate",
                        "grid_workers",
                        "worker_points",
                        "excellent_workers",
                        "is_final",
                    ),
                    [("scorecard_month", False), ("events_reported", False)],
                    limit=1000,
                ),
            ),
        ),
    ),
    Dashboard(
        "department_assessment",
        "部门考核 Department assessment",
        "各部门每月的考核指标、综合得分与排名 | Departments x month: indicators, composite score, ranks.",
        (
            (
                big_number(
                    "departments_assessed",
                    "参评部门（部门·月）",
                    "department_assessment",
                    "count(*)",
                    filters=("status = 'assessed'",),
                ),
                bars(
                    "score_by_platform",
                    "各平台平均综合得分",
                    "department_assessment",
                    "platform_name_zh",
                    [("avg(composite_score)", "平均综合得分")],
                    filters=("status = 'assessed'",),
                    width=5,
                ),
                pie("departments_by_status", "考核状态（部门·月）", "department_assessment", "status_name_zh"),
            ),
            (
                table(
                    "departments_table",
                    "部门月度考核排名",
                    "department_assessment",
                    (
                        "assessment_month",
                        "rank_overall",
                        "department_name",
                        "platform_name_zh",
                        "rank_in_platform",
                        "tasks_dispatched",
                        "tasks_accepted",
                        "completion_rate",
                        "on_time_rate",
                        "composite_score",
                        "status_name_zh",
                        "is_final",
                    ),
                    [("assessment_month", False), ("rank_overall", True)],
                    limit=1000,
                    filters=("status = 'assessed'",),
                ),
            ),
        ),
    ),
    Dashboard(
        "worker_points",
        "网格员积分 Grid-worker points",
        "网格员每月积分、排名与等次 | Grid workers x month: points, ranks and grades.",
        (
            (
                big_number("workers", "网格员（人·月）", "worker_points", "count(*)"),
                pie("grades", "等次分布（人·月）", "worker_points", "grade"),
                bars(
                    "points_by_pool",
                    "各积分池人均积分",
                    "worker_points",
                    "points_pool_name_zh",
                    [("avg(total_points)", "人均积分")],
                    width=5,
                ),
            ),
            (
                table(
                    "workers_table",
                    "网格员积分排行",
                    "worker_points",
                    (
                        "points_month",
                        "staff_name_masked",
                        "township_name",
                        "points_pool_name_zh",
                        "total_points",
                        "ledger_lines",
                        "township_rank",
                        "county_rank",
                        "county_pool_workers",
                        "grade",
                        "is_final",
                    ),
                    [("points_month", False), ("total_points", False)],
                    limit=500,
                ),
            ),
        ),
    ),
)


# --- the bundle's files -------------------------------------------------------------------


def _contract() -> dict:
    return json.loads(CONTRACT_PATH.read_text(encoding="utf-8"))["tables"]


def _database_yaml(db: Database) -> dict:
    return {
        "database_name": db.name,
        "sqlalchemy_uri": db.uri_placeholder,
        "cache_timeout": None,
        "expose_in_sqllab": True,
        "allow_run_async": False,
        "allow_ctas": False,
        "allow_cvas": False,
        "allow_dml": False,
        "allow_file_upload": False,
        "extra": db.extra,
        "uuid": _uuid("database", db.key),
        "version": "1.0.0",
    }


def _column(name: str, type_: str, description: str) -> dict:
    return {
        "column_name": name,
        "verbose_name": description.split(" | ")[0],
        "is_dttm": type_.startswith(("DATE", "TIMESTAMP")),
        "is_active": True,
        "type": type_,
        "advanced_data_type": None,
        "groupby": True,
        "filterable": True,
        "expression": None,
        "description": description,
        "python_date_format": None,
        "extra": None,
    }


def _dataset_yaml(db: Database, ds: Dataset, contract: dict) -> dict:
    table = contract[f"marts.{ds.table}"]
    columns = [_column(n, c["type"], c["description"]) for n, c in sorted(table["columns"].items())]
    columns += [_column(*c) for c in ds.extra_columns]
    return {
        # every dataset is a query, named per database: Superset's SQLite metadata keeps a
        # table name once, whatever its database
        "table_name": f"{ds.key}_{db.key}",
        "main_dttm_col": None,
        "description": ds.description,
        "default_endpoint": None,
        "offset": 0,
        "cache_timeout": None,
        "catalog": None,
        "schema": "marts",
        "sql": ds.sql or f"select * from marts.{ds.table}",
        "params": None,
        "template_params": None,
        "filter_select_enabled": True,
        "fetch_values_predicate": None,
        "extra": None,
        "normalize_columns": False,
        "always_filter_main_dttm": False,
        "uuid": _uuid("dataset", db.key, ds.key),
        "metrics": [
            {
                "metric_name": "count",
                "verbose_name": "行数",
                "metric_type": "count",
                "expression": "count(*)",
                "description": None,
                "d3format": None,
                "currency": None,
                "extra": None,
                "warning_text": None,
            }
        ],
        "columns": columns,
        "version": "1.0.0",
        "database_uuid": _uuid("database", db.key),
    }


def _chart_yaml(db: Database, chart: Chart) -> dict:
    return {
        "slice_name": chart.name,
        "description": None,
        "certified_by": None,
        "certification_details": None,
        "viz_type": chart.viz_type,
        "params": {**chart.params, "viz_type": chart.viz_type},
        "query_context": None,
        "cache_timeout": None,
        "uuid": _uuid("chart", db.key, chart.key),
        "version": "1.0.0",
        "dataset_uuid": _uuid("dataset", db.key, chart.dataset),
    }


def _position(db: Database, dashboard: Dashboard) -> dict:
    position: dict = {
        "DASHBOARD_VERSION_KEY": "v2",
        "ROOT_ID": {"type": "ROOT", "id": "ROOT_ID", "children": ["GRID_ID"]},
        "GRID_ID": {"type": "GRID", "id": "GRID_ID", "children": [], "parents": ["ROOT_ID"]},
        "HEADER_ID": {"type": "HEADER", "id": "HEADER_ID", "meta": {"text": dashboard.title}},
    }
    chart_number = 0
    for r, row in enumerate(dashboard.rows, start=1):
        row_id = f"ROW-{r}"
        position["GRID_ID"]["children"].append(row_id)
        position[row_id] = {
            "type": "ROW",
            "id": row_id,
            "children": [],
            "parents": ["ROOT_ID", "GRID_ID"],
            "meta": {"background": "BACKGROUND_TRANSPARENT"},
        }
        for chart in row:
            chart_number += 1
            chart_id = f"CHART-{chart.key}"
            position[row_id]["children"].append(chart_id)
            position[chart_id] = {
                "type": "CHART",
                "id": chart_id,
                "children": [],
                "parents": ["ROOT_ID", "GRID_ID", row_id],
                "meta": {
                    "chartId": chart_number,  # replaced by the chart's id on import (found by uuid)
                    "uuid": _uuid("chart", db.key, chart.key),
                    "sliceName": chart.name,
                    "width": chart.width,
                    "height": chart.height,
                },
            }
    return position


def _dashboard_yaml(db: Database, dashboard: Dashboard) -> dict:
    suffix = "DuckDB" if db.key == "duckdb" else "PostgreSQL"
    return {
        "dashboard_title": f"{dashboard.title} · {suffix}",
        "description": dashboard.description,
        "css": "",
        "slug": f"{dashboard.key.replace('_', '-')}-{db.key}",
        "certified_by": None,
        "certification_details": None,
        "published": True,
        "uuid": _uuid("dashboard", db.key, dashboard.key),
        "position": _position(db, dashboard),
        "metadata": {
            "color_scheme": "supersetColors",
            "refresh_frequency": 0,
            "expanded_slices": {},
            "label_colors": {},
            "timed_refresh_immune_slices": [],
            "cross_filters_enabled": True,
            "native_filter_configuration": [],
        },
        "version": "1.0.0",
    }


def files() -> dict[str, str]:
    """The bundle: path inside it -> YAML text."""
    contract = _contract()

    def dump(data: dict) -> str:
        return yaml.safe_dump(data, allow_unicode=True, sort_keys=True, width=120)

    out = {"metadata.yaml": dump({"version": "1.0.0", "type": "Dashboard", "timestamp": "2026-12-04T00:00:00+00:00"})}
    for db in DATABASES:
        out[f"databases/{db.key}.yaml"] = dump(_database_yaml(db))
        for ds in DATASETS:
            out[f"datasets/{db.key}/{ds.key}.yaml"] = dump(_dataset_yaml(db, ds, contract))
        for dashboard in DASHBOARDS:
            for row in dashboard.rows:
                for chart in row:
                    out[f"charts/{db.key}/{dashboard.key}__{chart.key}.yaml"] = dump(_chart_yaml(db, chart))
            out[f"dashboards/{db.key}__{dashboard.key}.yaml"] = dump(_dashboard_yaml(db, dashboard))
    return out


def write(directory: Path = BUNDLE_DIR) -> None:
    for old in directory.rglob("*.yaml"):
        old.unlink()
    for path, text in files().items():
        target = directory / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


def differs(directory: Path = BUNDLE_DIR) -> list[str]:
    """The bundle's files that are not what `files()` writes (missing, changed or extra)."""
    want = files()
    have = {str(p.relative_to(directory)): p.read_text(encoding="utf-8") for p in directory.rglob("*.yaml")}
    return sorted(p for p in want.keys() | have.keys() if want.get(p) != have.get(p))


def zipped(uris: dict[str, str], databases: tuple[str, ...], directory: Path = BUNDLE_DIR) -> bytes:
    """The bundle as Superset imports it (one folder in a zip), for the `databases` given
    (keys of DATABASES), each database's address filled in from `uris`."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for path in sorted(directory.rglob("*.yaml")):
            rel = path.relative_to(directory)
            parts = rel.parts
            key = parts[1] if parts[0] in ("datasets", "charts") else rel.stem.split("__")[0]
            if parts[0] != "metadata.yaml" and key not in databases:
                continue
            text = path.read_text(encoding="utf-8")
            if parts[0] == "databases":
                data = yaml.safe_load(text)
                data["sqlalchemy_uri"] = uris[key]
                text = yaml.safe_dump(data, allow_unicode=True, sort_keys=True)
            z.writestr(f"kaifeng_bundle/{rel.as_posix()}", text)
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when bi/superset/bundle/ is not up to date")
    args = parser.parse_args(argv)
    if args.check:
        stale = differs()
        for path in stale:
            print(f"bundle: {path} is not what bi/superset/bundle.py writes", file=sys.stderr)
        return 1 if stale else 0
    write()
    print(f"wrote {len(files())} files in {BUNDLE_DIR}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
