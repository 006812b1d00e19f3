"""Settings of the __source__ connector, from GOVHUB___SOURCE___* environment variables.

- ``GOVHUB___SOURCE___URL``: the API's base URL.
- ``GOVHUB___SOURCE___API_KEY``: the API key (secret).
- ``GOVHUB___SOURCE___PAGE_SIZE``: records per page, 1–1000 (default 500).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from connectors.common.settings import optional_int, require_secret, require_url


@dataclass(frozen=True)
class __Source__Settings:
    url: str
    api_key: str = field(repr=False)
    page_size: int = 500

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> __Source__Settings:
        return cls(
            url=require_url("GOVHUB___SOURCE___URL", env),
            api_key=require_secret("GOVHUB___SOURCE___API_KEY", env),
            page_size=optional_int("GOVHUB___SOURCE___PAGE_SIZE", 500, 1, 1000, env),
        )

    def client(self):
        from connectors.__source__.client import __Source__Client

        return __Source__Client(self.url, self.api_key, page_size=self.page_size)
