"""Schema drift of a landing: payload fields the source has started sending.

A new field is kept, untouched, in the raw payload (staging maps the fields it knows, the
rest waits there for a model to use it) and is reported: the fields at the top level of
this landing's payloads that none of the entity's recent earlier loads had. A field that
stopped coming is not drift in this sense: the suites' `required` checks catch what
matters of it.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from connectors.common.http import CONFLICTING_KEYS

RECENT_LOADS = 20  # earlier files compared with (the lake's newest ones that hold records)
SAMPLE_ROWS = 50_000  # payloads looked at per side: a new field comes with every new record


def payload_fields(files: list[str]) -> set[str]:
    """The top-level keys of the JSON payloads in `files`."""
    if not files:
        return set()
    rows = duckdb.execute(
        "select distinct unnest(json_keys(payload)) from "
        f"(select payload from read_parquet(?) where payload like '{{%' limit {SAMPLE_ROWS})",
        [files],
    ).fetchall()
    return {k for (k,) in rows}


def new_fields(entity_dir: Path, files: list[str]) -> list[str]:
    """The payload fields of `files` (one landing) that the entity's recent other files lack;
    empty when there is nothing earlier to compare with."""
    mine = set(files)
    others = sorted(
        (p for p in entity_dir.glob("*/*.parquet") if str(p) not in mine),
        key=lambda p: p.name,  # load ids sort by time
        reverse=True,
    )
    earlier = []
    for p in others:  # the newest files that hold records
        if len(earlier) == RECENT_LOADS:
            break
        if pq.ParquetFile(p).metadata.num_rows:
            earlier.append(str(p))
    known = payload_fields(earlier)
    if not known:
        return []
    return sorted(payload_fields(files) - known - {CONFLICTING_KEYS})  # a defect, quarantined, not a field
