"""Petitions (信访): daily export files (CSV in GB18030, xlsx) dropped into an inbox.

Entry points: ``pending_files`` (complete files not landed yet) and ``ingest_file``.
Settings: ``PetitionsSettings.from_env()`` (``GOVHUB_PETITIONS_*``, ``GOVHUB_PSEUDONYM_KEY``).
"""

from connectors.petitions.files import UnreadableFile, complete_files, read_rows
from connectors.petitions.ingest import ENTITY, REJECTED, SOURCE, file_day, ingest_file, pending_files
from connectors.petitions.settings import PetitionsSettings

__all__ = [
    "ENTITY",
    "REJECTED",
    "UnreadableFile",
    "SOURCE",
    "PetitionsSettings",
    "complete_files",
    "file_day",
    "ingest_file",
    "pending_files",
    "read_rows",
]
