"""Alerts reach a chat webhook and an SMTP server, both started here on loopback, once per
incident: a run that Dagster retries is told once, at its last attempt; a blocking check that
goes on failing is told once until it passes again; a warning is not told; a source's
freshness check is. No channel set: nothing is sent. The robot's key never shows."""

from __future__ import annotations

import json
import logging
import socket
import threading
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    Definitions,
    ReexecutionOptions,
    asset,
    asset_check,
    build_sensor_context,
    define_asset_job,
    execute_job,
    in_process_executor,
    instance_for_test,
    reconstructable,
)

from connectors.common.errors import ConfigError
from orchestration.alerts.notify import Alert, AlertNotDelivered, AlertSettings, send, webhook_payload
from orchestration.alerts.sensors import alert_on_check_failure, alert_on_run_failure

ROBOT_KEY = "robot-key-0f3c"


class Webhook:
    """A chat robot's webhook on loopback: keeps each JSON message, answers errcode 0."""

    def __init__(self) -> None:
        self.messages: list[dict] = []
        received = self.messages

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                body = b'{"errcode": 0, "errmsg": "ok"}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/cgi-bin/webhook/send?key={ROBOT_KEY}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Mailbox:
    """The messages an SMTP server on loopback received."""

    def __init__(self) -> None:
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def channels(monkeypatch):
    webhook = Webhook()
    mailbox = Mailbox()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=_free_port())
    smtp.start()
    monkeypatch.setenv("GOVHUB_ALERT_WEBHOOK_URL", webhook.url)
    monkeypatch.setenv("GOVHUB_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("GOVHUB_SMTP_PORT", str(smtp.port))
    monkeypatch.setenv("GOVHUB_SMTP_SECURITY", "none")
    monkeypatch.setenv("GOVHUB_SMTP_FROM", "govhub@kaifeng.example")
    monkeypatch.setenv("GOVHUB_SMTP_TO", "duty@kaifeng.example, centre@kaifeng.example")
    monkeypatch.setenv("GOVHUB_DAGSTER_URL", "http://dagster.kaifeng.example:3000/")
    try:
        yield webhook, mailbox
    finally:
        smtp.stop()
        webhook.close()


class Ticks:
    """A sensor evaluated tick after tick against `instance`, its cursor carried over."""

    def __init__(self, sensor, instance, defs) -> None:
        self.sensor, self.instance, self.repo = sensor, instance, defs.get_repository_def()
        self.cursor = None

    def __call__(self):
        context = build_sensor_context(instance=self.instance, cursor=self.cursor, repository_def=self.repo)
        result = self.sensor.evaluate_tick(context)
        self.cursor = result.cursor if result.cursor is not None else self.cursor
        return result


@asset
def lake_files():
    # a phone number typed into an error: masked in the message
    raise RuntimeError("landing refused: the file names 13812345678\nsecond line of the trace")


lake_job = define_asset_job("lake_job", selection=[lake_files], executor_def=in_process_executor)
lake_defs = Definitions(assets=[lake_files], jobs=[lake_job], sensors=[alert_on_run_failure])


def lake_job_def():
    return lake_defs.resolve_job_def("lake_job")


def test_a_retried_run_is_told_once_at_its_last_attempt(channels):
    """Run retries on (at most one): the first attempt fails and will be retried; its re-execution
    (what the daemon launches) fails for good."""
    webhook, mailbox = channels
    job = reconstructable(lake_job_def)
    with instance_for_test(overrides={"run_retries": {"enabled": True, "max_retries": 1}}) as instance:
        tick = Ticks(alert_on_run_failure, instance, lake_defs)
        tick()  # the first tick starts from now
        with execute_job(job, instance, raise_on_error=False) as first:
            first_id = first.run_id
        assert instance.get_run_by_id(first_id).tags.get("dagster/will_retry") == "true"
        tick()
        assert webhook.messages == [] and mailbox.messages == []
        with execute_job(
            job,
            instance,
            raise_on_error=False,
            reexecution_options=ReexecutionOptions.from_failure(first_id, instance),
            # the tags the daemon's retry carries: the run group (the retries so far) is read from them
            tags={"dagster/parent_run_id": first_id, "dagster/root_run_id": first_id, "dagster/retry_number": "1"},
        ) as last:
            last_id = last.run_id
        assert instance.get_run_by_id(last_id).tags.get("dagster/will_retry") == "false"
        tick()
        tick()  # nothing new: nothing sent again
    (hook,) = webhook.messages
    assert hook["msgtype"] == "markdown"
    text = hook["markdown"]["content"]
    assert "lake_job" in text and "lake_files" in text and "Attempt 2" in text
    assert f"http://dagster.kaifeng.example:3000/runs/{last_id}" in text
    assert "13812345678" not in text and "138****5678" in text and "second line" not in text
    ((to, mail),) = mailbox.messages
    assert to == ["duty@kaifeng.example", "centre@kaifeng.example"]
    assert "lake_job" in mail["Subject"] and last_id in mail.get_content()


@asset
def grid_list():
    return 1


FAILING = {"blocking": True, "warning": True, "freshness": True}


@asset_check(asset=grid_list, blocking=True)
def grids_have_polygons():
    return AssetCheckResult(passed=not FAILING["blocking"], severity=AssetCheckSeverity.ERROR, description="3 grids")


@asset_check(asset=grid_list)
def grid_names_are_short():
    return AssetCheckResult(passed=not FAILING["warning"], severity=AssetCheckSeverity.WARN)


@asset_check(asset=grid_list, name="freshness_check")
def grid_list_is_fresh():
    return AssetCheckResult(passed=not FAILING["freshness"], severity=AssetCheckSeverity.WARN)


def test_a_failing_check_is_told_once_until_it_passes_again_warnings_never(channels, monkeypatch):
    webhook, mailbox = channels
    checks = [grids_have_polygons, grid_names_are_short, grid_list_is_fresh]
    job = define_asset_job("grid_job", selection=[grid_list])
    defs = Definitions(assets=[grid_list], asset_checks=checks, jobs=[job], sensors=[alert_on_check_failure])
    job = defs.resolve_job_def("grid_job")
    for name in FAILING:  # set back after the test
        monkeypatch.setitem(FAILING, name, True)
    with instance_for_test() as instance:
        tick = Ticks(alert_on_check_failure, instance, defs)
        runs = []
        for blocking, freshness in ((True, True), (True, True), (False, False), (True, False)):
            FAILING.update(blocking=blocking, freshness=freshness)
            runs.append(job.execute_in_process(instance=instance, raise_on_error=False).run_id)
            tick()
        tick()
    texts = [m["markdown"]["content"] for m in webhook.messages]
    assert len(texts) == 2 and len(mailbox.messages) == 2
    assert "2 项检查" in texts[0] and "grids_have_polygons" in texts[0] and "freshness_check" in texts[0]
    assert runs[0] in texts[0] and "3 grids" in texts[0]
    assert "grids_have_polygons" in texts[1] and "freshness_check" not in texts[1] and runs[3] in texts[1]
    assert not any("grid_names_are_short" in t for t in texts)


def test_no_channel_set_sends_nothing(monkeypatch):
    for name in ("GOVHUB_ALERT_WEBHOOK_URL", "GOVHUB_SMTP_HOST"):
        monkeypatch.delenv(name, raising=False)
    sent = []
    monkeypatch.setattr("orchestration.alerts.sensors.send", lambda alert, settings: sent.append(alert))
    with instance_for_test() as instance:
        tick = Ticks(alert_on_run_failure, instance, lake_defs)
        tick()
        lake_job_def().execute_in_process(instance=instance, raise_on_error=False)
        tick()
        monkeypatch.setenv("GOVHUB_SMTP_HOST", "127.0.0.1")  # the same sensor, a channel set: it sends
        monkeypatch.setenv("GOVHUB_SMTP_FROM", "govhub@kaifeng.example")
        monkeypatch.setenv("GOVHUB_SMTP_TO", "duty@kaifeng.example")
        lake_job_def().execute_in_process(instance=instance, raise_on_error=False)
        tick()
    assert len(sent) == 1


def test_settings_name_what_to_fix_and_never_show_the_key():
    with pytest.raises(ConfigError) as e:
        AlertSettings.from_env(
            {
                "GOVHUB_ALERT_WEBHOOK_URL": f"ftp://robot.example/send?key={ROBOT_KEY}",
                "GOVHUB_SMTP_HOST": "smtp.example",
                "GOVHUB_SMTP_PORT": "70000",
                "GOVHUB_SMTP_TO": "nobody",
            }
        )
    message = str(e.value)
    for name in ("GOVHUB_ALERT_WEBHOOK_URL", "GOVHUB_SMTP_PORT", "GOVHUB_SMTP_FROM", "GOVHUB_SMTP_TO"):
        assert name in message
    assert ROBOT_KEY not in message


def test_the_robot_message_follows_its_style():
    alert = Alert("标题 Title", ["a detail"], "http://ui/runs/1")
    wecom = webhook_payload(alert, "wecom")
    dingtalk = webhook_payload(alert, "dingtalk")
    assert wecom == {"msgtype": "markdown", "markdown": {"content": alert.markdown()}}
    assert dingtalk["markdown"]["title"] == "标题 Title" and "http://ui/runs/1" in dingtalk["markdown"]["text"]


def test_an_alert_no_channel_took_fails_the_tick_and_the_log_holds_no_key(caplog):
    settings = AlertSettings(webhook_url=f"http://127.0.0.1:{_free_port()}/send?key={ROBOT_KEY}")
    with caplog.at_level(logging.WARNING), pytest.raises(AlertNotDelivered):
        send(Alert("t"), settings)
    assert caplog.records and ROBOT_KEY not in caplog.text


def test_govhub_alerts_test_reaches_every_channel(channels, capsys):
    from govhub.cli import main

    webhook, mailbox = channels
    assert main(["alerts", "test"]) == 0
    assert "webhook, email" in capsys.readouterr().out
    assert len(webhook.messages) == 1 and len(mailbox.messages) == 1
    assert "Alert test" in webhook.messages[0]["markdown"]["content"]


def test_govhub_alerts_test_without_a_channel_says_what_to_set(monkeypatch, capsys):
    from govhub.cli import main

    for name in ("GOVHUB_ALERT_WEBHOOK_URL", "GOVHUB_SMTP_HOST"):
        monkeypatch.delenv(name, raising=False)
    assert main(["alerts", "test"]) == 2
    assert "GOVHUB_ALERT_WEBHOOK_URL" in capsys.readouterr().err
