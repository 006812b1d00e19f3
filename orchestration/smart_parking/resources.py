"""The Smart Parking connector as a Dagster resource (GOVHUB_SMART_PARKING_*, GOVHUB_PSEUDONYM_KEY)."""

from __future__ import annotations

from dagster import ConfigurableResource, EnvVar

from connectors.smart_parking import SmartParkingSettings
from orchestration.resources import settings_env


class SmartParkingResource(ConfigurableResource):
    url: str
    client_id: str
    client_secret: str
    pseudonym_key: str
    page_size: int | None = None  # None: GOVHUB_SMART_PARKING_PAGE_SIZE, or 1000

    def settings(self) -> SmartParkingSettings:
        return SmartParkingSettings.from_env(
            settings_env(
                {
                    "GOVHUB_SMART_PARKING_URL": self.url,
                    "GOVHUB_SMART_PARKING_CLIENT_ID": self.client_id,
                    "GOVHUB_SMART_PARKING_CLIENT_SECRET": self.client_secret,
                    "GOVHUB_PSEUDONYM_KEY": self.pseudonym_key,
                    "GOVHUB_SMART_PARKING_PAGE_SIZE": self.page_size,
                }
            )
        )


def smart_parking_resource_from_env() -> SmartParkingResource:
    return SmartParkingResource(
        url=EnvVar("GOVHUB_SMART_PARKING_URL"),
        client_id=EnvVar("GOVHUB_SMART_PARKING_CLIENT_ID"),
        client_secret=EnvVar("GOVHUB_SMART_PARKING_CLIENT_SECRET"),
        pseudonym_key=EnvVar("GOVHUB_PSEUDONYM_KEY"),
    )
