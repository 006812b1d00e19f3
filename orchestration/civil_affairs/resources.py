"""The civil-affairs database as a Dagster resource (GOVHUB_CIVIL_AFFAIRS_*, GOVHUB_PSEUDONYM_KEY)."""

from __future__ import annotations

from dagster import ConfigurableResource, EnvVar

from connectors.civil_affairs import CivilAffairsSettings
from orchestration.resources import settings_env


class CivilAffairsResource(ConfigurableResource):
    db_url: str
    pseudonym_key: str
    chunk_rows: int | None = None  # None: GOVHUB_CIVIL_AFFAIRS_CHUNK_ROWS, or 5000

    def settings(self) -> CivilAffairsSettings:
        return CivilAffairsSettings.from_env(
            settings_env(
                {
                    "GOVHUB_CIVIL_AFFAIRS_DB_URL": self.db_url,
                    "GOVHUB_PSEUDONYM_KEY": self.pseudonym_key,
                    "GOVHUB_CIVIL_AFFAIRS_CHUNK_ROWS": self.chunk_rows,
                }
            )
        )


def civil_affairs_resource_from_env() -> CivilAffairsResource:
    return CivilAffairsResource(
        db_url=EnvVar("GOVHUB_CIVIL_AFFAIRS_DB_URL"), pseudonym_key=EnvVar("GOVHUB_PSEUDONYM_KEY")
    )
