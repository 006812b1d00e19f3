"""The Superset dashboards (bi/superset/) in a real Superset, read in headless Chromium.

The tiny pipeline's warehouse is published as BI gets it: the DuckDB copy and the
PostgreSQL target (a database of this worker's, read as bi_reader). The server script that
`make bi` runs starts Superset on a free loopback port from its own environment; the test
logs in with the credentials it prints, opens every dashboard, and checks that each chart
got rows from its database and drew them, and that the city's reported events shown equal
the marts'. Screenshots are kept in test-artifacts/superset/.
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import time

import pytest
from playwright.sync_api import sync_playwright

from bi.superset import bundle
from bi.superset.serve import SUPERSET, reader_dsn
from orchestration.dbt.project import ensure_manifest
from tests.reports.test_report_in_browser import CHROMIUM_ARGS, _chromium
from warehouse.bi_contract import descriptions
from warehouse.duckdb import connect
from warehouse.publish import publish_duckdb, publish_postgres
from warehouse.settings import PROJECT_ROOT

pytestmark = [pytest.mark.browser, pytest.mark.servers]

ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "superset"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def superset(tiny_warehouse, bi_postgres, tmp_path_factory):
    """Superset serving the bundle over the tiny warehouse's published copies: (url, user,
    password, the warehouse's path)."""
    if not SUPERSET.exists():
        pytest.fail("Superset is not installed in .venv-bi (make bi-env; make test-all installs it)")
    settings, _ = tiny_warehouse
    root = tmp_path_factory.mktemp("superset")
    copy = publish_duckdb(settings.warehouse_path, root / "published")
    publish_postgres(settings.warehouse_path, bi_postgres.dsn, descriptions(ensure_manifest()))
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bi.superset.serve",
            "--home",
            str(root / "home"),
            "--port",
            str(port),
            "--duckdb",
            str(copy),
            "--postgres",
            reader_dsn(bi_postgres.dsn),
        ],  # fmt: skip
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    printed = []
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        line = server.stdout.readline()
        if not line:
            break
        printed.append(line.rstrip())
        if line.strip() == "ready":
            break
    text = "\n".join(printed)
    if printed[-1:] != ["ready"]:
        server.kill()
        pytest.fail(f"the Superset server script did not get ready:\n{text}")
    user = re.search(r"user: (\S+)", text).group(1)
    password = re.search(r"password: (\S+)", text).group(1)
    yield f"http://127.0.0.1:{port}", user, password, settings.warehouse_path
    server.terminate()
    server.wait(timeout=60)
    assert not _answers(port), "Superset still serving after its script stopped"


def _answers(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def _listed(page, api: str) -> list[dict]:
    """The `result` of a list call of Superset's API, asked again for up to a minute while the
    server, just after the login, answers with an error (it does on a busy machine); the
    answer in the failure when it never lists."""
    deadline = time.monotonic() + 60
    while True:
        answer = page.request.get(api)
        body = answer.json() if answer.headers.get("content-type", "").startswith("application/json") else {}
        if answer.ok and "result" in body:
            return body["result"]
        if time.monotonic() > deadline:
            pytest.fail(f"{api}: {answer.status} {answer.text()[:1000]}")
        time.sleep(2)


DRAWN = "canvas, svg, table tbody tr, .header-line"


def _wait_drawn(page, charts):
    """Waits up to a minute for the dashboard to hold `charts` charts, each with something
    drawn in it (on a busy machine the grid lays out seconds after the data arrived); the
    assertions that follow say what is missing when it never does."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        holders = page.query_selector_all(".dashboard-component-chart-holder")
        if len(holders) == charts and all(h.query_selector(DRAWN) is not None for h in holders):
            page.wait_for_timeout(500)
            return
        page.wait_for_timeout(500)


def test_every_dashboard_draws_every_chart_with_data_from_duckdb_and_postgresql(superset):
    url, user, password, warehouse_path = superset
    con = connect(warehouse_path, read_only=True)
    events = con.execute("select sum(events_reported) from marts.mart_city_kpis_monthly").fetchone()[0]
    con.close()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    expected = {
        f"{d.key.replace('_', '-')}-{db.key}": sum(len(row) for row in d.rows)
        for db in bundle.DATABASES
        for d in bundle.DASHBOARDS
    }
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=_chromium(), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1600, "height": 1200}, locale="zh-CN")
        page.goto(f"{url}/login/")
        page.wait_for_load_state("networkidle")
        page.get_by_label("Username").fill(user)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/superset/welcome/**", timeout=60_000)

        listed = _listed(page, f"{url}/api/v1/dashboard/?q=(page_size:100)")
        assert {d["slug"] for d in listed} == set(expected)
        for slug, charts in sorted(expected.items()):
            answers = []

            def got(response, answers=answers):
                if "/api/v1/chart/data" in response.url and response.request.method == "POST":
                    answers.append((response.status, response.json()))

            page.on("response", got)
            page.goto(f"{url}/superset/dashboard/{slug}/")
            deadline = time.monotonic() + 90
            while len(answers) < charts and time.monotonic() < deadline:
                page.wait_for_timeout(500)
            page.wait_for_load_state("networkidle")
            _wait_drawn(page, charts)  # the charts draw after their data arrives
            page.remove_listener("response", got)
            page.screenshot(path=str(ARTIFACTS / f"{slug}.png"), full_page=True)

            # every chart asked its database and got rows
            assert len(answers) == charts, (slug, len(answers), charts)
            for status, body in answers:
                assert status == 200, (slug, json.dumps(body)[:500])
                assert all(r.get("rowcount", 0) > 0 and not r.get("error") for r in body["result"]), (slug, body)
            # and drew them: a number, a canvas or a table in every chart, no error or empty state
            holders = page.query_selector_all(".dashboard-component-chart-holder")
            assert len(holders) == charts, slug
            for holder in holders:
                drawn = holder.query_selector(DRAWN)
                assert drawn is not None, (slug, holder.inner_text()[:200])
                assert holder.query_selector("[role=alert], .alert") is None, (slug, holder.inner_text()[:200])
                assert "No results" not in holder.inner_text(), slug
            # one figure against the marts: the city's reported events, all months
            if slug.startswith("city-kpis"):
                shown = page.locator(".dashboard-component-chart-holder", has_text="上报事件（全部月份）")
                number = shown.locator(".header-line").inner_text()
                assert int(number.replace(",", "")) == events, (slug, number, events)
        browser.close()
    assert {p.stem for p in ARTIFACTS.glob("*.png")} >= set(expected)
