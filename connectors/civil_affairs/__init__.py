"""Civil affairs (民政): a relational source read with SQLAlchemy from a URL.

Entry point: ``ingest_table_days`` (households, recipients, payments, applications, visits,
by day of ``update_time``; streamed in chunks; personal data pseudonymized before landing).
Settings: ``CivilAffairsSettings.from_env()`` (``GOVHUB_CIVIL_AFFAIRS_*``, ``GOVHUB_PSEUDONYM_KEY``).
"""

from connectors.civil_affairs.ingest import SOURCE, check_connection, engine_for, ingest_table_days
from connectors.civil_affairs.settings import CivilAffairsSettings
from connectors.common.personal import id_number_check

__all__ = ["SOURCE", "CivilAffairsSettings", "check_connection", "engine_for", "id_number_check", "ingest_table_days"]
