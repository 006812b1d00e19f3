"""The Sharp Eyes connector as a Dagster resource, configured from GOVHUB_SHARP_EYES_*."""

from __future__ import annotations

from dagster import ConfigurableResource, EnvVar

from connectors.sharp_eyes import ArtemisClient, SharpEyesSettings
from orchestration.resources import settings_env


class SharpEyesResource(ConfigurableResource):
    """Artemis gateway of the Sharp Eyes platform (a stand-in or the real one)."""

    url: str
    app_key: str
    app_secret: str
    page_size: int | None = None  # None: GOVHUB_SHARP_EYES_PAGE_SIZE, or 1000
    lookback_hours: int | None = None  # None: GOVHUB_SHARP_EYES_LOOKBACK_HOURS, or 48

    def settings(self) -> SharpEyesSettings:
        return SharpEyesSettings.from_env(
            settings_env(
                {
                    "GOVHUB_SHARP_EYES_URL": self.url,
                    "GOVHUB_SHARP_EYES_APP_KEY": self.app_key,
                    "GOVHUB_SHARP_EYES_APP_SECRET": self.app_secret,
                    "GOVHUB_SHARP_EYES_PAGE_SIZE": self.page_size,
                    "GOVHUB_SHARP_EYES_LOOKBACK_HOURS": self.lookback_hours,
                }
            )
        )

    def client(self) -> ArtemisClient:
        return self.settings().client()


def sharp_eyes_resource_from_env() -> SharpEyesResource:
    return SharpEyesResource(
        url=EnvVar("GOVHUB_SHARP_EYES_URL"),
        app_key=EnvVar("GOVHUB_SHARP_EYES_APP_KEY"),
        app_secret=EnvVar("GOVHUB_SHARP_EYES_APP_SECRET"),
    )
