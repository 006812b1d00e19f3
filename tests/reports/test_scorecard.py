"""The monthly scorecard: the workbook's parts, headers, formats and charts; its figures are
the warehouse's; a closed month shows its closed points; the HTML report shows the same
headline figures as the workbook."""

from __future__ import annotations

import json
import re
import shutil
from decimal import Decimal

import openpyxl
import pytest

from reports import load_scorecard, write_scorecard
from reports.scorecard import SOURCE_NAMES, UNLOCATED, format_value
from tests.reports.conftest import MONTH
from warehouse.duckdb import connect

SHEETS = ["概览", "网格员", "网格", "乡镇", "县区", "部门", "积分明细", "规则"]
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def written(con, tmp_path):
    card, xlsx, html = write_scorecard(con, MONTH, tmp_path)
    return card, openpyxl.load_workbook(xlsx), html.read_text(encoding="utf-8")


def _column(ws, header: str) -> list:
    headers = [c.value for c in ws[1]]
    i = headers.index(header) + 1
    return [ws.cell(row=r, column=i) for r in range(2, ws.max_row + 1)]


def _overview(ws) -> dict[str, object]:
    return {r[0].value: r[1].value for r in ws.iter_rows(min_row=5, max_col=2) if r[0].value}


def test_the_workbook_has_every_part_with_chinese_headers_frozen_filtered_and_formatted(written):
    card, wb, _ = written
    assert wb.sheetnames == SHEETS
    for name in SHEETS[1:]:
        ws = wb[name]
        headers = [c.value for c in ws[1]]
        assert headers == [c.header for c in card.sheets[name].columns]
        assert all(CJK.search(h) or re.fullmatch(r"R\d|reason", h) for h in headers), headers
        assert (
            ws.freeze_panes == "A2"
            and ws.auto_filter.ref == f"A1:{ws.cell(1, ws.max_column).column_letter}{ws.max_row}"
        )
        assert ws.max_row > 1, f"{name} is empty"
    assert wb["概览"].freeze_panes == "A5"
    assert {c.number_format for c in _column(wb["网格"], "按时办结率")} == {"0.0%"}
    # points read as whole numbers; a fraction (a multiplier's) shows its two decimals
    for cell in _column(wb["网格员"], "总积分") + _column(wb["积分明细"], "积分"):
        assert cell.number_format == ("#,##0" if float(cell.value).is_integer() else "#,##0.00"), cell.value
    assert {c.number_format for c in _column(wb["积分明细"], "时间")} == {"yyyy-mm-dd hh:mm"}
    assert {c.number_format for c in _column(wb["部门"], "综合得分")} == {"0.00"}
    assert len(wb["概览"]._charts) == 3 and len(wb["部门"]._charts) == 1


def test_the_workbook_figures_are_the_warehouse_figures(written, con):
    card, wb, _ = written
    figures = _overview(wb["概览"])
    kpis = con.execute(
        "select events_reported, events_closed, tasks_accepted, services_delivered from marts.mart_city_kpis_monthly "
        "where scorecard_month = ?",
        [MONTH],
    ).fetchone()
    assert (figures["上报事件"], figures["已结案事件"], figures["验收通过任务"], figures["便民服务办理"]) == kpis
    workers, lines, total = con.execute(
        "select workers, lines, total_points from scores.closed_months where points_month = ?", [MONTH]
    ).fetchone()
    assert figures["参与积分网格员"] == workers and figures["积分明细条数"] == lines
    assert Decimal(str(figures["网格员积分合计"])) == total
    # the ledger detail adds up to the workers' totals, which add up to the month's total
    detail = [c.value for c in _column(wb["积分明细"], "积分")]
    assert len(detail) == lines
    assert round(sum(Decimal(str(v)) for v in detail), 2) == total
    assert round(sum(Decimal(str(c.value)) for c in _column(wb["网格员"], "总积分")), 2) == total
    # every ledger line names its source record and a reason
    assert all(c.value for c in _column(wb["积分明细"], "来源记录"))
    assert all(c.value for c in _column(wb["积分明细"], "原因"))
    # counties are their townships summed, and with the 未定位 row (events without a grid) the city
    located = [c.value != UNLOCATED for c in _column(wb["县区"], "县区")]
    for header in ("上报事件", "验收通过任务", "化解纠纷", "网格员数"):
        counties = [c.value for c, keep in zip(_column(wb["县区"], header), located, strict=True) if keep]
        assert sum(c.value for c in _column(wb["乡镇"], header)) == sum(counties)
    for header, key in (
        ("上报事件", "events_reported"),
        ("已结案", "events_closed"),
        ("验收通过任务", "tasks_accepted"),
    ):
        city = con.execute(f"select {key} from marts.mart_city_kpis_monthly where scorecard_month = ?", [MONTH])
        assert sum(c.value for c in _column(wb["县区"], header)) == city.fetchone()[0], header
    ranked = [c.value for c in _column(wb["部门"], "总排名") if c.value is not None]
    assert ranked == sorted(ranked) and ranked, "departments in rank order, ranked ones first"


