"""The raw lake: every record a connector receives, landed untouched before anything else.

Layout (Parquet, readable by DuckDB and Spark alike)::

    <lake>/raw/<source>/<entity>/lake_partition=<YYYY-MM-DD>/<load_id>-<seq>.parquet

Each file holds one batch of one load, with the columns of ``RAW_SCHEMA``: the load id, when
it was fetched, the request that returned it (the source cursor), the record's key and its
update time as the source sent them, and the untouched JSON payload. Files are written
under a temporary name and renamed into place, so a reader (or a crash) never sees half a
file. Landing is append-only: a rerun adds a new load; staging keeps one row per version.

Every landing is **committed** in the entity's log once its files are in place::

    <lake>/_log/<source>/<entity>/<YYYY-MM-DD>.jsonl   (one line per commit, by UTC day)

A line names the load, its lake day, its files and rows, and the moment of the commit; lines
are appended under a lock, so their order is the commit order and a reader sees a prefix of
it. The warehouse reads committed landings only: files of a load that died before its
commit (a crash between two batch files) are never half-read, and the next run lands their
records again. The warehouse's incremental models take the commits after the last one they
built, so a build costs what is new, not what is held.

A committed file that can no longer be read whole (a disk fault, a file cut short or
overwritten) would stop every build that reads its entity. Before each build the files of
the commits not yet checked are read once (``Lake.set_aside_unreadable``); one that fails
is moved out of the data, to ``<lake>/unreadable/<source>/<entity>/<day>/<file>``, and
named in the log by a line of its own (``unreadable_file``, ``unreadable_rows`` as its
commit counted them, ``unreadable_error``). Staging quarantines it as one
``unreadable_file`` record and the row accounting counts its rows as unreadable; the rest
of the lake builds.

Cursor state lives beside the data in ``<lake>/_state/<source>/<entity>.json`` and is
written, also atomically, only after the batches it covers are landed.
"""

from __future__ import annotations

import fcntl
import json
import os
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from connectors.common.atomic import replaced_whole, write_text_whole
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

RAW_COLUMNS = [(f.name, f.type) for f in RAW_SCHEMA]  # what a lake file must hold to be read


