"""The scorecard as an Excel workbook: an overview with the headline figures and charts,
then one sheet per part, Chinese headers, frozen header row, filters and number formats.

Written in openpyxl's write-only mode, row by row from the warehouse, so a city month's
ledger detail never sits in memory whole.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties

from connectors.common.atomic import replaced_whole
from connectors.common.timezone import SHANGHAI
from reports.scorecard import Scorecard, Sheet

NUMBER_FORMATS = {
    "int": "#,##0",
    "rate": "0.0%",
    "points": "#,##0",  # whole points; a fraction (a multiplier's) gets POINTS_FRACTION
    "score": "0.00",
    "datetime": "yyyy-mm-dd hh:mm",
}
POINTS_FRACTION = "#,##0.00"
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
TITLE_FONT = Font(bold=True, size=14)
BOLD = Font(bold=True)


# Text a spreadsheet would take for a formula (OWASP's CSV-injection list): a leading = + - @,
# tab or carriage return. Source strings (grid, department and worker names, record ids)
# start so now and then, by mistake or not.
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")


def as_data(ws, value):
    """`value` as the workbook keeps it: text that would read as a formula becomes a text
    cell with Excel's quote prefix (shown as typed, kept text when edited), never a formula."""
    if not isinstance(value, str) or not value.startswith(FORMULA_LEADS):
        return value
    cell = WriteOnlyCell(ws, value)
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell


def _header(ws, text: str):
    cell = WriteOnlyCell(ws, text)
    cell.font, cell.fill = HEADER_FONT, HEADER_FILL
    cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    return cell


def _value(ws, value, kind: str):
    cell = WriteOnlyCell(ws, float(value) if kind in ("points", "score") and value is not None else value)
    if kind in NUMBER_FORMATS:
        cell.number_format = NUMBER_FORMATS[kind]
        if kind == "points" and value is not None and not float(value).is_integer():
            cell.number_format = POINTS_FRACTION
    return cell