def test_the_workbook_names_what_it_codes_lists_its_rules_and_prints_on_a4(written, con):
    _, wb, html = written
    # ledger lines read with names: the source system's and the sub-item's
    assert {c.value for c in _column(wb["积分明细"], "来源系统")} <= set(SOURCE_NAMES.values())
    named = dict(con.execute("select event_type_code, event_type_name from marts.dim_event_type").fetchall())
    codes = [c.value for c in _column(wb["积分明细"], "事项编码")]
    names = [c.value for c in _column(wb["积分明细"], "事项")]
    assert any(codes) and all(name == named.get(code) for code, name in zip(codes, names, strict=True))
    assert [c.value for c in wb["网格员"][1] if c.value.startswith("R")][:2] == ["R1 有效上报", "R2 虚假上报"]
    # the rules in force in the month: R1-R7, the alarm bands, the assessment weights
    rules = {(k.value, c.value) for k, c in zip(_column(wb["规则"], "类别"), _column(wb["规则"], "编码"), strict=True)}
    assert {("积分规则", f"R{i}") for i in range(1, 8)} <= rules
    assert ("部门考核权重", "completion_rate") in rules and any(k == "告警响应档位" for k, _ in rules)
    # every sheet prints landscape on A4, one page wide; data sheets repeat their header row
    for ws in wb.worksheets:
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1, ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        if ws.title != "概览":
            assert ws.print_title_rows == "$1:$1", ws.title
    # the overview says when there is no year-on-year figure instead of leaving it blank
    notes = [r[2].value for r in wb["概览"].iter_rows(min_row=5, max_col=3) if r[0].value == "上报事件"]
    assert notes and notes[0]
    # the top departments' chart counts tasks and leaves out departments with few
    assert re.search(r"部门综合得分（前\d+名，派遣任务≥\d+件）", html)


def test_the_report_shows_the_workbook_headline_and_maps_every_area(written):
    card, wb, html = written
    figures = _overview(wb["概览"])
    shown = re.findall(r'data-key="(\w+)"><div class="label">(.*?)</div><div class="value">(.*?)</div>', html)
    assert [k for k, _, _ in shown] == [f.key for f in card.headline]
    for (_, label, text), f in zip(shown, card.headline, strict=True):
        assert text == format_value(f.kind, figures[label]), label
    data = json.loads(re.search(r'<script type="application/json" id="map-data">(.*?)</script>', html, re.S).group(1))
    townships = {c.value for c in _column(wb["乡镇"], "乡镇编码")}
    assert set(data["areas"]["township"]) == townships
    assert set(data["areas"]["grid"]) == {c.value for c in _column(wb["网格"], "网格编码")}
    drawn = set(re.findall(r'<g class="layer" data-layer="grid".*?</g>', html, re.S)[0].split('data-code="')[1:])
    assert {d.split('"')[0] for d in drawn} >= set(data["areas"]["grid"])
    assert "积分已月结" in html and "积分已月结" in wb["概览"]["C2"].value


def test_a_closed_month_shows_its_closed_points_after_the_marts_move_on(closed_warehouse, tmp_path):
    path = tmp_path / "kaifeng.duckdb"
    shutil.copy(closed_warehouse, path)
    con = connect(path)
    closed = con.execute("select total_points from scores.closed_months where points_month = ?", [MONTH]).fetchone()[0]
    con.execute(
        "update marts.mart_worker_points_monthly set total_points = total_points + 1 where points_month = ?", [MONTH]
    )
    card = load_scorecard(con, MONTH)
    assert card.closed is not None
    assert Decimal(str(next(f.value for f in card.headline if f.key == "worker_points"))) == closed
    con.execute("delete from scores.closed_months")
    reopened = load_scorecard(con, MONTH)
    assert reopened.closed is None
    workers = con.execute("select count(*) from marts.mart_worker_points_monthly where points_month = ?", [MONTH])
    expected = closed + workers.fetchone()[0]
    assert Decimal(str(next(f.value for f in reopened.headline if f.key == "worker_points"))) == expected
    con.close()


def test_a_month_without_figures_is_refused(con):
    with pytest.raises(ValueError, match="2025-01: the warehouse has no scorecard figures"):
        load_scorecard(con, "2025-01")
    with pytest.raises(ValueError, match="YYYY-MM"):
        load_scorecard(con, "2025-1")


# Strings a spreadsheet would run as formulas (OWASP CSV injection), and markup, as a source
# system could send them: in grid, department and worker names and in record ids.
HOSTILE = {
    "marts.dim_grid": ("grid_name", '=HYPERLINK("http://evil.example/","点此")'),
    "marts.mart_department_assessment_monthly": ("department_name", "+cmd|' /C calc'!A0"),
    "marts.dim_grid_staff": ("staff_name_masked", "=****"),
    "marts.fct_worker_points_ledger": ("source_record_id", "@SUM(1+1)*cmd|' /C calc'!A0"),
    "marts.dim_division": ("division_name", '-2+3<img src=x onerror="alert(1)">'),
}


def test_hostile_source_strings_are_written_as_text_never_as_formulas_or_markup(closed_warehouse, tmp_path):
    path = tmp_path / "kaifeng.duckdb"
    shutil.copy(closed_warehouse, path)
    con = connect(path)
    for table, (column, value) in HOSTILE.items():
        con.execute(f"update {table} set {column} = ?", [value])
    # a closed month's scorecard reads its ledger as closed
    con.execute(
        "update scores.worker_points_ledger set source_record_id = ?", [HOSTILE["marts.fct_worker_points_ledger"][1]]
    )
    _, xlsx, html = write_scorecard(con, MONTH, tmp_path / "out")
    con.close()
    wb = openpyxl.load_workbook(xlsx)
    formulas, seen = [], {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    formulas.append(f"{ws.title}!{cell.coordinate}: {cell.value}")
                for _, value in HOSTILE.values():
                    if cell.value == value:
                        assert cell.data_type == "s" and cell.quotePrefix, (ws.title, cell.coordinate)
                        seen[value] = seen.get(value, 0) + 1
    assert formulas == []
    assert set(seen) == {v for _, v in HOSTILE.values()}, seen  # each reached the workbook, as text
    page = html.read_text(encoding="utf-8")
    assert "<img src=x" not in page and "&lt;img src=x" in page
