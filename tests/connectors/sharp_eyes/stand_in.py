"""What the acceptance suite (tests/connectors/acceptance.py) knows of the Sharp Eyes stand-in."""

from __future__ import annotations

from sandbox.serve import RunningSandbox
from tests.connectors.acceptance import END, START, at

BAD_SETTINGS = {"GOVHUB_SHARP_EYES_APP_SECRET": "not-the-secret"}
# other gateways of the protocol: one writing the envelope's code as a number
SERVERS = {"sharp_eyes_gateway": ["number_code"]}


def truth(s: RunningSandbox) -> dict[str, set[str]]:
    from connectors.sharp_eyes import SharpEyesSettings

    alarms = s.stand_ins["sharp_eyes"].alarms
    lo, hi = at(START, 0) - SharpEyesSettings.from_env().lookback, at(END, 0)
    return {
        "cameras": {c.index_code for c in alarms.cameras},
        "events": {a.alarm_id for a in alarms.alarms if lo <= a.start < hi},
        "handling_records": {a.alarm_id for a in alarms.alarms if a.pushed_at and lo <= a.pushed_at < hi},
    }