def _print_setup(ws, title_rows: str | None = "1:1") -> None:
    """Landscape A4, one page wide, the header row repeated on every page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = "9"  # A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    if title_rows:
        ws.print_title_rows = title_rows


def _data_sheet(wb: Workbook, sheet: Sheet) -> tuple[object, int]:
    """A sheet of rows under one header row; (the worksheet, rows written)."""
    ws = wb.create_sheet(sheet.name)
    _print_setup(ws)  # before the first row: a write-only sheet writes its properties then
    for i, col in enumerate(sheet.columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = col.display_width + 2
    ws.freeze_panes = "A2"
    ws.append([_header(ws, c.header) for c in sheet.columns])
    n = 0
    # one styled cell per column, its value set row by row: a write-only sheet writes a
    # row out as it is appended, so the cell is free again for the next row (a new cell per
    # value looked its number format up 1.6 million times in a city month's ledger)
    formatted = [_value(ws, None, c.kind) if c.kind in NUMBER_FORMATS else None for c in sheet.columns]
    # a points column has a second cell for values with a fraction
    fractions = [_value(ws, 0.5, "points") if c.kind == "points" else None for c in sheet.columns]
    points = [c.kind in ("points", "score") for c in sheet.columns]
    for row in sheet.rows():
        out = list(row)
        if len(out) != len(formatted):
            raise ValueError(f"{sheet.name}: a row of {len(out)} values under {len(formatted)} columns")
        for i, cell in enumerate(formatted):
            if cell is not None:
                value = float(out[i]) if points[i] and out[i] is not None else out[i]
                if fractions[i] is not None and value is not None and not value.is_integer():
                    cell = fractions[i]
                cell.value = value
                out[i] = cell
            else:
                out[i] = as_data(ws, out[i])
        ws.append(out)
        n += 1
    ws.auto_filter.ref = f"A1:{get_column_letter(len(sheet.columns))}{n + 1}"
    return ws, n


def _column(sheet: Sheet, key: str) -> int:
    return next(i for i, c in enumerate(sheet.columns, start=1) if c.key == key)


def _bar(title: str, y_title: str, data_ws, rows: int, cats: int, values: list[int], percent=False) -> BarChart:
    chart = BarChart()
    chart.type = "col"
    chart.title = title
    chart.y_axis.title = y_title
    chart.height, chart.width = 8, 18
    for col in values:
        chart.add_data(Reference(data_ws, min_col=col, min_row=1, max_row=rows + 1), titles_from_data=True)
    chart.set_categories(Reference(data_ws, min_col=cats, min_row=2, max_row=rows + 1))
    if percent:
        chart.y_axis.numFmt = "0%"
    return chart


def write_workbook(card: Scorecard, path: Path) -> Path:
    """Write the workbook to `path` (via a temporary file, renamed into place)."""
    wb = Workbook(write_only=True)
    overview = wb.create_sheet("概览")
    written = {sheet.name: _data_sheet(wb, sheet) for sheet in card.sheets.values()}
    # the overview: title, status, headline figures, grades, charts over the other sheets
    grade_row, pools = _overview_figures(overview, card)
    _county_charts(overview, card, *written["县区"])
    _grade_chart(overview, grade_row, pools)
    _department_chart(card, *written["部门"])
    path.parent.mkdir(parents=True, exist_ok=True)
    with replaced_whole(path) as tmp:
        wb.save(tmp)
    return path


def _overview_figures(overview, card: Scorecard) -> tuple[int, list[str]]:
    """The overview's title, status, headline figures and grade counts: (the grade table's
    header row, its pools)."""
    overview.column_dimensions["A"].width = 24
    overview.column_dimensions["B"].width = 16
    overview.column_dimensions["C"].width = 22
    overview.freeze_panes = "A5"
    _print_setup(overview, title_rows=None)
    overview.page_setup.fitToHeight = 1  # the overview and its charts on one page
    title = WriteOnlyCell(overview, f"开封市网格化服务管理月度成绩单 {card.month}")
    title.font = TITLE_FONT
    overview.append([title])
    status = card.status
    if card.closed:
        status += (
            f"; 结果指纹 {card.closed['figures_fingerprint'][:16]}; 规则指纹 {card.closed['rules_fingerprint'][:16]}"
        )
    overview.append([f"生成时间 {card.generated_at.astimezone(SHANGHAI):%Y-%m-%d %H:%M} (北京时间)", None, status])
    overview.append([])
    overview.append([_header(overview, "指标"), _header(overview, "数值"), _header(overview, "同比 / 说明")])
    for f in card.headline:
        overview.append([f.label, _value(overview, f.value, f.kind), f.note or None])
    overview.append([])
    grade_row = len(card.headline) + 6
    overview.append([_header(overview, "网格员等次"), *[_header(overview, g) for g in ("优秀", "合格", "不合格")]])
    pools = sorted({p for p, _, _ in card.grades})
    counts = {(p, g): n for p, g, n in card.grades}
    for pool in pools:
        overview.append(
            [pool, *[_value(overview, counts.get((pool, g), 0), "int") for g in ("优秀", "合格", "不合格")]]
        )
    return grade_row, pools


def _county_charts(overview, card: Scorecard, counties_ws, n_counties: int) -> None:
    """Events reported and closed, and the on-time rate, per county (from the county sheet)."""
    if not n_counties:
        return
    counties = card.sheets["县区"]
    name_col = _column(counties, "county_name")
    events = _bar(
        "各县区上报与结案事件",
        "事件数",
        counties_ws,
        n_counties,
        name_col,
        [_column(counties, "events_reported"), _column(counties, "events_closed")],
    )
    overview.add_chart(events, "E4")
    on_time = _bar(
        "各县区按时办结率",
        "按时办结率",
        counties_ws,
        n_counties,
        name_col,
        [_column(counties, "on_time_rate")],
        True,
    )
    on_time.legend = None
    overview.add_chart(on_time, "E21")


def _grade_chart(overview, grade_row: int, pools: list[str]) -> None:
    """The grid workers' grades per pool, stacked (from the overview's grade table)."""
    if not pools:
        return
    grades = BarChart()
    grades.type, grades.grouping, grades.overlap = "col", "stacked", 100
    grades.title, grades.height, grades.width = "网格员等次分布", 7, 12
    grades.add_data(
        Reference(overview, min_col=2, max_col=4, min_row=grade_row, max_row=grade_row + len(pools)),
        titles_from_data=True,
    )
    grades.set_categories(Reference(overview, min_col=1, min_row=grade_row + 1, max_row=grade_row + len(pools)))
    overview.add_chart(grades, f"A{grade_row + len(pools) + 2}")


def _department_chart(card: Scorecard, dept_ws, n_depts: int) -> None:
    """The top 20 departments' composite scores, on the department sheet below its rows."""
    departments = card.sheets["部门"]
    assessed = sum(1 for row in departments.rows() if row[0] is not None)  # ranked rows come first
    if not assessed:
        return
    top = _bar(
        "部门综合得分（前20名）",
        "综合得分",
        dept_ws,
        min(assessed, 20),
        _column(departments, "department_name"),
        [_column(departments, "composite_score")],
    )
    top.legend = None
    top.width = 24
    dept_ws.add_chart(top, f"A{n_depts + 4}")
