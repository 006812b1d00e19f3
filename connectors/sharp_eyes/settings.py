"""Settings of the Sharp Eyes connector, from GOVHUB_SHARP_EYES_* environment variables.

- ``GOVHUB_SHARP_EYES_URL``: the Artemis gateway base URL (``/artemis/api/...`` below it).
- ``GOVHUB_SHARP_EYES_APP_KEY``: the AK.
- ``GOVHUB_SHARP_EYES_APP_SECRET``: the SK (secret).
- ``GOVHUB_SHARP_EYES_PAGE_SIZE``: 1–1000 (default 1000).
- ``GOVHUB_SHARP_EYES_LOOKBACK_HOURS``: how far before a run's days it re-reads alarms and
  handling records, whose status moves on after they start (default 48).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from connectors.common.settings import optional_int, require_secret, require_url


@dataclass(frozen=True)
class SharpEyesSettings:
    url: str
    app_key: str
    app_secret: str = field(repr=False)
    page_size: int = 1000
    lookback: timedelta = timedelta(hours=48)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> SharpEyesSettings:
        return cls(
            url=require_url("GOVHUB_SHARP_EYES_URL", env),
            app_key=require_secret("GOVHUB_SHARP_EYES_APP_KEY", env),
            app_secret=require_secret("GOVHUB_SHARP_EYES_APP_SECRET", env),
            page_size=optional_int("GOVHUB_SHARP_EYES_PAGE_SIZE", 1000, 1, 1000, env),
            lookback=timedelta(hours=optional_int("GOVHUB_SHARP_EYES_LOOKBACK_HOURS", 48, 0, 24 * 7, env)),
        )

    def client(self):
        from connectors.sharp_eyes.client import ArtemisClient

        return ArtemisClient(self.url, self.app_key, self.app_secret, page_size=self.page_size)
