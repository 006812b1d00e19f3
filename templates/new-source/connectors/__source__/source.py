"""__source__ as a source of the platform (connectors.common.contract)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from connectors.__source__.ingest import DEFAULT_OVERLAP, ENTITY, SOURCE, ingest_day
from connectors.__source__.settings import __Source__Settings
from connectors.common.contract import DAILY, DAY, Entity, HttpConnector, Window
from connectors.common.ingest import IngestResult
from connectors.common.lake import Lake


class __Source__(HttpConnector):
    name = SOURCE
    title = "__Title__"
    settings_class = __Source__Settings
    cadence = DAILY
    benchmark_entity = ENTITY
    entities = (Entity(ENTITY, "id", "updated_at", DAY, "记录 __Title__ records, by day of update."),)

    @property
    def overlap(self) -> timedelta:
        return DEFAULT_OVERLAP

    def read(self, lake: Lake, entity: str, window: Window) -> Iterator[IngestResult]:
        self.entity(entity)
        for day in window.days():
            yield ingest_day(self.client, lake, day, now=window.now)
