"""Petitions as a source of the platform (connectors.common.contract)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator

from connectors.common.contract import FILE, ON_ARRIVAL, Connector, Entity, Window
from connectors.common.ingest import IngestResult
from connectors.common.lake import Lake
from connectors.petitions.files import UnreadableFile, complete_files, read_rows
from connectors.petitions.ingest import ENTITY, SOURCE, ingest_file, pending_files
from connectors.petitions.settings import PetitionsSettings


class Petitions(Connector):
    name = SOURCE
    title = "信访 Petition export files (CSV in GB18030, xlsx) dropped into an inbox"
    settings_class = PetitionsSettings
    cadence = ON_ARRIVAL
    benchmark_entity = ENTITY
    entities = (
        Entity(
            ENTITY,
            "信访件编号",
            None,
            FILE,
            "信访件 Petition cases from the provincial system's daily export files (CSV GB18030, xlsx).",
        ),
    )

    def check(self) -> None:
        """The inbox is a folder the settings found already; nothing else to reach."""

    def fetch_limit(self, entity: str, window: Window, parsed: bool = False) -> float:
        """The inbox's complete files read whole, nothing done with them (with `parsed`, each
        read as a CSV or a workbook into its rows)."""
        started = time.monotonic()
        for f in complete_files(self.settings.inbox):
            if parsed:
                with contextlib.suppress(UnreadableFile):
                    read_rows(f, self.settings.max_file_bytes)
            else:
                f.path.read_bytes()
        return time.monotonic() - started

    def read(self, lake: Lake, entity: str, window: Window) -> Iterator[IngestResult]:
        """Every complete file of the inbox not landed yet (the window does not apply: files do)."""
        self.entity(entity)
        for f in pending_files(lake, self.settings.inbox):
            yield ingest_file(lake, f, self.settings.pseudonymizer, self.settings.max_file_bytes)
