"""The raw lake: every record a connector receives, landed untouched before anything else.

Layout (Parquet, readable by DuckDB and Spark alike)::

    <lake>/raw/<source>/<entity>/lake_partition=<YYYY-MM-DD>/<load_id>-<seq>.parquet

Each file holds one batch of one load, with the columns of ``RAW_SCHEMA``: the load id, when
it was fetched, the request that returned it (the source cursor), the record's key and its
update time as the source sent them, and the untouched JSON payload. Files are written
under a temporary name and renamed into place, so a reader (or a crash) never sees half a
file. Landing is append-only: a rerun adds a new load; staging keeps one row per version.

Cursor state lives beside the data in ``<lake>/_state/<source>/<entity>.json`` and is
written, also atomically, only after the batches it covers are landed.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from connectors.common.failpoints import failpoint

RAW_SCHEMA = pa.schema(
    [
        pa.field("load_id", pa.string(), nullable=False),
        pa.field("fetched_at", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("source_cursor", pa.string(), nullable=False),
        pa.field("record_key", pa.string()),
        pa.field("record_updated_at", pa.string()),
        pa.field("payload", pa.string(), nullable=False),
    ]
)


# The folder of a lake day: <entity>/lake_partition=<YYYY-MM-DD>/ (hive style).
PARTITION_PREFIX = "lake_partition="


def partition_dirs(entity_dir: Path) -> dict[date, Path]:
    """The day folders of an entity in the lake, by day (other names are ignored)."""
    out = {}
    for d in entity_dir.glob(f"{PARTITION_PREFIX}*"):
        try:
            out[date.fromisoformat(d.name.removeprefix(PARTITION_PREFIX))] = d
        except ValueError:
            continue
    return out


def new_load_id(now: datetime | None = None) -> str:
    """Sortable by time, unique across processes: 20261001T083000123456Z-1a2b3c4d."""
    now = now or datetime.now(UTC)
    return f"{now.astimezone(UTC):%Y%m%dT%H%M%S%fZ}-{uuid.uuid4().hex[:8]}"


def payload_text(record: dict) -> str:
    """A record as landed JSON: compact, UTF-8 as is (no \\u escapes), keys in the source's
    order; the same text as json.dumps(..., ensure_ascii=False, separators=(",", ":")), made
    by orjson, several times faster. Keys may be str subclasses (a database driver's column
    names)."""
    return orjson.dumps(record, option=orjson.OPT_NON_STR_KEYS).decode("utf-8")


@dataclass(slots=True)
class RawRecord:
    key: str | None
    updated_at: str | None
    payload: str  # the record as the source sent it (JSON text)
    cursor: str  # the request that returned it


@dataclass
class LandingStats:
    records: int = 0
    files: int = 0
    pages: int = 0
    partitions: set[str] = field(default_factory=set)


class Lake:
    def __init__(self, root: str | os.PathLike) -> None:
        self.root = Path(root)

    def entity_dir(self, source: str, entity: str) -> Path:
        return self.root / "raw" / source / entity

    def glob(self, source: str, entity: str) -> str:
        return str(self.entity_dir(source, entity) / "*" / "*.parquet")

    def land(
        self,
        source: str,
        entity: str,
        partition: str,
        load_id: str,
        records: Iterable[RawRecord],
        fetched_at: datetime,
        batch_rows: int = 50_000,
        stats: LandingStats | None = None,
    ) -> LandingStats:
        """Write records into the partition in files of at most batch_rows rows.

        A load that brings no record still leaves one empty file: the load happened, and
        the row accounting can say so.
        """
        stats = stats or LandingStats()
        target = self.entity_dir(source, entity) / f"{PARTITION_PREFIX}{partition}"
        target.mkdir(parents=True, exist_ok=True)
        seq = 0
        wrote_any = False
        for batch in _batches(records, batch_rows):
            self._write(target / f"{load_id}-{seq:04d}.parquet", load_id, fetched_at, batch)
            stats.records += len(batch)
            stats.files += 1
            seq += 1
            wrote_any = True
        if not wrote_any:
            self._write(target / f"{load_id}-{seq:04d}.parquet", load_id, fetched_at, [])
            stats.files += 1
        stats.partitions.add(partition)
        return stats

    @staticmethod
    def _write(path: Path, load_id: str, fetched_at: datetime, batch: list[RawRecord]) -> None:
        n = len(batch)
        table = pa.table(
            {
                "load_id": pa.array([load_id] * n, pa.string()),
                "fetched_at": pa.array([fetched_at] * n, pa.timestamp("us", tz="UTC")),
                "source_cursor": pa.array([r.cursor for r in batch], pa.string()),
                "record_key": pa.array([r.key for r in batch], pa.string()),
                "record_updated_at": pa.array([r.updated_at for r in batch], pa.string()),
                "payload": pa.array([r.payload for r in batch], pa.string()),
            },
            schema=RAW_SCHEMA,
        )
        tmp = path.with_name(f".{path.name}.tmp")
        pq.write_table(table, tmp, compression="zstd")
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        failpoint("landed")

    def load_files(self, source: str, entity: str, load_ids: list[str]) -> list[str]:
        """The Parquet files that the given loads wrote for an entity (each once, however
        often a load is named: one load can cover many days)."""
        d = self.entity_dir(source, entity)
        return sorted({str(p) for lid in set(load_ids) for p in d.glob(f"*/{lid}-*.parquet")})

    # --- cursor state -------------------------------------------------------------------
    def _state_path(self, source: str, entity: str) -> Path:
        return self.root / "_state" / source / f"{entity}.json"

    def read_state(self, source: str, entity: str) -> dict:
        path = self._state_path(source, entity)
        if not path.exists():
            return {}
        return json.loads(path.read_text(encoding="utf-8"))

    def read_through(self, source: str, entity: str) -> datetime | None:
        """How far the source has been read: every record it had updated before this moment
        has landed (None: never read). Windowed readers keep ``fetched_until``; readers by
        day keep each day's ``partitions`` cursor, so the latest of those. A day on which the
        source had nothing to send still moves it, unlike the day folders of the data."""
        state = self.read_state(source, entity)
        marks = [state["fetched_until"]] if "fetched_until" in state else list(state.get("partitions", {}).values())
        return max((datetime.fromisoformat(m) for m in marks), default=None)

    def write_state(self, source: str, entity: str, state: dict) -> None:
        failpoint("cursor")
        path = self._state_path(source, entity)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(json.dumps(state, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(tmp, path)


def _batches(records: Iterable[RawRecord], size: int) -> Iterator[list[RawRecord]]:
    batch: list[RawRecord] = []
    for r in records:
        batch.append(r)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
