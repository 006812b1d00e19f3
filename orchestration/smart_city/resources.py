"""The Smart City connector as a Dagster resource, configured from GOVHUB_SMART_CITY_*."""

from __future__ import annotations

from dagster import ConfigurableResource, EnvVar

from connectors.smart_city import Open311Client, SmartCitySettings
from orchestration.resources import settings_env


class SmartCityResource(ConfigurableResource):
    """Open311 endpoint of the Smart City platform (a stand-in or the real one)."""

    url: str
    api_key: str
    pseudonym_key: str
    page_size: int | None = None  # None: GOVHUB_SMART_CITY_PAGE_SIZE, or 1000
    overlap_minutes: int | None = None  # None: GOVHUB_SMART_CITY_OVERLAP_MINUTES, or 30

    def settings(self) -> SmartCitySettings:
        return SmartCitySettings.from_env(
            settings_env(
                {
                    "GOVHUB_SMART_CITY_URL": self.url,
                    "GOVHUB_SMART_CITY_API_KEY": self.api_key,
                    "GOVHUB_PSEUDONYM_KEY": self.pseudonym_key,
                    "GOVHUB_SMART_CITY_PAGE_SIZE": self.page_size,
                    "GOVHUB_SMART_CITY_OVERLAP_MINUTES": self.overlap_minutes,
                }
            )
        )

    def client(self) -> Open311Client:
        return self.settings().client()


def smart_city_resource_from_env() -> SmartCityResource:
    return SmartCityResource(
        url=EnvVar("GOVHUB_SMART_CITY_URL"),
        api_key=EnvVar("GOVHUB_SMART_CITY_API_KEY"),
        pseudonym_key=EnvVar("GOVHUB_PSEUDONYM_KEY"),
    )
