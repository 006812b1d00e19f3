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
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

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
            parsed = make_url(url)
        except ArgumentError:
            # the value is not echoed: it may carry a password
            url = problem(
                "GOVHUB_CIVIL_AFFAIRS_DB_URL is not a SQLAlchemy URL (dialect+driver://user:password@host/database)",
                "sqlite://",
            )
        else:
            url = _with_known_driver(url, parsed)
        return cls(
            db_url=url,
            pseudonymizer=Pseudonymizer.from_env(env),
            chunk_rows=optional_int("GOVHUB_CIVIL_AFFAIRS_CHUNK_ROWS", 5000, 100, 100_000, env),
        )


def _with_known_driver(url: str, parsed) -> str:
    """`url` when its dialect is known and its driver installed; else the problem, named by
    the dialect and driver only (never the URL: it may carry a password)."""
    supported = "sqlite, postgresql+psycopg or mysql+pymysql"
    try:
        parsed.get_dialect().import_dbapi()
    except NoSuchModuleError:
        return problem(
            f"GOVHUB_CIVIL_AFFAIRS_DB_URL names a database dialect SQLAlchemy does not know "
            f"({parsed.drivername}); use {supported}",
            "sqlite://",
        )
    except ImportError as exc:
        return problem(
            f"GOVHUB_CIVIL_AFFAIRS_DB_URL needs the driver of {parsed.drivername}, which is not installed "
            f"({exc.name}); use {supported}",
            "sqlite://",
        )
    return url
