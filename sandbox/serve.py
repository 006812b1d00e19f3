"""Start the stand-ins of all sources on local ports, for one world and one window."""

from __future__ import annotations

import dataclasses
import importlib
import secrets
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sandbox.civil_affairs.data import CivilAffairsData
from sandbox.civil_affairs.locker import Locker, sqlite_path
from sandbox.civil_affairs.proxy import LossyProxy, proxied_url, server_address
from sandbox.clock import SHANGHAI, Clock
from sandbox.defects import Defect
from sandbox.faults import CLIENT_TIMEOUT_SECONDS, SOURCES, FaultPlan, parse_faults
from sandbox.http import ResponseCache, Server
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
    # The kind of Open311 server Smart City is (sandbox.smart_city.server): the platform's own
    # ("kaifeng"), or a plain GeoReport v2 one ("plain", "reversed", "shuffled", "capped:N")
    smart_city_server: str = "kaifeng"
    # How the Sharp Eyes gateway writes the envelope's code: "string_code" or "number_code"
    sharp_eyes_gateway: str = "string_code"
    # How the Smart Parking token endpoint writes expires_in: "number" (RFC 6749) or "string"
    smart_parking_expires_in: str = "number"
    # The encoding of the petition CSV exports: "gb18030", or "utf-8-sig" (UTF-8 with a BOM)
    petitions_encoding: str = "gb18030"
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
    # Faults to inject (sandbox.faults): a profile for all sources ("chaos", "flaky") or
    # per source ("smart_city=chaos,petitions=flaky"); None: none. Seeded by `seed`.
    faults: str | None = None
    # Keep every answer encoded and serve it again from memory (sandbox.http.ResponseCache):
    # for benchmarks, with a frozen clock and no faults.
    cache_responses: bool = False

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
    fault_plans: dict[str, FaultPlan] = field(default_factory=dict)
    proxy: LossyProxy | None = None  # in front of a civil-affairs server that loses connections
    locker: Locker | None = None  # locks the civil-affairs SQLite file for a while
    notes: list[str] = field(default_factory=list)  # what could not be arranged as asked

    def env(self) -> dict[str, str]:
        """The GOVHUB_* settings that point the connectors at these stand-ins (with stalls
        injected, a client timeout shorter than the stall; on a frozen clock, its instant)."""
        stalls = any(p.on("timeout") for p in self.fault_plans.values())
        timeout = {"GOVHUB_HTTP_TIMEOUT_SECONDS": str(int(CLIENT_TIMEOUT_SECONDS))} if stalls else {}
        # the freshness checks judge landings against the stand-ins' clock (orchestration/freshness.py)
        frozen = self.config.clock.now() if self.config.frozen else None
        clock = {"GOVHUB_SOURCES_FROZEN_AT": frozen.isoformat()} if frozen else {}
        return (
            timeout
            | clock
            | {
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
            | {  # the sources added beside the five (their stand-ins say what points at them)
                k: v
                for name, s in self.stand_ins.items()
                if hasattr(s, "settings") and name in self.servers
                for k, v in s.settings(self.servers[name].url).items()
            }
        )

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

    def fault_report(self) -> dict[str, dict[str, int]]:
        """The faults each stand-in has injected so far, by kind."""
        return {source: plan.report() for source, plan in self.fault_plans.items() if plan.active}

    def stop(self) -> None:
        for s in self.servers.values():
            s.stop()
        if self.proxy is not None:
            self.proxy.stop()
        if self.locker is not None:
            self.locker.stop()


def start_sandbox(config: SandboxConfig) -> RunningSandbox:
    world = build_world(config.preset, config.seed)
    clock = config.clock
    profiles = parse_faults(config.faults)
    if config.cache_responses and (profiles or not config.frozen):
        raise ValueError("cached answers need a frozen clock and no faults (the same request, the same answer)")
    plans = {source: FaultPlan.for_source(source, profiles.get(source), config.seed) for source in SOURCES}
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
        faults=plans["smart_city"],
        cache=ResponseCache(config.cache_responses),
        server=config.smart_city_server,
    )
    sharp_eyes = SharpEyesStandIn(
        world,
        config.start,
        config.end,
        clock,
        config.sharp_eyes_app_key,
        config.sharp_eyes_app_secret,
        alarms,
        faults=plans["sharp_eyes"],
        cache=ResponseCache(config.cache_responses),
        gateway=config.sharp_eyes_gateway,
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
        faults=plans["smart_parking"],
        cache=ResponseCache(config.cache_responses),
        expires_in=config.smart_parking_expires_in,
    )
    if scenario:
        scenario.add_events(world, smart_city.events)
    stand_ins = {"smart_city": smart_city, "sharp_eyes": sharp_eyes, "smart_parking": smart_parking}
    ports = {
        "smart_city": config.smart_city_port,
        "sharp_eyes": config.sharp_eyes_port,
        "smart_parking": config.smart_parking_port,
    }
    servers = {
        name: Server(s.app, config.host, ports[name], faults=plans[name]).start() for name, s in stand_ins.items()
    }
    # Civil affairs is a database, not a server: write it where the config says.
    civil = CivilAffairsData(world, config.start, config.end, config.defects)
    petitions = PetitionFiles(world, config.start, config.end, config.defects, config.petitions_encoding)
    if scenario:  # its workers join the roster once the world's records are drawn
        scenario.add_staff(world)
        scenario.add_civil_affairs(world, civil)
        scenario.add_petitions(world, petitions)
    url = config.civil_affairs_url or f"sqlite:///{tempfile.mkdtemp(prefix='govhub-civil-')}/civil_affairs.sqlite"
    written_at = clock.now()
    civil.write(url, written_at)
    stand_ins["civil_affairs"] = civil
    proxy, locker, notes = None, None, []
    plan = plans["civil_affairs"]
    if sqlite_path(url) is not None:  # the file is locked by its owner for a while, once
        if plan.on("database_locked"):
            locker = Locker(sqlite_path(url), plan).start()
        if plan.on("connection_lost"):
            notes.append("civil_affairs: connection_lost needs a database server; SQLite has no connection to lose")
    else:
        if plan.on("connection_lost"):  # the connector reads through a proxy that loses connections mid-stream
            proxy = LossyProxy(server_address(url), plan).start()
            url = proxied_url(url, proxy.port)
        if plan.on("database_locked"):
            notes.append("civil_affairs: database_locked is a fault of the SQLite file; a server is not locked whole")
    # Petitions are files: the daily exports before the clock, in the inbox.
    inbox = config.petitions_inbox or tempfile.mkdtemp(prefix="govhub-petitions-")
    until = min(config.end, clock.now().date() + timedelta(days=1))
    petitions.write_inbox(inbox, until, plans["petitions"])
    stand_ins["petitions"] = petitions
    _start_added_sources(config, world, clock, stand_ins, servers)
    return RunningSandbox(config, servers, stand_ins, url, inbox, written_at, until, plans, proxy, locker, notes)


def _start_added_sources(config: SandboxConfig, world, clock: Clock, stand_ins: dict, servers: dict) -> None:
    """The stand-ins of the sources registered beside the five above (connectors/registry.py):
    each `sandbox/<source>/` has a `stand_in(world, start, end, clock)` with an `app` to serve
    and the `settings(url)` that point its connector at it."""
    from connectors.registry import SOURCES as REGISTERED

    for name in REGISTERED:
        if name in stand_ins:
            continue
        added = importlib.import_module(f"sandbox.{name}").stand_in(world, config.start, config.end, clock)
        stand_ins[name] = added
        servers[name] = Server(added.app, config.host, 0).start()
