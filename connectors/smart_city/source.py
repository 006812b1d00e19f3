"""Smart City as a source of the platform (connectors.common.contract)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from connectors.common.contract import DAY, NEAR_REAL_TIME, SNAPSHOT, Entity, HttpConnector, Window
from connectors.common.ingest import IngestResult
from connectors.common.lake import Lake
from connectors.smart_city.ingest import (
    EVENT_ENTITY,
    REFERENCE_ENTITIES,
    SOURCE,
    ingest_reference,
    ingest_service_requests,
)
from connectors.smart_city.settings import SmartCitySettings

_REFERENCE = {
    "services": "服务类型 The event taxonomy (Open311 services).",
    "grids": "网格 Grids with their outlines, as the platform lists them.",
    "staff": "网格员 Grid staff (names and phones pseudonymized).",
    "departments": "职能部门 Departments that handle dispatched tasks.",
}


class SmartCity(HttpConnector):
    name = SOURCE
    title = "智慧开封 Smart City event platform (Open311 GeoReport v2)"
    settings_class = SmartCitySettings
    cadence = NEAR_REAL_TIME
    benchmark_entity = EVENT_ENTITY
    entities = (
        Entity(
            EVENT_ENTITY,
            "service_request_id",
            "updated_datetime",
            DAY,
            "智慧开封事件 Smart City events (Open311 requests) landed by day of last update.",
        ),
        *(Entity(name, key, None, SNAPSHOT, _REFERENCE[name]) for name, key in REFERENCE_ENTITIES.items()),
    )

    @property
    def overlap(self) -> timedelta:
        return self.settings.overlap

    def read(self, lake: Lake, entity: str, window: Window) -> Iterator[IngestResult]:
        if self.entity(entity).partitioning == SNAPSHOT:
            yield ingest_reference(self.client, lake, entity, self.settings.pseudonymizer)
            return
        for day in window.days():
            yield ingest_service_requests(self.client, lake, day, now=window.now, overlap=self.settings.overlap)
