"""What the acceptance suite (tests/connectors/acceptance.py) knows of the __source__ stand-in."""

from __future__ import annotations

from sandbox.serve import RunningSandbox
from tests.connectors.acceptance import END, START, at

# settings under which the connection check must fail
BAD_SETTINGS = {"GOVHUB___SOURCE___API_KEY": "not-the-key"}


def truth(s: RunningSandbox) -> dict[str, set[str]]:
    """Entity -> the keys the stand-in holds for the window."""
    return {"records": s.stand_ins["__source__"].truth(at(START, 0), at(END, 0))}
