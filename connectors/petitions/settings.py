"""Settings of the petitions connector.

- ``GOVHUB_PETITIONS_INBOX``: the folder the provincial system drops its daily files into.
- ``GOVHUB_PETITIONS_MAX_FILE_MB``: files larger than this are refused unread (default 50).
- ``GOVHUB_PETITIONS_WAIT_SECONDS``: how long a landing waits for a file of its range that is
  still being written (no ``.done`` marker yet) before leaving it for the next run (default 30).
- ``GOVHUB_PSEUDONYM_KEY`` (secret): the key petitioners' personal data is pseudonymized with.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from connectors.common.personal import Pseudonymizer
from connectors.common.settings import optional_int, problem


@dataclass(frozen=True)
class PetitionsSettings:
    inbox: Path
    pseudonymizer: Pseudonymizer = field(repr=False)
    max_file_bytes: int = 50 * 1024 * 1024
    wait_seconds: int = 30

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> PetitionsSettings:
        env = os.environ if env is None else env
        raw = env.get("GOVHUB_PETITIONS_INBOX", "").strip()
        inbox = Path(raw)
        if not raw:
            inbox = problem("GOVHUB_PETITIONS_INBOX is not set: give the inbox folder of the petition files", inbox)
        elif not inbox.is_dir():
            inbox = problem(f"GOVHUB_PETITIONS_INBOX is not a folder: {raw}", inbox)
        return cls(
            inbox=inbox,
            pseudonymizer=Pseudonymizer.from_env(env),
            max_file_bytes=optional_int("GOVHUB_PETITIONS_MAX_FILE_MB", 50, 1, 1024, env) * 1024 * 1024,
            wait_seconds=optional_int("GOVHUB_PETITIONS_WAIT_SECONDS", 30, 0, 600, env),
        )
