"""What the acceptance suite (tests/connectors/acceptance.py) knows of the Smart City stand-in."""

from __future__ import annotations

from sandbox.serve import RunningSandbox
from tests.connectors.acceptance import END, START, at

# settings under which the connection check must fail
BAD_SETTINGS = {"GOVHUB_SMART_CITY_API_KEY": "not-the-key"}
# the other servers of the protocol the stand-in can be (SandboxConfig option -> kinds): plain
# GeoReport v2 servers without the extension lists, in their own order, one capping every
# answer at the acceptance suite's page size and ignoring page / page_size
SERVERS = {"smart_city_server": ["plain", "reversed", "shuffled", "capped:20"]}
LISTS = ("grids", "staff", "departments")  # the extension lists a plain server does not have


def truth(s: RunningSandbox) -> dict[str, set[str]]:
    """Entity -> the keys the stand-in holds for the window."""
    stand_in = s.stand_ins["smart_city"]
    world = stand_in.world
    clock = s.config.clock.now()
    plain = s.config.smart_city_server != "kaifeng"
    return {
        "service_requests": {e.request_id for e, _ in stand_in.events.updated_between(at(START, 0), at(END, 0), clock)},
        "services": {t.code for t in world.taxonomy},
        "grids": set() if plain else {g.code for g in world.grids},
        "staff": set() if plain else {p.staff_id for p in world.staff},
        "departments": set() if plain else {d.code for d in world.departments},
    }
