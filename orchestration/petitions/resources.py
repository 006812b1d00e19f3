"""The petitions inbox as a Dagster resource (GOVHUB_PETITIONS_*, GOVHUB_PSEUDONYM_KEY)."""

from __future__ import annotations

from dagster import ConfigurableResource, EnvVar

from connectors.petitions import PetitionsSettings
from orchestration.resources import settings_env


class PetitionsResource(ConfigurableResource):
    inbox: str
    pseudonym_key: str
    max_file_mb: int | None = None  # None: GOVHUB_PETITIONS_MAX_FILE_MB, or 50

    def settings(self) -> PetitionsSettings:
        return PetitionsSettings.from_env(
            settings_env(
                {
                    "GOVHUB_PETITIONS_INBOX": self.inbox,
                    "GOVHUB_PSEUDONYM_KEY": self.pseudonym_key,
                    "GOVHUB_PETITIONS_MAX_FILE_MB": self.max_file_mb,
                }
            )
        )


def petitions_resource_from_env() -> PetitionsResource:
    return PetitionsResource(inbox=EnvVar("GOVHUB_PETITIONS_INBOX"), pseudonym_key=EnvVar("GOVHUB_PSEUDONYM_KEY"))
