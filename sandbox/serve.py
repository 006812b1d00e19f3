"""Start the stand-ins of all sources on local ports, for one world and one window."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, time

from sandbox.clock import SHANGHAI, Clock
from sandbox.http import Server
from sandbox.smart_city.server import SmartCityStandIn
from sandbox.world import DEFAULT_SEED, build_world


@dataclass
class SandboxConfig:
    preset: str = "tiny"
    seed: int = DEFAULT_SEED
    start: date = date(2026, 10, 1)
    end: date = date(2026, 10, 6)  # exclusive: the world has events of [start, end)
    frozen: bool = True  # freeze the clock at `end` 00:00 (reproducible); else wall time
    host: str = "127.0.0.1"
    smart_city_port: int = 0
    smart_city_api_key: str = field(default_factory=lambda: secrets.token_urlsafe(24))

    @property
    def clock(self) -> Clock:
        return Clock(datetime.combine(self.end, time(0), SHANGHAI) if self.frozen else None)


@dataclass
class RunningSandbox:
    config: SandboxConfig
    servers: dict[str, Server]
    stand_ins: dict[str, object]

    def env(self) -> dict[str, str]:
        """The GOVHUB_* settings that point the connectors at these stand-ins."""
        return {
            "GOVHUB_SMART_CITY_URL": self.servers["smart_city"].url,
            "GOVHUB_SMART_CITY_API_KEY": self.config.smart_city_api_key,
        }

    def stop(self) -> None:
        for s in self.servers.values():
            s.stop()


def start_sandbox(config: SandboxConfig) -> RunningSandbox:
    world = build_world(config.preset, config.seed)
    clock = config.clock
    smart_city = SmartCityStandIn(world, config.start, config.end, clock, config.smart_city_api_key)
    servers = {"smart_city": Server(smart_city.app, config.host, config.smart_city_port).start()}
    return RunningSandbox(config, servers, {"smart_city": smart_city})
