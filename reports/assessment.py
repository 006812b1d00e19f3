"""The annual department assessment (年度部门考核) the service-guarantee centre signs: every
department of the year, ranked overall and within its platform on the six indicators, each
with its numerator and denominator, the weights and how they were spread where an indicator
had no data, and the departments with too few tasks listed apart.

Written from `marts.mart_department_assessment_annual` (a year counted over its own tasks)
to `<reports dir>/assessment-<YYYY>/`:
- `assessment-<YYYY>.xlsx`: 说明 (weights, rules, status), 排名, 数据不足, 任务明细 (every task of
  the year with its dispatch, due, handling, acceptance and return), 信访明细 (the year's
  petitions by handling unit);
- `assessment-<YYYY>.html`: the same tables, each department opening to its tasks and
  petitions (loaded on demand, as the scorecard's drill-down);
- `assessment-<YYYY>.pdf`: the ranking on A4 with the centre's header and page numbers, for
  signing (Chromium's print to PDF).
A year not yet ended is provisional: every page says so across it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from pathlib import Path

from connectors.common.atomic import replaced_whole, write_text_whole
from connectors.common.timezone import SHANGHAI
from reports.drill import DEPARTMENT_NAMES, OUTCOMES, _columns, _grouped, _script, file_key
from reports.scorecard import ASSESSMENT_FIGURES, ASSESSMENT_INDICATORS, Column, Sheet, _case

YEAR = re.compile(r"^\d{4}$")
CENTRE = "开封市基层社会治理服务保障中心"
# the numerator and denominator of each indicator (columns of the annual mart)
FRACTIONS = {
    "completion_rate": ("tasks_accepted", "tasks_dispatched - tasks_rerouted"),
    "on_time_rate": ("tasks_on_time", "tasks_accepted"),
    "first_pass_rate": ("tasks_first_pass", "tasks_accepted"),
    "township_evaluation": ("township_evaluation * evaluations * 5", "evaluations * 5"),
    "petition_on_time_rate": ("petitions_on_time", "petitions_due"),
    "petition_satisfaction": ("petitions_satisfied", "petitions_evaluated"),
}
# the six indicators: key, name, numerator and denominator
INDICATORS = tuple((key, name, *FRACTIONS[key]) for key, name in ASSESSMENT_INDICATORS)


@dataclass
class Assessment:
    year: str
    generated_at: datetime
    final: bool
    weights: list[tuple[str, str, float]]  # indicator, name, weight (the version valid on 31 December)
    min_tasks: int
    assessed: list[dict]  # ranked, in rank order
    insufficient: list[dict]
    con: object

    @property
    def status(self) -> str:
        if self.final:
            return f"{self.year} 年度考核结果（年度已结束，结果为终值）"
        return f"暂定 PROVISIONAL：{self.year} 年尚未结束，排名与得分仍会变化"


def load_assessment(con, year: str) -> Assessment:
    """The assessment of `year` (YYYY); ValueError when malformed or the warehouse has none."""
    if not YEAR.match(year):
        raise ValueError(f"year must be YYYY, not {year!r}")
    fractions = ", ".join(
        f"cast({num} as double) as {key}_num, cast({den} as double) as {key}_den" for key, _, num, den in INDICATORS
    )
    cur = con.execute(
        f"""
        select a.*, p.platform_name_zh, {fractions}
        from marts.mart_department_assessment_annual as a
        left join marts.dim_platform as p on p.platform_code = a.platform_code
        where a.assessment_year = ?
        order by a.rank_overall nulls last, a.tasks_dispatched + a.petitions_received desc, a.department_code
        """,
        [year],
    )
    names = [d[0] for d in cur.description]
    rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    if not rows:
        raise ValueError(f"{year}: the warehouse has no department assessment for this year")
    last_day = f"{year}-12-31"
    weights = con.execute(
        "select indicator, name_zh, cast(weight as double) from rules.assessment_weights "
        "where (valid_from is null or valid_from <= ?::date) and (valid_to is null or ?::date < valid_to)",
        [last_day, last_day],
    ).fetchall()
    order = [k for k, *_ in INDICATORS]
    weights.sort(key=lambda w: order.index(w[0]) if w[0] in order else len(order))
    min_tasks = con.execute(
        "select value from rules.assessment_settings where setting = 'min_tasks' "
        "and (valid_from is null or valid_from <= ?::date) and (valid_to is null or ?::date < valid_to)",
        [last_day, last_day],
    ).fetchone()[0]
    return Assessment(
        year=year,
        generated_at=datetime.now(UTC),
        final=all(r["is_final"] for r in rows),
        weights=weights,
        min_tasks=min_tasks,
        assessed=[r for r in rows if r["status"] == "assessed"],
        insufficient=[r for r in rows if r["status"] != "assessed"],
        con=con,
    )


def _pct(value) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _fraction(row: dict, key: str) -> str:
    value, num, den = row[key], row[f"{key}_num"], row[f"{key}_den"]
    if value is None:
        return "无数据"
    return f"{_pct(value)}（{num:,.0f}/{den:,.0f}）"


def redistribution(row: dict, weights: list[tuple[str, str, float]]) -> str:
    """How the department's weights were used: the indicators without data, and the share
    each other indicator carried."""
    missing = [name for key, name, _ in weights if row[key] is None]
    if not missing:
        return "六项指标齐全，按原权重计算"
    used = row["weight_used"]
    if not used:
        return "各项指标均无数据"
    shares = "、".join(f"{name} {w / used:.1%}" for key, name, w in weights if row[key] is not None)
    return f"{'、'.join(missing)}无数据，其权重按比例分给其余指标：{shares}"


# --- the workbook ---------------------------------------------------------------------------

RANK_COLUMNS = [
    Column("rank_overall", "总排名", "int", 7),
    Column("rank_in_platform", "平台内排名", "int", 10),
    Column("department_name", "部门", width=26),
    Column("platform_name_zh", "平台", width=10),
    *ASSESSMENT_FIGURES,
    Column("department_code", "部门编码", width=16),
]
OUTCOME = _case("s.outcome", OUTCOMES)
ON_TIME = "case s.handled_on_time when true then '是' when false then '否' end"
TASKS = Sheet(
    "任务明细",
    "Every task of the year",
    [
        Column("department_name", "部门", width=24, expr="d.department_name"),
        Column("task_id", "任务编号", width=28),
        Column("subitem_name", "事项", width=16, expr="e.event_type_name"),
        Column("dispatched_at", "派遣时间", "datetime", expr="timezone('Asia/Shanghai', s.dispatched_at)"),
        Column("due_at", "处置期限", "datetime", expr="timezone('Asia/Shanghai', s.due_at)"),
        Column("last_handled_at", "处置时间", "datetime", expr="timezone('Asia/Shanghai', s.last_handled_at)"),
        Column("accepted_at", "验收时间", "datetime", expr="timezone('Asia/Shanghai', s.accepted_at)"),
        Column("returned_count", "退回次数", "int"),
        Column("outcome", "结果", width=10, expr=OUTCOME),
        Column("handled_on_time", "按时", width=6, expr=ON_TIME),
        Column("department_code", "部门编码", width=16),
    ],
    f"""
    from marts.fct_dispatch_tasks as s
    left join marts.dim_event_type as e on e.event_type_code = s.event_type_code
    left join {DEPARTMENT_NAMES} on d.department_code = s.department_code
    where s.department_code is not null and strftime(timezone('Asia/Shanghai', s.dispatched_at), '%Y') = ?
    order by d.department_name, s.dispatched_at, s.task_id
    """,
    "",
    None,
)
PETITIONS = Sheet(
    "信访明细",
    "The year's petitions by handling unit",
    [
        Column("handling_unit", "办理单位", width=16),
        Column("case_id", "信访件编号", width=20),
        Column("category", "问题类别", width=12),
        Column("registered_on", "登记日期", width=12),
        Column("handling_due_on", "办理期限", width=12),
        Column("replied_on", "答复日期", width=12),
        Column("replied_on_time", "按期答复", width=8, expr=ON_TIME.replace("handled_on_time", "replied_on_time")),
        Column("satisfaction", "满意度", width=10),
    ],
    """
    from marts.fct_petitions as s
    where s.handling_unit is not null and (strftime(s.registered_on, '%Y') = $1
          or strftime(s.handling_due_on, '%Y') = $1 or strftime(s.replied_on, '%Y') = $1)
    order by s.handling_unit, s.registered_on, s.case_id
    """,
    "",
    None,
)


def _row_sheet(name: str, rows: list[dict], columns: list[Column]) -> Sheet:
    """A sheet over rows already read (the report's own tables)."""

    class Rows(Sheet):
        def rows(self, batch: int = 10_000):
            for r in rows:
                yield tuple(r[c.key] for c in columns)

    return Rows(name, name, columns, "", "", None)


def write_workbook(report: Assessment, path: Path) -> Path:
    from openpyxl import Workbook

    from reports.workbook import TITLE_FONT, WriteOnlyCell, _data_sheet, _header, _print_setup

    wb = Workbook(write_only=True)
    about = wb.create_sheet("说明")
    _print_setup(about, title_rows=None)
    about.column_dimensions["A"].width = 22
    about.column_dimensions["B"].width = 90
    title = WriteOnlyCell(about, f"{report.year} 年度部门考核 Annual department assessment")
    title.font = TITLE_FONT
    about.append([title])
    about.append([CENTRE])
    about.append([report.status])
    about.append([f"生成时间 {report.generated_at.astimezone(SHANGHAI):%Y-%m-%d %H:%M}（北京时间）"])
    about.append([])
    about.append([_header(about, "指标"), _header(about, "权重")])
    for _, name, weight in report.weights:
        about.append([name, f"{weight:.0%}"])
    about.append([])
    about.append(
        [
            "计分",
            "综合得分 = 100 × Σ(权重 × 指标) / 有效权重；无数据（0/0）的指标不计，其权重按比例分给其余指标。"
            f"全年任务与信访合计少于 {report.min_tasks} 件的部门列入“数据不足”，不参加排名。"
            "排名按未经四舍五入的综合得分，同分并列、后续名次顺延。",
        ]
    )
    ranked = _row_sheet("排名", report.assessed, RANK_COLUMNS + [Column("redistribution", "权重分配", width=60)])
    for r in report.assessed + report.insufficient:
        r["redistribution"] = redistribution(r, report.weights)
    thin = _row_sheet(
        "数据不足", report.insufficient, RANK_COLUMNS[2:] + [Column("redistribution", "权重分配", width=60)]
    )
    for sheet in (ranked, thin):
        _data_sheet(wb, sheet)
    for sheet in (TASKS, PETITIONS):
        _data_sheet(wb, Sheet(sheet.name, sheet.title, sheet.columns, sheet.source, report.year, report.con))
    path.parent.mkdir(parents=True, exist_ok=True)
    with replaced_whole(path) as tmp:
        wb.save(tmp)
    return path


# --- the HTML report and its PDF ----------------------------------------------------------

STYLE = """
@page { size: A4 landscape; margin: 18mm 12mm 16mm;
        @top-center { content: "开封市基层社会治理服务保障中心 · 年度部门考核"; font-size: 9pt; color: #444; }
        @bottom-center { content: "第 " counter(page) " 页 / 共 " counter(pages) " 页"; font-size: 9pt; color: #444; } }
body { font-family: 'Microsoft YaHei', 'PingFang SC', 'Noto Sans CJK SC', 'WenQuanYi Zen Hei', sans-serif;
       margin: 0; color: #222; }
header { padding: 14px 24px; border-bottom: 3px solid #1f4e79; }
header h1 { margin: 0 0 4px; font-size: 22px; }
main { padding: 8px 24px 30px; }
h2 { font-size: 16px; margin: 18px 0 8px; }
table { border-collapse: collapse; width: 100%; font-size: 11px; }
th { background: #1f4e79; color: #fff; padding: 4px 5px; }
td { border-bottom: 1px solid #ddd; padding: 3px 5px; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr { break-inside: avoid; }
thead { display: table-header-group; }
.status { font-weight: bold; }
.provisional .status { color: #b00020; }
.watermark { position: fixed; top: 40%; left: 8%; font-size: 90px; color: rgba(176, 0, 32, .12);
             transform: rotate(-24deg); pointer-events: none; z-index: 10; white-space: nowrap; }
td.open { cursor: pointer; color: #1f4e79; }
tr.detail > td { background: #f3f6fa; padding: 6px 6px 10px 24px; }
.signature { margin-top: 28px; display: flex; gap: 80px; font-size: 13px; }
@media print { .drill-only { display: none; } td.open { display: none; } }
"""

OPEN_SCRIPT = """
(function () {
  const base = document.body.dataset.base, cache = {}, waiting = {};
  window.__drill = function (name, data) { cache[name] = data; (waiting[name] || []).forEach(function (f) { f(data); }); };
  function load(name, done, failed) {
    if (cache[name]) return done(cache[name]);
    (waiting[name] = waiting[name] || []).push(done);
    const s = document.createElement('script'); s.src = base + name + '.js'; s.onerror = failed; document.head.appendChild(s);
  }
  function table(data) {
    const t = document.createElement('table'), h = t.createTHead().insertRow();
    data.columns.forEach(function (c) { const th = document.createElement('th'); th.textContent = c.header; h.appendChild(th); });
    const b = t.createTBody();
    data.rows.forEach(function (r) { const tr = b.insertRow(); r.forEach(function (v) { tr.insertCell().textContent = v === null ? '—' : v; }); });
    return t;
  }
  document.querySelectorAll('td.open').forEach(function (o) {
    o.onclick = function () {
      const tr = o.parentNode, next = tr.nextElementSibling;
      if (next && next.className === 'detail') { next.remove(); o.textContent = '▸'; return; }
      o.textContent = '▾';
      const row = tr.parentNode.insertRow(tr.sectionRowIndex + 1); row.className = 'detail';
      const td = row.insertCell(); td.colSpan = tr.cells.length; td.textContent = '加载中…';
      const file = o.dataset.file;
      if (!file) { td.textContent = '本年没有任务或信访'; return; }
      load('departments/' + file, function (data) {
        td.textContent = '';
        ['tasks', 'petitions'].forEach(function (k) {
          const h = document.createElement('h3'); h.textContent = (k === 'tasks' ? '任务 ' : '信访 ') + data[k].rows.length + ' 件';
          td.appendChild(h); if (data[k].rows.length) td.appendChild(table(data[k]));
        });
        document.body.dataset.opened = o.dataset.file;
      }, function () { td.textContent = '明细文件未找到'; });
    };
  });
})();
"""


def _rank_table(report: Assessment, rows: list[dict], ranked: bool, files: dict[str, str]) -> str:
    heads = (["总排名", "平台内排名"] if ranked else []) + ["部门", "平台", "综合得分"]
    heads += [name for _, name, _, _ in INDICATORS] + ["派遣任务", "信访受理", "权重分配"]
    out = [
        '<table><thead><tr><th class="drill-only"></th>'
        + "".join(f"<th>{h}</th>" for h in heads)
        + "</tr></thead><tbody>"
    ]
    for r in rows:
        cells = [r["rank_overall"], r["rank_in_platform"]] if ranked else []
        cells += [r["department_name"] or r["department_code"], r["platform_name_zh"] or r["platform_code"]]
        score = "—" if r["composite_score"] is None else f"{r['composite_score']:.2f}"
        tds = "".join(
            f'<td class="num">{escape(str(c))}</td>' if isinstance(c, int) else f"<td>{escape(str(c))}</td>"
            for c in cells
        )
        tds += f'<td class="num">{score}</td>'
        tds += "".join(f'<td class="num">{escape(_fraction(r, key))}</td>' for key, *_ in INDICATORS)
        tds += f'<td class="num">{r["tasks_dispatched"]:,}</td><td class="num">{r["petitions_received"]:,}</td>'
        tds += f"<td>{escape(redistribution(r, report.weights))}</td>"
        file = files.get(r["department_code"], "")
        out.append(
            f'<tr data-code="{escape(r["department_code"])}"><td class="open drill-only" data-file="{escape(file)}">▸</td>{tds}</tr>'
        )
    out.append("</tbody></table>")
    return "".join(out)


def render_html(report: Assessment, drill: str, files: dict[str, str]) -> str:
    weights = "、".join(f"{name} {w:.0%}" for _, name, w in report.weights)
    provisional = "" if report.final else '<div class="watermark">暂定 PROVISIONAL</div>'
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head><meta charset="utf-8"><title>{report.year} 年度部门考核</title><style>{STYLE}</style></head>
<body class="{"final" if report.final else "provisional"}" data-base="{escape(drill)}/">
{provisional}
<header><h1>{report.year} 年度部门考核 Annual department assessment</h1>
<div>{CENTRE} · 生成于 {report.generated_at.astimezone(SHANGHAI):%Y-%m-%d %H:%M}（北京时间）</div>
<p class="status" id="status">{escape(report.status)}</p></header>
<main>
<p>指标与权重：{escape(weights)}。综合得分 = 100 × Σ(权重 × 指标) / 有效权重；无数据（0/0）的指标不计，其权重按比例分给其余指标。
全年任务与信访合计少于 {report.min_tasks} 件的部门列入“数据不足”，不参加排名。排名按未经四舍五入的综合得分，同分并列。
各指标后括号内为分子/分母。</p>
<h2>排名（{len(report.assessed)} 个部门）</h2>
{_rank_table(report, report.assessed, True, files)}
<h2>数据不足，不参加排名（{len(report.insufficient)} 个部门）</h2>
{_rank_table(report, report.insufficient, False, files)}
<div class="signature"><span>审核：</span><span>签发：</span><span>日期：</span></div>
</main>
<script>{OPEN_SCRIPT}</script>
</body></html>
"""


def _department_details(report: Assessment, directory: Path) -> dict[str, str]:
    """Each department's tasks and petitions of the year, one script per department; the file
    key of each department that has any."""

    def by_department(key: str, columns: list[Column], source: str) -> dict[str, list]:
        sql = f"select {key}, {', '.join(c.select for c in columns)} {source}"
        return dict(_grouped(report.con, sql, [report.year]))

    tasks = by_department("s.department_code", TASKS.columns[1:-1], TASKS.source)
    petitions = by_department("s.handling_unit", PETITIONS.columns[1:], PETITIONS.source)
    files = {}
    for code in tasks.keys() | petitions.keys():
        files[code] = file_key(code)
        _script(
            directory / "departments" / f"{files[code]}.js",
            f"departments/{files[code]}",
            {
                "tasks": {"columns": _columns(TASKS.columns[1:-1]), "rows": tasks.get(code, [])},
                "petitions": {"columns": _columns(PETITIONS.columns[1:]), "rows": petitions.get(code, [])},
            },
        )
    return files


def print_pdf(html: Path, pdf: Path) -> Path:
    """The report printed to PDF by headless Chromium (A4, its @page header and page numbers)."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if chromium is None:
        raise RuntimeError("printing the PDF needs Chromium (apt-get install chromium)")
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run(
            [
                chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                f"--user-data-dir={profile}",
                "--no-pdf-header-footer",
                f"--print-to-pdf={pdf}",
                html.as_uri(),
            ],  # fmt: skip
            capture_output=True,
            text=True,
            timeout=180,
        )
    if done.returncode != 0 or not pdf.exists():
        raise RuntimeError(f"Chromium could not print {html}: {done.stderr[-500:]}")
    return pdf


def write_assessment(con, year: str, out_dir: Path, pdf: bool = True) -> tuple[Assessment, dict[str, Path]]:
    """Write `year`'s workbook, HTML report (with its department details) and PDF under
    `<out_dir>/assessment-<year>/`; (the assessment, the paths by kind)."""
    report = load_assessment(con, year)
    folder = Path(out_dir) / f"assessment-{year}"
    paths = {
        "xlsx": write_workbook(report, folder / f"assessment-{year}.xlsx"),
        "html": folder / f"assessment-{year}.html",
    }
    data = folder / f"assessment-{year}.data"
    tmp = data.with_name(f".{data.name}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    files = _department_details(report, tmp)
    shutil.rmtree(data, ignore_errors=True)
    if tmp.exists():
        tmp.rename(data)
    text = render_html(report, data.name, files)
    write_text_whole(paths["html"], text)
    if pdf:
        paths["pdf"] = print_pdf(paths["html"], folder / f"assessment-{year}.pdf")
    return report, paths


__all__ = ["Assessment", "load_assessment", "redistribution", "write_assessment"]
