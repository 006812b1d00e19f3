"""Smart Parking (智慧停车): an OAuth2 client-credentials, cursor-paged REST connector.

Entry points: ``ingest_lots`` (the lot list, whole) and ``ingest_day`` (sessions and
violations by day of update; plates pseudonymized before landing). Settings: ``SmartParkingSettings.from_env()``
(``GOVHUB_SMART_PARKING_*`` and ``GOVHUB_PSEUDONYM_KEY``).
"""

from connectors.smart_parking.client import COLLECTIONS, SmartParkingClient
from connectors.smart_parking.ingest import DAILY, SOURCE, ingest_day, ingest_lots, pseudonymize
from connectors.smart_parking.settings import SmartParkingSettings

__all__ = [
    "COLLECTIONS",
    "DAILY",
    "SOURCE",
    "SmartParkingClient",
    "SmartParkingSettings",
    "ingest_day",
    "ingest_lots",
    "pseudonymize",
]
