"""The annual department assessment report: its workbook, HTML report and PDF say what the
annual mart says, department by department; each department opens to its tasks and
petitions; an open year is marked provisional; the PDF prints on A4 with the centre's header
and page numbers."""

from __future__ import annotations

import re

import openpyxl
import pytest
from playwright.sync_api import sync_playwright
from pypdf import PdfReader

from reports.assessment import CENTRE, INDICATORS, write_assessment
from tests.reports.test_report_in_browser import ARTIFACTS, CHROMIUM_ARGS, _chromium

YEAR = "2026"  # the tiny world's


@pytest.fixture(scope="module")
def written(closed_warehouse, tmp_path_factory):
    from warehouse.duckdb import connect

    con = connect(closed_warehouse, read_only=True)
    report, paths = write_assessment(con, YEAR, tmp_path_factory.mktemp("assessment"), pdf=False)
    yield con, report, paths
    con.close()


def _mart(con) -> dict[str, dict]:
    cur = con.execute("select * from marts.mart_department_assessment_annual where assessment_year = ?", [YEAR])
    names = [d[0] for d in cur.description]
    return {r[names.index("department_code")]: dict(zip(names, r, strict=True)) for r in cur.fetchall()}


def _sheet(ws) -> list[dict]:
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


def test_the_workbook_ranks_every_department_as_the_mart_does(written):
    con, report, paths = written
    mart = _mart(con)
    wb = openpyxl.load_workbook(paths["xlsx"])
    assert wb.sheetnames == ["说明", "排名", "数据不足", "任务明细", "信访明细"]
    ranked = _sheet(wb["排名"])
    thin = _sheet(wb["数据不足"])
    # every department of the year once: the ranked in rank order, the rest apart
    assert sorted(r["部门编码"] for r in ranked + thin) == sorted(mart)
    assert [r["总排名"] for r in ranked] == sorted(r["总排名"] for r in ranked) and ranked
    assert all(mart[r["部门编码"]]["status"] == "assessed" for r in ranked)
    assert all(mart[r["部门编码"]]["status"] == "insufficient_data" for r in thin)
    assert any(r["派遣任务"] == 0 for r in thin), "departments without a task are listed too"
    for r in ranked:
        m = mart[r["部门编码"]]
        assert (r["总排名"], r["平台内排名"], r["派遣任务"], r["信访受理"]) == (
            m["rank_overall"],
            m["rank_in_platform"],
            m["tasks_dispatched"],
            m["petitions_received"],
        )
        assert r["综合得分"] == pytest.approx(m["composite_score"], rel=1e-12)
        for key, name, _, _ in INDICATORS:
            assert r[name] == (None if m[key] is None else pytest.approx(m[key], rel=1e-12)), name
        missing = [name for key, name, _, _ in INDICATORS if m[key] is None]
        assert all(name in r["权重分配"] for name in missing)
    # the year's tasks and petitions, one line each
    tasks = con.execute(
        "select count(*) from marts.fct_dispatch_tasks where department_code is not null "
        "and strftime(timezone('Asia/Shanghai', dispatched_at), '%Y') = ?",
        [YEAR],
    ).fetchone()[0]
    assert wb["任务明细"].max_row - 1 == tasks == sum(m["tasks_dispatched"] for m in mart.values())
    about = [c for row in wb["说明"].iter_rows(values_only=True) for c in row if c]
    assert CENTRE in about
    assert any("暂定" in str(c) for c in about) == (not report.final)


def test_the_report_shows_each_indicator_with_its_counts_and_marks_an_open_year(written):
    con, report, paths = written
    mart = _mart(con)
    html = paths["html"].read_text(encoding="utf-8")
    assert ("暂定 PROVISIONAL" in html) == (not all(m["is_final"] for m in mart.values()))
    for code, m in mart.items():
        row = re.search(rf'<tr data-code="{re.escape(code)}">(.*?)</tr>', html, re.S)
        assert row, code
        if m["tasks_accepted"]:
            assert f"（{m['tasks_on_time']:,}/{m['tasks_accepted']:,}）" in row.group(1), code
        if m["status"] == "assessed":
            assert f"{m['composite_score']:.2f}" in row.group(1)


@pytest.mark.browser
def test_departments_open_to_their_tasks_and_the_pdf_prints_on_a4_with_header_and_page_numbers(written, tmp_path):
    con, report, paths = written
    code, tasks = con.execute(
        "select department_code, tasks_dispatched from marts.mart_department_assessment_annual "
        "where assessment_year = ? order by tasks_dispatched desc, department_code limit 1",
        [YEAR],
    ).fetchone()
    ARTIFACTS.mkdir(exist_ok=True)
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=_chromium(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
            page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
            page.goto(paths["html"].as_uri())
            row = page.locator(f'tr[data-code="{code}"]')
            row.locator("td.open").click()
            page.wait_for_selector("body[data-opened]")
            detail = page.locator("tr.detail").first
            assert detail.locator("h3").first.inner_text() == f"任务 {tasks} 件"
            assert detail.locator("table").first.locator("tbody tr").count() == tasks
            page.screenshot(path=str(ARTIFACTS / f"assessment-{YEAR}.png"), full_page=False)
        finally:
            browser.close()
    assert problems == []

    from reports.assessment import print_pdf

    pdf = print_pdf(paths["html"], tmp_path / f"assessment-{YEAR}.pdf")
    reader = PdfReader(pdf)
    pages = len(reader.pages)
    assert pages >= 1
    for n, page in enumerate(reader.pages, start=1):
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert (round(width), round(height)) == (842, 595), "A4 landscape"
        text = page.extract_text()
        assert "开封市基层社会治理服务保障中心" in text and "年度部门考核" in text
        assert re.search(rf"第\s*{n}\s*页\s*/\s*共\s*{pages}\s*页", text), text[:200]
    first = reader.pages[0].extract_text()
    assert ("暂定 PROVISIONAL" in first) == (not report.final)
    # the print of the detail-free report, kept for a look
    (ARTIFACTS / f"assessment-{YEAR}.pdf").write_bytes(pdf.read_bytes())
