"""Settings of the Smart Parking connector, from GOVHUB_SMART_PARKING_* environment variables.

- ``GOVHUB_SMART_PARKING_URL``: the platform's base URL (``/oauth/token``, ``/api/v1/...``).
- ``GOVHUB_SMART_PARKING_CLIENT_ID`` / ``GOVHUB_SMART_PARKING_CLIENT_SECRET`` (secret):
  OAuth2 client credentials.
- ``GOVHUB_SMART_PARKING_PAGE_SIZE``: 1–1000 (default 1000).
- ``GOVHUB_PSEUDONYM_KEY`` (secret): the key plate numbers are pseudonymized with.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from connectors.common.personal import Pseudonymizer
from connectors.common.settings import optional_int, require_secret, require_url


@dataclass(frozen=True)
class SmartParkingSettings:
    url: str
    client_id: str
    client_secret: str = field(repr=False)
    pseudonymizer: Pseudonymizer = field(repr=False, default=None)
    page_size: int = 1000

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> SmartParkingSettings:
        return cls(
            url=require_url("GOVHUB_SMART_PARKING_URL", env),
            client_id=require_secret("GOVHUB_SMART_PARKING_CLIENT_ID", env),
            client_secret=require_secret("GOVHUB_SMART_PARKING_CLIENT_SECRET", env),
            pseudonymizer=Pseudonymizer.from_env(env),
            page_size=optional_int("GOVHUB_SMART_PARKING_PAGE_SIZE", 1000, 1, 1000, env),
        )

    def client(self):
        from connectors.smart_parking.client import SmartParkingClient

        return SmartParkingClient(self.url, self.client_id, self.client_secret, page_size=self.page_size)
