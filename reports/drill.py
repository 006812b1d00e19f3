"""The scorecard's drill-down: the HTML report's tables of townships, grids, grid workers and
departments, each row opening to what is behind it, written beside the report as data files
the page loads when asked (a city month's ledger would be hundreds of megabytes inline).

`<report>.data/index.js` holds the four tables; `<report>.data/<part>/<key>.js` the rows behind
one row: a worker's ledger lines, a department's or a grid's tasks of the month (a township
opens to its grids, from the index). Each file is a script that hands its JSON to the page
(`__drill(name, data)`): a page opened from disk (file://) may load scripts beside it, while
its requests for JSON files are refused.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from connectors.common.timezone import SHANGHAI
from reports.scorecard import SOURCE_NAMES, Column, Scorecard, Sheet, _case
from warehouse.scores import month_bounds

# the index's tables: the sheet, the column that keys a row, and what a row opens to (a part
# of the data files, or `grids`: the township's rows of the grids table)
TABLES = {
    "townships": ("乡镇", "township_code", "grids"),
    "grids": ("网格", "grid_code", "tasks"),
    "workers": ("网格员", "staff_id", "ledger"),
    "departments": ("部门", "department_code", "tasks"),
}
TASK_COLUMNS = [
    Column("task_id", "任务编号"),
    Column("subitem_name", "事项"),
    Column("department_name", "责任部门"),
    Column("dispatched_at", "派遣时间", "datetime"),
    Column("due_at", "处置期限", "datetime"),
    Column("last_handled_at", "处置时间", "datetime"),
    Column("accepted_at", "验收时间", "datetime"),
    Column("returned_count", "退回次数", "int"),
    Column("outcome", "结果"),
    Column("handled_on_time", "按时"),
]
LEDGER_COLUMNS = [
    Column("qualifying_at", "时间", "datetime"),
    Column("rule", "规则"),
    Column("points", "积分", "points"),
    Column("reason_zh", "原因"),
    Column("source_name", "来源系统"),
    Column("source_record_id", "来源记录"),
    Column("subitem_name", "事项"),
]
OUTCOMES = {"accepted": "已验收", "rejected": "驳回", "rerouted": "转办", "open": "办理中"}
# each department's latest name, to join to its tasks (alias d)
DEPARTMENT_NAMES = """(select department_code, max_by(department_name, version_no) as department_name
               from marts.dim_department group by 1) as d"""
SAFE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def file_key(value: str) -> str:
    """The file name a row's key gets: itself where it is plain, else a digest of it."""
    text = str(value)
    return text if SAFE.match(text) else hashlib.sha256(text.encode()).hexdigest()[:24]


def _plain(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        local = value.astimezone(SHANGHAI) if value.tzinfo else value
        return f"{local:%Y-%m-%d %H:%M}"
    if isinstance(value, date):
        return value.isoformat()
    return value


def _columns(columns: list[Column]) -> list[dict]:
    return [{"key": c.key, "header": c.header, "kind": c.kind} for c in columns]


def _script(path: Path, name: str, data: dict) -> None:
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")  # no markup
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"__drill({json.dumps(name)},{text});\n", encoding="utf-8")


def _grouped(con, sql: str, params: list):
    """(key, rows) per key of a query ordered by its first column, the key."""
    cur = con.cursor()
    try:
        cur.execute(sql, params)
        key, rows = None, []
        while chunk := cur.fetchmany(10_000):
            for row in chunk:
                if row[0] != key and rows:
                    yield key, rows
                    rows = []
                key = row[0]
                rows.append([_plain(v) for v in row[1:]])
        if rows:
            yield key, rows
    finally:
        cur.close()


def _task_select(where: str) -> str:
    return f"""
        select {where} as key, t.task_id, e.event_type_name, d.department_name, t.dispatched_at, t.due_at,
               t.last_handled_at, t.accepted_at, t.returned_count, {_case("t.outcome", OUTCOMES)},
               case t.handled_on_time when true then '是' when false then '否' end
        from marts.fct_dispatch_tasks as t
        left join marts.dim_event_type as e on e.event_type_code = t.event_type_code
        left join {DEPARTMENT_NAMES} on d.department_code = t.department_code
        where t.dispatched_at >= ?::timestamptz and t.dispatched_at < ?::timestamptz and {where} is not null
        order by 1, t.dispatched_at, t.task_id
    """


def write_drill(card: Scorecard, directory: Path) -> Path:
    """Write the drill-down's files into `directory` (replaced whole); the directory."""
    tmp = directory.with_name(f".{directory.name}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    con = next(iter(card.sheets.values())).con
    first, after = month_bounds(card.month)
    bounds = [f"{first} 00:00:00+08", f"{after} 00:00:00+08"]
    source = _case("l.source_system", SOURCE_NAMES)
    ledger = f"""
        select l.staff_id, l.qualifying_at, l.rule_id || ' ' || coalesce(r.name_zh, ''), l.points, l.reason_zh,
               {source}, l.source_record_id, e.event_type_name
        from {card.points_source}.{"worker_points_ledger" if card.closed else "fct_worker_points_ledger"} as l
        left join rules.points_rules as r on r.rule_id = l.rule_id and r.version = l.rule_version
        left join marts.dim_event_type as e on e.event_type_code = l.subitem_code
        where l.points_month = ?
        order by 1, l.qualifying_at, l.source_record_id, l.rule_id
    """
    written: dict[str, set] = {}
    for part, sql, params, columns in (
        ("departments", _task_select("t.department_code"), bounds, TASK_COLUMNS),
        ("grids", _task_select("t.grid_code"), bounds, TASK_COLUMNS),
        ("workers", ledger, [card.month], LEDGER_COLUMNS),
    ):
        written[part] = set()
        for key, rows in _grouped(con, sql, params):
            _script(tmp / part / f"{file_key(key)}.js", f"{part}/{key}", {"columns": _columns(columns), "rows": rows})
            written[part].add(key)
    index = {"month": card.month, "tables": {}}
    for name, (sheet_name, key, opens) in TABLES.items():
        sheet: Sheet = card.sheets[sheet_name]
        rows = [[_plain(v) for v in row] for row in sheet.rows()]
        at = [c.key for c in sheet.columns].index(key)
        index["tables"][name] = {
            "title": sheet_name,
            "columns": _columns(sheet.columns),
            "key": key,
            "opens": opens,
            "rows": rows,
            # the file of each row's detail; null where the month has none
            "files": [file_key(r[at]) if r[at] in written.get(name, ()) else None for r in rows],
        }
    _script(tmp / "index.js", "index", index)
    old = directory.with_name(f".{directory.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if directory.exists():
        directory.rename(old)
    tmp.rename(directory)
    shutil.rmtree(old, ignore_errors=True)
    return directory
