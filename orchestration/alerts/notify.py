"""Where alerts go, from GOVHUB_* settings; both channels are optional.

- ``GOVHUB_ALERT_WEBHOOK_URL``: a chat robot's webhook (WeCom or DingTalk group robot); it
  holds the robot's key, so it is never shown. ``GOVHUB_ALERT_WEBHOOK_STYLE``: ``wecom``
  (default) or ``dingtalk``, the JSON the robot reads.
- ``GOVHUB_SMTP_HOST`` (unset: no e-mail), ``GOVHUB_SMTP_PORT`` (default 587),
  ``GOVHUB_SMTP_SECURITY`` (``starttls``, default; ``ssl``; ``none`` on a trusted relay),
  ``GOVHUB_SMTP_USER`` and ``GOVHUB_SMTP_PASSWORD`` (optional login), ``GOVHUB_SMTP_FROM``
  and ``GOVHUB_SMTP_TO`` (comma-separated).
- ``GOVHUB_DAGSTER_URL``: the Dagster UI the messages link runs to (default
  ``http://127.0.0.1:3000``, where `govhub dev` serves it).

An alert is sent to every channel set; a channel that cannot be reached is logged, and when
none could be, `send` raises, so that the sensor's tick fails and the alert is sent again on
the next one instead of being lost.
"""

from __future__ import annotations

import json
import logging
import os
import smtplib
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage

from connectors.common.personal import scrub_text
from connectors.common.settings import every_problem, optional_int, problem

log = logging.getLogger(__name__)

DEFAULT_DAGSTER_URL = "http://127.0.0.1:3000"
TITLE = "开封网格治理数据平台"  # the first words of every alert
STYLES = ("wecom", "dingtalk")
SECURITY = ("starttls", "ssl", "none")
TIMEOUT_SECONDS = 10
DETAIL_CHARS = 400  # an error message is cut to this many characters in a message


class AlertNotDelivered(RuntimeError):
    """No channel took the alert."""


@dataclass(frozen=True)
class Alert:
    """One incident: a title line, its details and a link to the run in the Dagster UI."""

    title: str
    details: list[str] = field(default_factory=list)
    link: str | None = None

    def lines(self) -> list[str]:
        """The details, each on one line, personal data masked and long text cut."""
        out = []
        for d in self.details:
            line = " ".join(str(scrub_text(d)).split())
            out.append(line if len(line) <= DETAIL_CHARS else line[: DETAIL_CHARS - 1] + "…")
        return out

    def markdown(self) -> str:
        body = [f"**{self.title}**", *(f"> {line}" for line in self.lines())]
        if self.link:
            body.append(f"[打开运行 Open the run]({self.link})")
        return "\n".join(body)

    def plain(self) -> str:
        return "\n".join([self.title, "", *self.lines(), *([f"\n{self.link}"] if self.link else [])])


@dataclass(frozen=True)
class AlertSettings:
    webhook_url: str | None = None
    webhook_style: str = "wecom"
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_security: str = "starttls"
    smtp_user: str | None = None
    smtp_password: str | None = field(default=None, repr=False)
    smtp_from: str = ""
    smtp_to: tuple[str, ...] = ()
    dagster_url: str = DEFAULT_DAGSTER_URL

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> AlertSettings:
        env = os.environ if env is None else env
        with every_problem():
            return cls(
                webhook_url=_webhook_url(env),
                webhook_style=_choice(env, "GOVHUB_ALERT_WEBHOOK_STYLE", STYLES),
                smtp_host=env.get("GOVHUB_SMTP_HOST", "").strip() or None,
                smtp_port=optional_int("GOVHUB_SMTP_PORT", 587, 1, 65535, env),
                smtp_security=_choice(env, "GOVHUB_SMTP_SECURITY", SECURITY),
                smtp_user=env.get("GOVHUB_SMTP_USER", "").strip() or None,
                smtp_password=env.get("GOVHUB_SMTP_PASSWORD") or None,
                **_mail_addresses(env),
                dagster_url=_dagster_url(env),
            )

    @property
    def channels(self) -> list[str]:
        return [name for name, on in (("webhook", self.webhook_url), ("email", self.smtp_host)) if on]

    def run_link(self, run_id: str) -> str:
        return f"{self.dagster_url}/runs/{run_id}"


