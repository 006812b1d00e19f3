"""The Dagster UI as a new user meets it: `govhub dev` (what `make dev` runs: the UI and the
daemon) on the tiny pipeline's instance shows every raw asset's checks with their results,
a click on Materialize lands the asset again, and its checks run and show on the asset's
page (screenshot in test-artifacts/).

Works on a copy of the pipeline's warehouse, lake and instance: the landing the click makes
stays out of the other tests. Needs Chromium (`.ci/run` installs it): fails without it."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import sync_playwright

from tests.reports.test_report_in_browser import ARTIFACTS, CHROMIUM_ARGS, _chromium

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

RAW = [
    "smart_city/raw/service_requests",
    "sharp_eyes/raw/events",
    "smart_parking/raw/sessions",
    "civil_affairs/raw/visits",
    "petitions/raw/cases",
]
CHECKS_QUERY = """
query ($keys: [AssetKeyInput!]) {
  assetNodes(assetKeys: $keys) {
    assetKey { path }
    assetChecksOrError {
      ... on AssetChecks {
        checks { name blocking executionForLatestMaterialization { runId status evaluation { success } } }
      }
    }
  }
}
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _graphql(url: str, query: str, variables: dict | None = None) -> dict:
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    req = urllib.request.Request(f"{url}/graphql", body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        answer = json.loads(r.read())
    assert "errors" not in answer, answer
    return answer["data"]


def _checks(url: str, keys: list[str]) -> dict[str, dict[str, dict]]:
    nodes = _graphql(url, CHECKS_QUERY, {"keys": [{"path": k.split("/")} for k in keys]})["assetNodes"]
    return {"/".join(n["assetKey"]["path"]): {c["name"]: c for c in n["assetChecksOrError"]["checks"]} for n in nodes}


@pytest.fixture
def webserver(tiny_warehouse, tmp_path):
    settings, _ = tiny_warehouse
    root = tmp_path / "ui"
    shutil.copytree(settings.warehouse_path.parent, root, ignore=shutil.ignore_patterns("published", "reports"))
    port, docs_port = _free_port(), _free_port()
    env = dict(
        os.environ,
        DAGSTER_HOME=str(root / "dagster_home"),
        GOVHUB_WAREHOUSE_PATH=str(root / settings.warehouse_path.name),
        GOVHUB_LAKE_DIR=str(root / "lake"),
    )
    log = open(tmp_path / "webserver.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(  # the connectors' settings point at the tiny sandbox: no stand-ins of its own
        [sys.executable, "-m", "govhub.cli", "dev", "--port", str(port), "--docs-port", str(docs_port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 240
        while True:
            try:
                urllib.request.urlopen(f"{url}/server_info", timeout=5)
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the webserver did not come up: {(tmp_path / 'webserver.log').read_text()[-3000:]}")
                time.sleep(1)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()


def test_the_ui_shows_the_checks_and_a_materialization_from_it_runs_them(webserver):
    # the pipeline's run: every raw asset carries its four checks, each with a result (the
    # freshness checks once the daemon's sensor has evaluated them: it ticks every minute)
    checks = _raw_checks_evaluated(webserver)
    for key in RAW:
        assert set(checks[key]) == {"gx_blocking", "gx_warnings", "volume", "freshness_check"}, key
        assert checks[key]["gx_blocking"]["blocking"] is True
        assert checks[key]["gx_blocking"]["executionForLatestMaterialization"]["status"] == "SUCCEEDED", key
        for name, check in checks[key].items():
            assert check["executionForLatestMaterialization"]["evaluation"] is not None, (key, name)
    warehouse = _checks(webserver, ["quarantine/row_accounting", "marts/fct_governance_events"])
    assert warehouse["quarantine/row_accounting"]["row_accounting_totals"]["executionForLatestMaterialization"][
        "status"
    ] == ("SUCCEEDED")
    dbt_tests = warehouse["marts/fct_governance_events"]
    assert dbt_tests and all(
        c["executionForLatestMaterialization"]["status"] == "SUCCEEDED" for c in dbt_tests.values()
    )

    staff = "smart_city/raw/staff"
    before = _checks(webserver, [staff])[staff]["gx_blocking"]["executionForLatestMaterialization"]["runId"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=_chromium(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 1000})
            page.goto(f"{webserver}/assets/{staff}")
            skip = page.get_by_role("button", name="Skip")  # the UI's first-visit newsletter prompt
            _click_materialize(page, skip)
            page.get_by_text("Launched run").wait_for(timeout=60_000)
            execution = _finished_check(webserver, staff, before)
            assert execution["status"] == "SUCCEEDED"
            page.goto(f"{webserver}/assets/{staff}?view=checks")
            page.get_by_text("gx_blocking").first.wait_for(timeout=60_000)
            if skip.count():
                skip.click()
            body = page.locator("body").inner_text()
            assert "Checks (4)" in body and "Succeeded" in body
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "dagster-asset-checks.png"))
        finally:
            browser.close()


def _raw_checks_evaluated(webserver) -> dict:
    """The raw assets' checks, once each has a result (or after four minutes)."""
    deadline = time.monotonic() + 240
    while True:
        checks = _checks(webserver, RAW)
        evaluated = all(
            c["executionForLatestMaterialization"] and c["executionForLatestMaterialization"]["evaluation"]
            for key in RAW
            for c in checks[key].values()
        )
        if evaluated or time.monotonic() > deadline:
            return checks
        time.sleep(5)


def _click_materialize(page, skip) -> None:
    """Click the asset's Materialize button, past the prompt that may open over the page
    after it has loaded."""
    materialize = page.locator("button", has_text="Materialize").first
    materialize.wait_for(timeout=60_000)
    for attempt in range(4):
        if skip.count():
            skip.click()
        elif attempt:
            page.keyboard.press("Escape")
        try:
            materialize.click(timeout=15_000)
            return
        except PlaywrightTimeout:
            if attempt == 3:
                raise


def _finished_check(webserver, asset: str, before: str) -> dict:
    """The blocking check's execution of the run launched after `before`, once all the
    asset's checks have finished (at most five minutes)."""
    deadline = time.monotonic() + 300
    while True:
        now = _checks(webserver, [asset])[asset]
        execution = now["gx_blocking"]["executionForLatestMaterialization"]
        if execution["runId"] != before and all(
            c["executionForLatestMaterialization"]["status"] not in ("IN_PROGRESS", "PLANNED") for c in now.values()
        ):
            return execution
        assert time.monotonic() < deadline, f"the run launched from the UI did not finish: {now}"
        time.sleep(2)
