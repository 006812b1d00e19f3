"""Smart City (智慧开封) governance event platform: an Open311 GeoReport v2 connector.

Entry points: ``ingest_service_requests`` (events by day of update, incremental with an
overlap) and ``ingest_reference`` (services = the taxonomy, grids, staff, departments).
Settings: ``SmartCitySettings.from_env()`` (``GOVHUB_SMART_CITY_*``).
"""

from connectors.smart_city.client import Open311Client
from connectors.smart_city.ingest import (
    EVENT_ENTITY,
    REFERENCE_ENTITIES,
    SOURCE,
    ingest_reference,
    ingest_service_requests,
)
from connectors.smart_city.settings import SmartCitySettings

__all__ = [
    "EVENT_ENTITY",
    "REFERENCE_ENTITIES",
    "SOURCE",
    "Open311Client",
    "SmartCitySettings",
    "ingest_reference",
    "ingest_service_requests",
]
