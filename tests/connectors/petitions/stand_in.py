"""What the acceptance suite (tests/connectors/acceptance.py) knows of the petitions stand-in."""

from __future__ import annotations

from sandbox.serve import RunningSandbox

BAD_SETTINGS = {"GOVHUB_PETITIONS_INBOX": "/nonexistent/petitions/inbox"}
# other exporting systems: CSV in UTF-8 with a byte-order mark (dates as Excel serials in both)
SERVERS = {"petitions_encoding": ["utf-8-sig"]}


def truth(s: RunningSandbox) -> dict[str, set[str]]:
    return {"cases": set(s.stand_ins["petitions"].truth(s.petitions_until))}
