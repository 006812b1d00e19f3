"""Smart Parking as a source of the platform (connectors.common.contract)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from connectors.common.contract import DAILY, DAY, SNAPSHOT, Entity, HttpConnector, Window
from connectors.common.ingest import IngestResult
from connectors.common.lake import Lake
from connectors.smart_parking.ingest import DAILY as BY_DAY
from connectors.smart_parking.ingest import DEFAULT_OVERLAP, KEYS, SOURCE, ingest_day, ingest_lots
from connectors.smart_parking.settings import SmartParkingSettings

_DESCRIPTIONS = {
    "sessions": "停车记录 Parking sessions (entry, exit, fee in fen), plates pseudonymized, by day of update.",
    "violations": "违停 Parking violations and their handling department, plates pseudonymized, by day of update.",
}


class SmartParking(HttpConnector):
    name = SOURCE
    title = "智慧停车 Smart Parking platform (OAuth2 client credentials, cursor-paged REST)"
    settings_class = SmartParkingSettings
    cadence = DAILY
    benchmark_entity = "sessions"
    entities = (
        Entity("lots", KEYS["lots"], None, SNAPSHOT, "停车场 Parking lots (BD-09), landed whole."),
        *(Entity(name, KEYS[name], "updated_at", DAY, _DESCRIPTIONS[name]) for name in BY_DAY),
    )

    @property
    def overlap(self) -> timedelta:
        return DEFAULT_OVERLAP

    def read(self, lake: Lake, entity: str, window: Window) -> Iterator[IngestResult]:
        if self.entity(entity).partitioning == SNAPSHOT:
            yield ingest_lots(self.client, lake)
            return
        for day in window.days():
            yield ingest_day(self.client, lake, entity, day, self.settings.pseudonymizer, now=window.now)
