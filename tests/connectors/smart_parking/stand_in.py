"""What the acceptance suite (tests/connectors/acceptance.py) knows of the Smart Parking stand-in."""

from __future__ import annotations

from sandbox.serve import RunningSandbox
from tests.connectors.acceptance import END, START, at, local_time

BAD_SETTINGS = {"GOVHUB_SMART_PARKING_CLIENT_SECRET": "not-the-secret"}
# other OAuth2 servers: one writing the token's expires_in as a string
SERVERS = {"smart_parking_expires_in": ["string"]}


def truth(s: RunningSandbox) -> dict[str, set[str]]:
    data = s.stand_ins["smart_parking"].data
    clock = s.config.clock.now()
    out = {"lots": set(data.truth("lots", clock))}
    for collection in ("sessions", "violations"):
        out[collection] = {
            k
            for k, r in data.truth(collection, clock).items()
            if at(START, 0) <= local_time(r["updated_at"]) < at(END, 0)
        }
    return out
