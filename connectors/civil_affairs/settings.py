"""Settings of the civil-affairs connector, from GOVHUB_CIVIL_AFFAIRS_* environment variables.

- ``GOVHUB_CIVIL_AFFAIRS_DB_URL`` (secret: it may hold a password): a SQLAlchemy URL, e.g.
  ``mysql+pymysql://user:pass@host/db``, ``postgresql+psycopg://...``, ``sqlite:///file``.
- ``GOVHUB_CIVIL_AFFAIRS_CHUNK_ROWS``: rows fetched per round trip, 100–100000 (default 5000).
- ``GOVHUB_PSEUDONYM_KEY`` (secret): the key personal data is pseudonymized with.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from connectors.common.personal import Pseudonymizer
from connectors.common.settings import optional_int, problem, require_secret


@dataclass(frozen=True)
class CivilAffairsSettings:
    db_url: str = field(repr=False)
    pseudonymizer: Pseudonymizer = field(repr=False)
    chunk_rows: int = 5000

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> CivilAffairsSettings:
        url = require_secret("GOVHUB_CIVIL_AFFAIRS_DB_URL", env)
        try:
            make_url(url)
        except ArgumentError:
            # the value is not echoed: it may carry a password
            url = problem(
                "GOVHUB_CIVIL_AFFAIRS_DB_URL is not a SQLAlchemy URL (dialect+driver://user:password@host/database)",
                "sqlite://",
            )
        return cls(
            db_url=url,
            pseudonymizer=Pseudonymizer.from_env(env),
            chunk_rows=optional_int("GOVHUB_CIVIL_AFFAIRS_CHUNK_ROWS", 5000, 100, 100_000, env),
        )
