"""The alert sensors: one message per incident.

- ``alert_on_run_failure``: a run that failed for good. A failed run that Dagster will retry
  (run retries on, tag ``dagster/will_retry: true``) is not an incident yet; its last attempt
  is, and the message says which attempt it was. Step retries inside a run never reach it.
- ``alert_on_check_failure``: a blocking check (severity ERROR) that fails, or a source's
  freshness check (a source silent past its cadence). Each tick reads every check's latest
  evaluation; its cursor holds the checks failing now, so a check that goes on failing is
  one incident until it passes again. The checks one run fails are told in one message.

Neither sends anything while no channel is set (orchestration/alerts/notify.py).
"""

import json

from dagster import (
    AssetCheckSeverity,
    DefaultSensorStatus,
    RunFailureSensorContext,
    SensorEvaluationContext,
    SkipReason,
    run_failure_sensor,
    sensor,
)

from orchestration.alerts.notify import TITLE, Alert, AlertSettings, send
from orchestration.freshness import CHECK_NAME as FRESHNESS_CHECK
from orchestration.partitions import PARTITION_TAG

WILL_RETRY_TAG = "dagster/will_retry"
RETRY_NUMBER_TAG = "dagster/retry_number"


def run_failure_alert(context: RunFailureSensorContext, settings: AlertSettings) -> Alert:
    run = context.dagster_run
    details = [f"作业 Job: {run.job_name}"]
    if run.tags.get(RETRY_NUMBER_TAG):
        attempt = int(run.tags[RETRY_NUMBER_TAG]) + 1
        details.append(f"第 {attempt} 次尝试 Attempt {attempt} (retries exhausted)")
    partition = run.tags.get(PARTITION_TAG)
    if partition:
        details.append(f"分区 Partition: {partition}")
    steps = context.get_step_failure_events()
    if steps:
        details.append("失败步骤 Failed steps: " + ", ".join(sorted({e.step_key for e in steps if e.step_key})))
        error = steps[0].step_failure_data.error
    else:
        error = context.failure_event.run_failure_data.error if context.failure_event.run_failure_data else None
    while error is not None and error.cause is not None:  # the error the step's own code raised
        error = error.cause
    if error is not None:
        first_line = error.message.strip().splitlines()[0] if error.message.strip() else ""
        details.append(f"错误 Error: {error.cls_name}: {first_line}")
    return Alert(f"[{TITLE}] 运行失败 Run failed: {run.job_name}", details, settings.run_link(run.run_id))


@run_failure_sensor(
    name="alert_on_run_failure",
    description="Tell a run that failed for good (not one Dagster retries) to the alert channels.",
    default_status=DefaultSensorStatus.RUNNING,
)
def alert_on_run_failure(context: RunFailureSensorContext):
    run = context.dagster_run
    if run.tags.get(WILL_RETRY_TAG) == "true":
        return SkipReason(f"run {run.run_id} is retried: its last attempt is the incident")
    settings = AlertSettings.from_env()
    if not settings.channels:
        return SkipReason("no alert channel is set (GOVHUB_ALERT_WEBHOOK_URL, GOVHUB_SMTP_HOST)")
    delivered = send(run_failure_alert(context, settings), settings)
    context.log.info(f"run {run.run_id} failed: told to {', '.join(delivered)}")
    return None


def _alerting(evaluation) -> bool:
    """A failed evaluation is an incident when its check blocks (ERROR) or is a freshness check."""
    return not evaluation.passed and (
        evaluation.severity == AssetCheckSeverity.ERROR or evaluation.check_name == FRESHNESS_CHECK
    )


def _check_alert(run_id: str, evaluations: list, settings: AlertSettings) -> Alert:
    details = []
    for e in evaluations:
        kind = "新鲜度 freshness" if e.check_name == FRESHNESS_CHECK else "阻断 blocking"
        text = f"{e.asset_key.to_user_string()} · {e.check_name} ({kind})"
        if e.description:
            text += f": {e.description}"
        details.append(text)
    noun = "检查未通过 Check failed" if len(evaluations) == 1 else f"{len(evaluations)} 项检查未通过 checks failed"
    return Alert(f"[{TITLE}] {noun}", details, settings.run_link(run_id))


@sensor(
    name="alert_on_check_failure",
    minimum_interval_seconds=60,
    description="Tell a blocking check, or a source's freshness check, that starts failing to the alert channels "
    "(once until it passes again).",
    default_status=DefaultSensorStatus.RUNNING,
)
def alert_on_check_failure(context: SensorEvaluationContext):
    failing: dict[str, int] = json.loads(context.cursor) if context.cursor else {}  # check -> its failed evaluation
    new_incidents: dict[str, list] = {}  # run id -> the evaluations that start an incident
    for key in sorted(context.repository_def.asset_graph.asset_check_keys, key=lambda k: k.to_user_string()):
        record = context.instance.get_latest_asset_check_evaluation_record(key)
        evaluation = record.evaluation if record is not None else None
        if evaluation is None:  # never evaluated, or only planned
            continue
        name = key.to_user_string()
        if evaluation.passed:
            failing.pop(name, None)
        elif _alerting(evaluation) and name not in failing:
            failing[name] = record.id
            new_incidents.setdefault(record.run_id, []).append(evaluation)
    if new_incidents:
        settings = AlertSettings.from_env()
        if settings.channels:
            for run_id, evaluations in new_incidents.items():
                send(_check_alert(run_id, evaluations, settings), settings)
    context.update_cursor(json.dumps(failing, sort_keys=True))
    told = sum(map(len, new_incidents.values()))
    return SkipReason(f"{told} check(s) started failing; {len(failing)} failing")
