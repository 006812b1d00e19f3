"""The connector benchmark's peer for civil affairs: dlt reading the same endpoint, configured
fairly (dlt's SQL source over the register's recipients table).
Run by scripts/bench_dlt.py; dlt comes with the ``bench`` extra."""

from __future__ import annotations

import os
from datetime import date


def source(first: date, days: int):
    from dlt.sources.sql_database import sql_table

    return sql_table(
        credentials=os.environ["GOVHUB_CIVIL_AFFAIRS_DB_URL"], table="t_mz_jzdx", backend="pyarrow", chunk_size=5000
    )
