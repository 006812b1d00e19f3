"""Start the stand-ins of all sources on local ports, for one world and one window."""

from __future__ import annotations

import dataclasses
import secrets
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sandbox.civil_affairs.data import CivilAffairsData
from sandbox.clock import SHANGHAI, Clock
from sandbox.defects import Defect
from sandbox.http import Server
from sandbox.petitions.files import PetitionFiles
from sandbox.scenario import Scenario
from sandbox.sharp_eyes.alarms import SharpEyesAlarms
from sandbox.sharp_eyes.server import SharpEyesStandIn
from sandbox.smart_city.server import SmartCityStandIn
from sandbox.smart_parking.server import SmartParkingStandIn
from sandbox.world import DEFAULT_SEED, build_world


@dataclass
class SandboxConfig:
    preset: str = "tiny"
    seed: int = DEFAULT_SEED
    start: date = date(2026, 10, 1)
    end: date = date(2026, 10, 6)  # exclusive: the world has events of [start, end)
    frozen: bool = True  # freeze the clock at `end` 00:00 (reproducible); else wall time
    defects: bool = True  # serve a few defective records (sandbox.defects); False: a clean world
    # Smart City request fields served in no record at all (a platform that changed its shape)
    smart_city_drop_fields: tuple[str, ...] = ()
    host: str = "127.0.0.1"
    smart_city_port: int = 0
    smart_city_api_key: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    sharp_eyes_port: int = 0
    sharp_eyes_app_key: str = field(default_factory=lambda: f"2{secrets.randbelow(10**7):07d}")
    sharp_eyes_app_secret: str = field(default_factory=lambda: secrets.token_urlsafe(20))
    smart_parking_port: int = 0
    smart_parking_client_id: str = "govhub-etl"
    smart_parking_client_secret: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    smart_parking_token_seconds: float = 600.0
    # Where the civil-affairs database is written: any SQLAlchemy URL; default a SQLite file
    # in a fresh temporary folder.
    civil_affairs_url: str | None = None
    # The petitions inbox folder; default a fresh temporary folder.
    petitions_inbox: str | None = None
    # A hand-written scenario (sandbox.scenario) served beside the generated world.
    scenario: str | None = None
    # The key pseudonymizing personal data at ingestion; the sandbox makes one per run.
    pseudonym_key: str = field(default_factory=lambda: secrets.token_urlsafe(32))

    @property
    def clock(self) -> Clock:
        return Clock(datetime.combine(self.end, time(0), SHANGHAI) if self.frozen else None)


@dataclass
class RunningSandbox:
    config: SandboxConfig
    servers: dict[str, Server]
    stand_ins: dict[str, object]
    civil_affairs_url: str = ""
    petitions_inbox: str = ""
    civil_affairs_written_at: datetime | None = None  # the clock when the database was written
    petitions_until: date | None = None  # the inbox holds the exports of the days before this

    def env(self) -> dict[str, str]:
        """The GOVHUB_* settings that point the connectors at these stand-ins."""
        return {
            "GOVHUB_SMART_CITY_URL": self.servers["smart_city"].url,
            "GOVHUB_SMART_CITY_API_KEY": self.config.smart_city_api_key,
            "GOVHUB_SHARP_EYES_URL": self.servers["sharp_eyes"].url,
            "GOVHUB_SHARP_EYES_APP_KEY": self.config.sharp_eyes_app_key,
            "GOVHUB_SHARP_EYES_APP_SECRET": self.config.sharp_eyes_app_secret,
            "GOVHUB_SMART_PARKING_URL": self.servers["smart_parking"].url,
            "GOVHUB_SMART_PARKING_CLIENT_ID": self.config.smart_parking_client_id,
            "GOVHUB_SMART_PARKING_CLIENT_SECRET": self.config.smart_parking_client_secret,
            "GOVHUB_CIVIL_AFFAIRS_DB_URL": self.civil_affairs_url,
            "GOVHUB_PETITIONS_INBOX": self.petitions_inbox,
            "GOVHUB_PSEUDONYM_KEY": self.config.pseudonym_key,
        }

    def defects(self) -> list[Defect]:
        """Every defective record the stand-ins have served or will serve for the window: what
        connectors landing the whole window see (for civil affairs the whole register in the
        database, for petitions the rows of the files in the inbox)."""
        s = self.stand_ins
        out = [
            *s["smart_city"].events.defects(),
            *s["sharp_eyes"].alarms.defects(),
            *s["smart_parking"].data.defects(),
        ]
        if self.civil_affairs_written_at is not None:
            out.extend(s["civil_affairs"].defects(self.civil_affairs_written_at))
        if self.petitions_until is not None:
            out.extend(s["petitions"].defects(self.petitions_until))
        return out

    def stop(self) -> None:
        for s in self.servers.values():
            s.stop()


def start_sandbox(config: SandboxConfig) -> RunningSandbox:
    world = build_world(config.preset, config.seed)
    clock = config.clock
    # One world: the alarms the Sharp Eyes platform raises are the ones Smart City events cite.
    scenario = Scenario.load(config.scenario) if config.scenario else None
    if scenario:  # the world is shared (cached): the scenario's workers join a copy of its roster
        world = dataclasses.replace(world, staff=list(world.staff))
    alarms = SharpEyesAlarms(world, config.start, config.end, config.defects)
    if scenario:
        scenario.add_alarms(world, alarms)
    smart_city = SmartCityStandIn(
        world,
        config.start,
        config.end,
        clock,
        config.smart_city_api_key,
        alarms,
        config.defects,
        config.smart_city_drop_fields,
    )
    sharp_eyes = SharpEyesStandIn(
        world, config.start, config.end, clock, config.sharp_eyes_app_key, config.sharp_eyes_app_secret, alarms
    )
    smart_parking = SmartParkingStandIn(
        world,
        config.start,
        config.end,
        clock,
        config.smart_parking_client_id,
        config.smart_parking_client_secret,
        config.smart_parking_token_seconds,
        defects=config.defects,
    )
    if scenario:
        scenario.add_events(world, smart_city.events)
    stand_ins = {"smart_city": smart_city, "sharp_eyes": sharp_eyes, "smart_parking": smart_parking}
    ports = {
        "smart_city": config.smart_city_port,
        "sharp_eyes": config.sharp_eyes_port,
        "smart_parking": config.smart_parking_port,
    }
    servers = {name: Server(s.app, config.host, ports[name]).start() for name, s in stand_ins.items()}
    # Civil affairs is a database, not a server: write it where the config says.
    civil = CivilAffairsData(world, config.start, config.end, config.defects)
    petitions = PetitionFiles(world, config.start, config.end, config.defects)
    if scenario:  # its workers join the roster once the world's records are drawn
        scenario.add_staff(world)
        scenario.add_civil_affairs(world, civil)
        scenario.add_petitions(world, petitions)
    url = config.civil_affairs_url or f"sqlite:///{tempfile.mkdtemp(prefix='govhub-civil-')}/civil_affairs.sqlite"
    written_at = clock.now()
    civil.write(url, written_at)
    stand_ins["civil_affairs"] = civil
    # Petitions are files: the daily exports before the clock, in the inbox.
    inbox = config.petitions_inbox or tempfile.mkdtemp(prefix="govhub-petitions-")
    until = min(config.end, clock.now().date() + timedelta(days=1))
    petitions.write_inbox(inbox, until)
    stand_ins["petitions"] = petitions
    return RunningSandbox(config, servers, stand_ins, url, inbox, written_at, until)