def _webhook_url(env: Mapping[str, str]) -> str | None:
    url = env.get("GOVHUB_ALERT_WEBHOOK_URL", "").strip()
    if url and not url.startswith(("http://", "https://")):
        return problem("GOVHUB_ALERT_WEBHOOK_URL is not an http(s) URL (its value is not shown: it holds a key)", None)
    return url or None


def _choice(env: Mapping[str, str], name: str, allowed: tuple[str, ...]) -> str:
    value = env.get(name, "").strip().lower() or allowed[0]
    if value not in allowed:
        return problem(f"{name} is {value!r}: one of {', '.join(allowed)}", allowed[0])
    return value


def _mail_addresses(env: Mapping[str, str]) -> dict:
    if not env.get("GOVHUB_SMTP_HOST", "").strip():
        return {}
    sender = env.get("GOVHUB_SMTP_FROM", "").strip()
    to = tuple(a.strip() for a in env.get("GOVHUB_SMTP_TO", "").split(",") if a.strip())
    if "@" not in sender:
        sender = problem("GOVHUB_SMTP_FROM is not set to an e-mail address (GOVHUB_SMTP_HOST is set)", "")
    if not to or any("@" not in a for a in to):
        to = problem("GOVHUB_SMTP_TO is not a comma-separated list of e-mail addresses", ())
    return {"smtp_from": sender, "smtp_to": to}


def _dagster_url(env: Mapping[str, str]) -> str:
    url = env.get("GOVHUB_DAGSTER_URL", "").strip().rstrip("/")
    if url and not url.startswith(("http://", "https://")):
        return problem(f"GOVHUB_DAGSTER_URL is not an http(s) URL: {url!r}", DEFAULT_DAGSTER_URL)
    return url or DEFAULT_DAGSTER_URL


def webhook_payload(alert: Alert, style: str) -> dict:
    """The robot message: WeCom's markdown ({"msgtype", "markdown": {"content"}}) or
    DingTalk's ({"msgtype", "markdown": {"title", "text"}})."""
    if style == "dingtalk":
        return {"msgtype": "markdown", "markdown": {"title": alert.title, "text": alert.markdown()}}
    return {"msgtype": "markdown", "markdown": {"content": alert.markdown()}}


def _post_webhook(alert: Alert, settings: AlertSettings) -> None:
    body = json.dumps(webhook_payload(alert, settings.webhook_style), ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(
        settings.webhook_url, data=body, headers={"Content-Type": "application/json; charset=utf-8"}
    )
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 (an http(s) URL, checked)
        answer = json.loads(response.read() or b"{}")
    if answer.get("errcode", 0) != 0:  # the robots answer 200 with an error code
        raise RuntimeError(f"the webhook refused the message: errcode {answer.get('errcode')}")


def _send_mail(alert: Alert, settings: AlertSettings) -> None:
    message = EmailMessage()
    message["Subject"] = alert.title
    message["From"] = settings.smtp_from
    message["To"] = ", ".join(settings.smtp_to)
    message.set_content(alert.plain())
    smtp = smtplib.SMTP_SSL if settings.smtp_security == "ssl" else smtplib.SMTP
    with smtp(settings.smtp_host, settings.smtp_port, timeout=TIMEOUT_SECONDS) as server:
        if settings.smtp_security == "starttls":
            server.starttls()
        if settings.smtp_user:
            server.login(settings.smtp_user, settings.smtp_password or "")
        server.send_message(message)


def send(alert: Alert, settings: AlertSettings) -> list[str]:
    """Sends `alert` to every channel set; (the channels that took it). Raises
    AlertNotDelivered when channels are set and none took it."""
    senders = {"webhook": _post_webhook, "email": _send_mail}
    delivered = []
    for name in settings.channels:
        try:
            senders[name](alert, settings)
            delivered.append(name)
        except (OSError, RuntimeError, smtplib.SMTPException, ValueError) as e:
            # the error's type and text only: never the URL (it holds the robot's key)
            log.warning("alert not delivered by %s: %s", name, type(e).__name__)
    if settings.channels and not delivered:
        raise AlertNotDelivered(f"no alert channel took the alert ({', '.join(settings.channels)}): see the log")
    return delivered
