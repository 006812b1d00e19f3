"""Alerts: a failed run, a blocking check or a source silent past its freshness, told once per
incident to a chat webhook and by e-mail (GOVHUB_ALERT_WEBHOOK_URL, GOVHUB_SMTP_*)."""
