"""The HTML report in a real headless Chromium (Debian's, driven by Playwright): it renders
with no console error, the map is painted, the indicator and layer can be switched; the
screenshot is kept in test-artifacts/ for people to look at.

Chromium must be installed (`.ci/run` installs Debian's package): without it the test fails."""

from __future__ import annotations

import shutil

import pytest
from playwright.sync_api import sync_playwright

from reports import load_scorecard, write_scorecard
from tests.reports.conftest import MONTH
from warehouse.settings import PROJECT_ROOT

pytestmark = pytest.mark.browser

ARTIFACTS = PROJECT_ROOT / "test-artifacts"
# as the machine's own checks start it: no sandbox as root, and nothing that reaches out
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.fail("Chromium is not installed (apt-get install chromium; .ci/run installs it)")
    return found


def test_the_report_renders_in_chromium_and_its_map_answers(con, tmp_path):
    card, _, html = write_scorecard(con, MONTH, tmp_path)
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=_chromium(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
            page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
            page.goto(html.as_uri())
            page.wait_for_selector("#map[data-painted]")
            # the headline, every chart with a size, the townships painted
            assert page.locator(".figure").count() == len(card.headline)
            charts = page.locator("svg.chart")
            assert charts.count() == 5
            for i in range(charts.count()):
                box = charts.nth(i).bounding_box()
                assert box and box["width"] > 200 and box["height"] > 100
            townships = page.locator('#map g[data-layer="township"] path')
            assert townships.count() >= 1
            assert page.locator("#map").get_attribute("data-painted") == str(townships.count())
            assert "上报事件" in townships.first.locator("title").text_content()
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"scorecard-{MONTH}.png"), full_page=True)
            # the grids, coloured by the on-time rate
            page.check('input[name="layer"][value="grid"]')
            page.select_option("#indicator", "on_time_rate")
            grids = page.locator('#map g[data-layer="grid"] path')
            assert page.locator('#map g[data-layer="grid"]').is_visible()
            assert not page.locator('#map g[data-layer="township"]').is_visible()
            assert grids.count() == len(card.grid_shapes)
            assert "按时办结率" in grids.first.locator("title").text_content()
            fills = {grids.nth(i).get_attribute("fill") for i in range(grids.count())}
            assert len(fills) > 1, "the grids differ in on-time rate, so in colour"
            assert page.locator("#legend span.swatch").count() >= 2
            page.locator("#map").screenshot(path=str(ARTIFACTS / f"scorecard-{MONTH}-grids.png"))
            _drill_down(page, con)
        finally:
            browser.close()
    assert problems == []
    assert (ARTIFACTS / f"scorecard-{MONTH}.png").stat().st_size > 10_000


def _rows(page) -> int:
    return page.locator("#drill-table > table > tbody > tr:not(.detail)").count()


def _drill_down(page, con) -> None:
    """The drill-down tables: each loads when chosen and holds the sheet's rows; a row opens to
    the ledger lines or tasks behind it, as many as the warehouse holds; headers sort; the
    search filters."""
    tables = {"townships": "乡镇", "grids": "网格", "workers": "网格员", "departments": "部门"}
    counts = {
        "townships": "select count(*) from marts.mart_township_scorecard_monthly where scorecard_month = ?",
        "grids": "select count(*) from marts.mart_grid_scorecard_monthly where scorecard_month = ?",
        "workers": "select count(*) from scores.worker_points_monthly where points_month = ?",
        "departments": "select count(*) from marts.mart_department_assessment_monthly where assessment_month = ?",
    }
    for name in tables:
        page.click(f'#drill .tabs button[data-table="{name}"]')
        page.wait_for_selector(f'#drill[data-rendered="{name}"]')
        expected = con.execute(counts[name], [MONTH]).fetchone()[0]
        assert page.locator("#drill-count").inner_text().startswith(f"{expected} 行"), name
        assert _rows(page) == min(expected, 200), name
    # a grid worker opens to their ledger lines of the month
    page.click('#drill .tabs button[data-table="workers"]')
    page.wait_for_selector('#drill[data-rendered="workers"]')
    first = page.locator("#drill-table > table > tbody > tr").first
    staff = first.locator("td").nth(6).inner_text()  # after the opener: 县区 乡镇 积分池 县区排名 乡镇排名 工号
    first.locator("td.open").click()
    page.wait_for_selector("#drill-table tr.detail table")
    lines = con.execute(
        "select count(*) from scores.worker_points_ledger where points_month = ? and staff_id = ?", [MONTH, staff]
    ).fetchone()[0]
    assert page.locator("#drill-table tr.detail table tbody tr").count() == lines > 0
    # a department opens to its tasks dispatched in the month
    page.click('#drill .tabs button[data-table="departments"]')
    page.wait_for_selector('#drill[data-rendered="departments"]')
    page.fill("#drill-search", "")
    code, tasks = con.execute(
        "select department_code, tasks_dispatched from marts.mart_department_assessment_monthly "
        "where assessment_month = ? and tasks_dispatched > 0 order by tasks_dispatched desc, department_code limit 1",
        [MONTH],
    ).fetchone()
    page.fill("#drill-search", code)
    row = page.locator("#drill-table > table > tbody > tr", has=page.locator(f'td:text-is("{code}")'))
    assert _rows(page) >= 1 and row.count() == 1
    row.locator("td.open").click()
    page.wait_for_selector("#drill-table tr.detail table")
    assert page.locator("#drill-table tr.detail table tbody tr").count() == tasks
    page.locator("#drill").screenshot(path=str(ARTIFACTS / f"scorecard-{MONTH}-drill.png"))
    # a header sorts its column
    page.fill("#drill-search", "")
    page.locator("#drill-table th", has_text="派遣任务").first.click()
    column = [c.key for c in load_scorecard(con, MONTH).sheets["部门"].columns].index("tasks_dispatched") + 1
    shown = [
        int(t.replace(",", ""))
        for t in page.locator(f"#drill-table > table > tbody > tr > td:nth-child({column + 1})").all_inner_texts()
    ]
    assert shown == sorted(shown)