# The folder of a lake day: <entity>/lake_partition=<YYYY-MM-DD>/ (hive style).
PARTITION_PREFIX = "lake_partition="
# The commit log of each entity (see the module's docstring) and the lake's format: 1 had no
# log (every file was read as landed), 2 commits every landing.
LOG_DIR = "_log"
FORMAT_VERSION = 2
UNREADABLE_DIR = "unreadable"  # committed files that could not be read, set aside


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
        if not (self.root / "_lake.json").exists():
            self.upgrade()  # a new lake gets its format marker; an older one its commit log
        target = self.entity_dir(source, entity) / f"{PARTITION_PREFIX}{partition}"
        target.mkdir(parents=True, exist_ok=True)
        if any(target.glob(f"{load_id}-*.parquet")):
            raise ValueError(f"{source}.{entity}: load {load_id} has already landed in {partition}")
        seq = 0
        rows = 0
        files: list[str] = []
        for batch in _batches(records, batch_rows):
            files.append(self._write(target / f"{load_id}-{seq:04d}.parquet", load_id, fetched_at, batch))
            rows += len(batch)
            seq += 1
        if not files:
            files.append(self._write(target / f"{load_id}-{seq:04d}.parquet", load_id, fetched_at, []))
        self.commit(source, entity, partition, load_id, files, rows)
        stats.records += rows
        stats.files += len(files)
        stats.partitions.add(partition)
        return stats

    @staticmethod
    def _write(path: Path, load_id: str, fetched_at: datetime, batch: list[RawRecord]) -> str:
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
        with replaced_whole(path, fsync=True) as tmp:
            pq.write_table(table, tmp, compression="zstd")
        failpoint("landed")
        return path.name

    # --- the commit log -----------------------------------------------------------------
    def log_dir(self, source: str, entity: str) -> Path:
        return self.root / LOG_DIR / source / entity

    def commit(
        self, source: str, entity: str, partition: str, load_id: str, files: list[str], rows: int, **more
    ) -> dict:
        """Record that `files` of `load_id` are landed whole in `partition`: one line appended
        to the entity's log under its lock. The commit time is taken under the lock and never
        earlier than the last commit's, so the log's order is the commit order. `more`: other
        fields of the line (a file set aside names itself so)."""
        log = self.log_dir(source, entity)
        log.mkdir(parents=True, exist_ok=True)
        with open(self.root / LOG_DIR / f".{source}.{entity}.lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            now = datetime.now(UTC)
            last = self._last_commit_at(log)
            if last is not None and now <= last:  # a clock set back: keep the order
                now = last + timedelta(microseconds=1)
            entry = {
                "committed_at": now.isoformat(timespec="microseconds"),
                "load_id": load_id,
                "lake_partition": partition,
                "files": files,
                "row_count": rows,
                **more,
            }
            line = (json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
            fd = os.open(log / f"{now:%Y-%m-%d}.jsonl", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(fd, line)
                os.fsync(fd)
            finally:
                os.close(fd)
        return entry

    @staticmethod
    def _last_commit_at(log: Path) -> datetime | None:
        days = sorted(log.glob("*.jsonl"))
        if not days:
            return None
        with open(days[-1], "rb") as fh:  # its last line only: the day's log grows with every commit
            end = fh.seek(0, os.SEEK_END)
            window = 4096
            while True:
                fh.seek(max(0, end - window))
                lines = fh.read().splitlines()
                if len(lines) > 1 or window >= end:
                    break
                window *= 4
        return datetime.fromisoformat(json.loads(lines[-1])["committed_at"]) if lines else None

    def commits(self, source: str, entity: str, after: str = "") -> list[dict]:
        """The entity's commits in commit order; with `after` (a commit time as the log
        writes it), those after it, reading the log's days from that one on only."""
        out = []
        for day in sorted(self.log_dir(source, entity).glob("*.jsonl")):
            if day.stem >= after[:10]:
                lines = day.read_text(encoding="utf-8").splitlines()
                out += [c for c in (json.loads(line) for line in lines if line.strip()) if c["committed_at"] > after]
        return out

    def set_aside_unreadable(self) -> list[dict]:
        """Read whole, once, every file of the commits not yet checked; move each that cannot
        be read (or lacks the lake's columns, or is missing) out of the data and name it in
        its entity's log. The lines written, one per file set aside."""
        checked = self.root / "_state" / "_checked"
        checked.mkdir(parents=True, exist_ok=True)
        found: list[dict] = []
        with open(checked / ".lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            for entity_dir in sorted(p for p in self.root.glob("raw/*/*") if p.is_dir()):
                source, entity = entity_dir.parent.name, entity_dir.name
                mark = checked / source / f"{entity}.json"
                through = json.loads(mark.read_text(encoding="utf-8"))["through"] if mark.exists() else ""
                newest = through
                for c in self.commits(source, entity, after=through):
                    newest = max(newest, c["committed_at"])
                    if c["files"]:
                        found += self._set_aside(source, entity, c)
                if newest != through:
                    mark.parent.mkdir(parents=True, exist_ok=True)
                    write_text_whole(mark, json.dumps({"through": newest}))
        return found

    def _set_aside(self, source: str, entity: str, commit: dict) -> list[dict]:
        folder = self.entity_dir(source, entity) / f"{PARTITION_PREFIX}{commit['lake_partition']}"
        readable, bad = 0, []
        for name in commit["files"]:
            try:
                table = pq.read_table(folder / name)
                if [(f.name, f.type) for f in table.schema] != RAW_COLUMNS:
                    raise ValueError(f"its columns are not the lake's ({', '.join(table.schema.names)})")
                readable += table.num_rows
            except FileNotFoundError:
                bad.append((name, "the file is missing"))
            except (OSError, ValueError, pa.ArrowException) as exc:
                bad.append((name, (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]))
        lines = []
        unexplained = commit["row_count"] - readable
        for name, error in bad:
            target = self.root / UNREADABLE_DIR / source / entity / folder.name / name
            if (folder / name).exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(folder / name, target)
            rows, unexplained = max(unexplained, 0), 0  # the commit's rows the readable files do not hold
            lines.append(
                self.commit(
                    source,
                    entity,
                    commit["lake_partition"],
                    commit["load_id"],
                    [],
                    0,
                    unreadable_file=name,
                    unreadable_rows=rows,
                    unreadable_error=error,
                )
                | {"source": source, "entity": entity}
            )
        return lines

    def uncommitted_files(self, source: str, entity: str) -> list[Path]:
        """Files in the entity's folders that no commit names: the remains of a load that
        died before its commit. The warehouse never reads them."""
        committed = {(c["lake_partition"], f) for c in self.commits(source, entity) for f in c["files"]}
        return sorted(
            p
            for p in self.entity_dir(source, entity).glob(f"{PARTITION_PREFIX}*/*.parquet")
            if (p.parent.name.removeprefix(PARTITION_PREFIX), p.name) not in committed
        )

    # --- format ---------------------------------------------------------------------------
    def format_version(self) -> int:
        """The lake's format: FORMAT_VERSION, or 1 for a lake written before the commit log."""
        marker = self.root / "_lake.json"
        if marker.exists():
            return int(json.loads(marker.read_text(encoding="utf-8"))["format"])
        return 1 if (self.root / "raw").is_dir() else FORMAT_VERSION

    def upgrade(self) -> int:
        """Bring a lake of format 1 to the current format: every file already in it is
        committed (format 1 read every file as landed), one commit per load and day, in the
        order their files were written. The number of commits written; 0 when up to date."""
        (self.root / LOG_DIR).mkdir(parents=True, exist_ok=True)
        with open(self.root / LOG_DIR / ".upgrade.lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            return self._upgrade()

    def _upgrade(self) -> int:
        written = 0
        if self.format_version() < FORMAT_VERSION and (self.root / "raw").is_dir():
            for entity_dir in sorted(p for p in (self.root / "raw").glob("*/*") if p.is_dir()):
                source, entity = entity_dir.parent.name, entity_dir.name
                by_load: dict[tuple[str, str], list[Path]] = {}
                for f in self.uncommitted_files(source, entity):
                    load_id = f.name.rsplit("-", 1)[0]
                    by_load.setdefault((f.parent.name.removeprefix(PARTITION_PREFIX), load_id), []).append(f)

                def written_order(item: tuple[tuple[str, str], list[Path]]) -> tuple[float, str, str]:
                    (partition, load_id), files = item
                    return max(f.stat().st_mtime for f in files), load_id, partition

                for (partition, load_id), files in sorted(by_load.items(), key=written_order):
                    files = sorted(files)
                    rows = sum(pq.read_metadata(f).num_rows for f in files)
                    self.commit(source, entity, partition, load_id, [f.name for f in files], rows)
                    written += 1
        self.root.mkdir(parents=True, exist_ok=True)
        marker = self.root / "_lake.json"
        if not marker.exists() or self.format_version() < FORMAT_VERSION:
            write_text_whole(marker, json.dumps({"format": FORMAT_VERSION}) + "\n")
        return written

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
        write_text_whole(path, json.dumps(state, ensure_ascii=False, indent=1, sort_keys=True))


class RecentVersions:
    """The record versions a source's open window has already landed, so that a read going
    over the same window again (the overlap of a resumed day, the lookback of an API that
    selects by start time), as the near-real-time path does every few seconds, lands only
    what changed. Kept beside the cursor (``_state/<source>/<entity>.recent.json``): key ->
    [fingerprint of the payload, the record's time]. Saved only after what it names has
    landed; a version it has forgotten is landed again, which staging counts as a repeat."""

    def __init__(self, lake: Lake, source: str, entity: str) -> None:
        self.path = lake.root / "_state" / source / f"{entity}.recent.json"
        self.seen: dict[str, list] = json.loads(self.path.read_text(encoding="utf-8")) if self.path.exists() else {}
        self.skipped = 0

    @staticmethod
    def fingerprint(payload: str) -> str:
        import hashlib

        return hashlib.md5(payload.encode("utf-8")).hexdigest()[:16]

    def changed(self, records: Iterable[RawRecord], time_of, skip: bool = True) -> Iterator[RawRecord]:
        """The records that are not the version already landed for their key (all of them,
        remembered, with `skip` false: a first read of the window)."""
        for r in records:
            fp = self.fingerprint(r.payload)
            if skip and r.key is not None and self.seen.get(r.key, [None])[0] == fp:
                self.skipped += 1
                continue
            if r.key is not None:
                self.seen[r.key] = [fp, time_of(r)]
            yield r

    def save(self, keep_from: datetime) -> None:
        """Write what was seen, forgetting the versions before `keep_from` (no later read
        reaches back to them)."""
        cut = keep_from.astimezone(UTC).isoformat()
        kept = {k: v for k, v in self.seen.items() if v[1] is None or _instant_text(v[1]) >= cut}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_text_whole(self.path, json.dumps(kept, ensure_ascii=False, separators=(",", ":")))


def _instant_text(value: str) -> str:
    """A source's time as a comparable ISO instant in UTC (text that is not a time sorts last)."""
    try:
        t = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return "9999"
    return (t if t.tzinfo else t.replace(tzinfo=UTC)).astimezone(UTC).isoformat()


def _batches(records: Iterable[RawRecord], size: int) -> Iterator[list[RawRecord]]:
    batch: list[RawRecord] = []
    for r in records:
        batch.append(r)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
