"""Settings of the Smart City connector, from GOVHUB_SMART_CITY_* environment variables.

- ``GOVHUB_SMART_CITY_URL``: the platform's base URL (the Open311 root is below it).
- ``GOVHUB_SMART_CITY_API_KEY``: the API key (secret).
- ``GOVHUB_SMART_CITY_PAGE_SIZE``: records per page, 1–1000 (default 1000).
- ``GOVHUB_SMART_CITY_OVERLAP_MINUTES``: how far an open partition's resume reaches back
  before its cursor, 0–1440 (default 30).
- ``GOVHUB_PSEUDONYM_KEY`` (secret): the key grid staff's names and phones are
  pseudonymized with.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from connectors.common.personal import Pseudonymizer
from connectors.common.settings import optional_int, require_secret, require_url


@dataclass(frozen=True)
class SmartCitySettings:
    url: str
    api_key: str = field(repr=False)
    page_size: int = 1000
    overlap: timedelta = timedelta(minutes=30)
    pseudonymizer: Pseudonymizer = field(repr=False, default=None)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> SmartCitySettings:
        return cls(
            url=require_url("GOVHUB_SMART_CITY_URL", env),
            api_key=require_secret("GOVHUB_SMART_CITY_API_KEY", env),
            page_size=optional_int("GOVHUB_SMART_CITY_PAGE_SIZE", 1000, 1, 1000, env),
            overlap=timedelta(minutes=optional_int("GOVHUB_SMART_CITY_OVERLAP_MINUTES", 30, 0, 1440, env)),
            pseudonymizer=Pseudonymizer.from_env(env),
        )

    def client(self):
        from connectors.smart_city.client import Open311Client

        return Open311Client(self.url, self.api_key, page_size=self.page_size)
