"""Sharp Eyes as a source of the platform (connectors.common.contract)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from connectors.common.contract import DAY, NEAR_REAL_TIME, SNAPSHOT, Entity, HttpConnector, Window
from connectors.common.ingest import IngestResult
from connectors.common.lake import Lake
from connectors.sharp_eyes.ingest import CAMERAS, SOURCE, WINDOWED, ingest_cameras, ingest_days
from connectors.sharp_eyes.settings import SharpEyesSettings
from connectors.sharp_eyes.signing import signed_headers

_DESCRIPTIONS = {
    "events": "雪亮工程告警 Sharp Eyes linkage events (alarms), by day of startTime.",
    "handling_records": "告警处置记录 Handling of alarms pushed to grid workers (push, arrival, result).",
}


class SharpEyes(HttpConnector):
    name = SOURCE
    title = "雪亮工程 Sharp Eyes video alarm platform (Artemis, AK/SK signed)"
    settings_class = SharpEyesSettings
    cadence = NEAR_REAL_TIME
    benchmark_entity = "events"
    entities = (
        Entity(CAMERAS, "cameraIndexCode", None, SNAPSHOT, "雪亮工程点位 Camera resources (WGS-84), landed whole."),
        *(Entity(name, key, cursor, DAY, _DESCRIPTIONS[name]) for name, (_call, key, cursor) in WINDOWED.items()),
    )

    @property
    def overlap(self) -> timedelta:
        return self.settings.lookback  # alarms change after they start: a read re-reads the lookback

    def read(self, lake: Lake, entity: str, window: Window) -> Iterator[IngestResult]:
        if self.entity(entity).partitioning == SNAPSHOT:
            yield ingest_cameras(self.client, lake)
            return
        yield from ingest_days(
            self.client, lake, entity, window.first, window.last, self.settings.lookback, now=window.now
        )

    def replayed_headers(self, method: str, url: str, headers: dict) -> dict:
        if not any(h.lower() == "x-ca-nonce" for h in headers):
            return headers
        path = "/artemis" + url.split("/artemis", 1)[1]
        return signed_headers(method, path, self.settings.app_key, self.settings.app_secret)

    def rewind(self, lake: Lake, entity: str, until: datetime) -> None:
        """One cursor per entity (the API selects by start time, not by day)."""
        lake.write_state(SOURCE, entity, {"fetched_until": until.isoformat()})
