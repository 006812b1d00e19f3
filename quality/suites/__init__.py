"""Expectation suites, one module per registered source (``quality/suites/<source>.py``), one
`LandingSuite` per landed entity."""

from __future__ import annotations

import importlib

from connectors.registry import SOURCES
from quality.landing import LandingSuite

SUITES: dict[tuple[str, str], LandingSuite] = {
    (s.source, s.entity): s for name in SOURCES for s in importlib.import_module(f"quality.suites.{name}").SUITES
}


def suite_for(source: str, entity: str) -> LandingSuite:
    return SUITES[(source, entity)]
