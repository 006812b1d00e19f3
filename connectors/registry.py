"""Every source of the platform, listed once. Adding a source is one line here (and its own
folders: connectors/<source>/, its stand-in, its GX suite, its dbt models, its tests)."""

from __future__ import annotations

from connectors.civil_affairs.source import CivilAffairs
from connectors.common.contract import Connector
from connectors.petitions.source import Petitions
from connectors.sharp_eyes.source import SharpEyes
from connectors.smart_city.source import SmartCity
from connectors.smart_parking.source import SmartParking

SOURCES: dict[str, type[Connector]] = {
    c.name: c
    for c in (
        SmartCity,
        SharpEyes,
        SmartParking,
        CivilAffairs,
        Petitions,
    )
}


def connector(name: str) -> type[Connector]:
    if name not in SOURCES:
        raise ValueError(f"no source {name!r}; the sources are {', '.join(SOURCES)}")
    return SOURCES[name]
