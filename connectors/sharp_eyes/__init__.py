"""Sharp Eyes (雪亮工程) video alarm platform: an Artemis (AK/SK signed) connector.

Entry points: ``ingest_cameras`` (camera resources, whole) and ``ingest_days`` (alarms =
linkage events, and their handling records, by day with a lookback).
Settings: ``SharpEyesSettings.from_env()`` (``GOVHUB_SHARP_EYES_*``).
"""

from connectors.sharp_eyes.client import ArtemisClient
from connectors.sharp_eyes.ingest import CAMERAS, SOURCE, WINDOWED, ingest_cameras, ingest_days
from connectors.sharp_eyes.settings import SharpEyesSettings

__all__ = ["CAMERAS", "SOURCE", "WINDOWED", "ArtemisClient", "SharpEyesSettings", "ingest_cameras", "ingest_days"]
