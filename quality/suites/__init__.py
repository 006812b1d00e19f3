"""Expectation suites, one module per source, one `LandingSuite` per landed entity."""

from __future__ import annotations

from quality.landing import LandingSuite
from quality.suites import civil_affairs, petitions, sharp_eyes, smart_city, smart_parking

SUITES: dict[tuple[str, str], LandingSuite] = {
    (s.source, s.entity): s
    for module in (smart_city, sharp_eyes, smart_parking, civil_affairs, petitions)
    for s in module.SUITES
}


def suite_for(source: str, entity: str) -> LandingSuite:
    return SUITES[(source, entity)]
