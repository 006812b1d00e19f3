"""The raw lake: every record a connector receives, landed untouched before anything else.

Layout (Parquet, readable by DuckDB and Spark alike)::

    <lake>/raw/<source>/<entity>/lake_partition=<YYYY-MM-DD>/<load_id>-<seq>.parquet

Each file holds one batch of one load, with the columns of ``RAW_SCHEMA``: the load id, when
it was fetched, the request that returned it (the source cursor), the record's key and its
update time as the source sent them, and the untouched JSON payload. Files are written
under a temporary name and renamed into place, so a reader (or a crash) never sees half a
file. Landing is append-only: a rerun adds a new load; staging keeps one row per version.

Connectors hand the lake a page at a time as columns (`RawBatch`: keys, update times, JSON
payloads, the page's request), never an object per record; `Landing` gathers them into files
by day and writes the files on threads of their own while the connector reads on.

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
import hashlib
import json
import os
import uuid
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from connectors.common.atomic import replaced_whole, write_text_whole
from connectors.common.errors import ConfigError
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
# the keys the lake's pseudonyms are made with (their ids, oldest first), recorded by the
# first landing and changed only by a key rotation (warehouse/rotation.py)
PSEUDONYM_KEYS = "_state/pseudonym_keys.json"
# present while a rotation rewrites the lake: nothing lands and nothing is built meanwhile
MAINTENANCE = "_state/maintenance.json"


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


@dataclass(slots=True)
class RawBatch:
    """Records as columns, the way they land: a page of a source, or any run of records
    with one cursor (the request that returned them). Payloads are JSON text, as `str` or as
    the UTF-8 bytes orjson makes (Arrow checks them)."""

    keys: list
    updated: list
    payloads: list
    cursor: str

    def __len__(self) -> int:
        return len(self.payloads)

    @classmethod
    def of(cls, items: list[dict], key_field: str, updated_field: str | None, cursor: str) -> RawBatch:
        """A page's items as a batch: each item's key and update time as the source sent them
        (the key as text), its payload its compact JSON (`payloads_of`)."""
        keys = [None if (k := i.get(key_field)) is None else k if type(k) is str else str(k) for i in items]
        updated = [i.get(updated_field) for i in items] if updated_field else [None] * len(items)
        return cls(keys, updated, payloads_of(items), cursor)

    def take(self, rows: list[int]) -> RawBatch:
        return RawBatch(
            [self.keys[i] for i in rows], [self.updated[i] for i in rows], [self.payloads[i] for i in rows], self.cursor
        )


def payloads_of(items: list[dict]) -> list[bytes]:
    """`payload_text` of each item, as UTF-8 bytes (no text object made per record)."""
    dumps, option = orjson.dumps, orjson.OPT_NON_STR_KEYS
    return [dumps(i, option=option) for i in items]


@dataclass
class LandingStats:
    records: int = 0
    files: int = 0
    pages: int = 0
    partitions: set[str] = field(default_factory=set)


class Landing:
    """One load being written: batches added by lake day, gathered into files of at most
    `batch_rows` rows; each file written whole and renamed into place by writer threads while
    the caller goes on reading its source (several at once: a file's fsync waits on the disk,
    not on Python), and each day committed (`finish`), in the order the days are finished,
    once every file of it is in place: days finished one after the other (a register's
    history) are committed together, up to COMMIT_EVERY, and the rest when the block ends.
    Leaving the block waits for the writers and the commits; whatever failed there is raised,
    and nothing is committed after the failure."""

    WRITERS = 4
    PENDING = 8  # files handed over and not yet written, at most: the reader waits beyond that
    COMMIT_EVERY = 64  # days finished and committed together (one append, one fsync), at most

    def __init__(
        self, lake: Lake, source: str, entity: str, load_id: str, fetched_at: datetime, batch_rows: int = 50_000
    ) -> None:
        self.lake, self.source, self.entity, self.load_id = lake, source, entity, load_id
        self.fetched_at, self.batch_rows = fetched_at, batch_rows
        self._open: dict[str, _Columns] = {}  # day -> rows not yet handed to a writer
        self._files: dict[str, list[str]] = {}  # day -> its files handed to a writer
        self._written: dict[str, list[Future]] = {}  # day -> its files' writes
        self._rows: dict[str, int] = {}
        self._pending: list[Future] = []  # writes and commits not known to be done
        self._writers = ThreadPoolExecutor(self.WRITERS, thread_name_prefix=f"lake-{source}-{entity}")
        self._committer = ThreadPoolExecutor(1, thread_name_prefix=f"commit-{source}-{entity}")
        self._ready: list[tuple[dict, str]] = []  # days finished and not yet handed to the committer
        self._failed: BaseException | None = None
        lake.refuse_during_maintenance()
        if not (lake.root / "_lake.json").exists():
            lake.upgrade()  # a new lake gets its format marker; an older one its commit log

    def __enter__(self) -> Landing:
        return self

    def __exit__(self, kind, exc, tb) -> None:
        try:
            if kind is None:
                self._commit_ready()
                self._drain(0)
        finally:
            self._failed = self._failed or exc or RuntimeError("landing left")  # nothing more is committed
            self._writers.shutdown(wait=True)
            self._committer.shutdown(wait=True)

    def add(self, day: str, batch: RawBatch | Iterable[RawRecord]) -> int:
        """Add records to the day; the rows added."""
        if day not in self._open:
            if day in self._files:
                raise ValueError(f"{self.source}.{self.entity}: {day} of load {self.load_id} is already committed")
            target = self._dir(day)
            target.mkdir(parents=True, exist_ok=True)
            if (target / f"{self.load_id}-0000.parquet").exists():  # every load's first file
                raise ValueError(f"{self.source}.{self.entity}: load {self.load_id} has already landed in {day}")
            self._open[day] = _Columns()
            self._files[day], self._written[day], self._rows[day] = [], [], 0
        cols = self._open[day]
        n = cols.extend(batch)
        self._rows[day] += n
        while len(cols) >= self.batch_rows:
            self._hand_over(day, cols.cut(self.batch_rows))
        return n

    @property
    def days(self) -> list[str]:
        """The days with rows added and not finished yet."""
        return list(self._open)

    def finish(self, day: str) -> tuple[int, int]:
        """Commit the day once its files are written (a day without rows gets one empty file:
        the load happened, and the row accounting can say so); (rows, files) of the day."""
        if day not in self._open:
            self.add(day, [])
        cols = self._open.pop(day)
        if len(cols) or not self._files[day]:
            self._hand_over(day, cols.cut(len(cols)))
        files, rows = list(self._files[day]), self._rows[day]
        self._ready.append(({"lake_partition": day, "load_id": self.load_id, "files": files, "row_count": rows}, day))
        if len(self._ready) >= self.COMMIT_EVERY:
            self._commit_ready()
        return rows, len(files)

    def _commit_ready(self) -> None:
        """Commit the days finished so far, in one append to the log, once their files are in."""
        if not self._ready:
            return
        ready, self._ready = self._ready, []
        written = [w for _, day in ready for w in self._written.pop(day)]

        def commit() -> None:
            for w in written:
                w.result()
            self._guarded(lambda: self.lake.commit_all(self.source, self.entity, [fields for fields, _ in ready]))

        self._pending.append(self._committer.submit(commit))
        self._drain(self.PENDING)

    def _dir(self, day: str) -> Path:
        return self.lake.entity_dir(self.source, self.entity) / f"{PARTITION_PREFIX}{day}"

    def _hand_over(self, day: str, columns: _Columns) -> None:
        path = self._dir(day) / f"{self.load_id}-{len(self._files[day]):04d}.parquet"
        self._files[day].append(path.name)
        table = columns.table(self.load_id, self.fetched_at)
        write = self._writers.submit(self._guarded, lambda: Lake._write(path, table))
        self._written[day].append(write)
        self._pending.append(write)
        self._drain(self.PENDING)

    def _guarded(self, task) -> None:
        """Run `task` unless something failed before; keep what it raises."""
        if self._failed is None:
            try:
                task()
            except BaseException as exc:
                self._failed = self._failed or exc

    def _drain(self, keep: int) -> None:
        while len(self._pending) > keep:
            self._pending.pop(0).result()
        if self._failed is not None:
            raise self._failed


def raw_table(load_id: str, fetched_at: datetime, records: RawBatch | Iterable[RawRecord]) -> pa.Table:
    """Records as one lake file's table (RAW_SCHEMA)."""
    columns = _Columns()
    columns.extend(records)
    return columns.table(load_id, fetched_at)


class _Columns:
    """The landing columns of rows gathered for one file."""

    def __init__(self) -> None:
        self.keys: list = []
        self.updated: list = []
        self.payloads: list = []
        self.cursors: list = []

    def __len__(self) -> int:
        return len(self.payloads)

    def extend(self, batch: RawBatch | Iterable[RawRecord]) -> int:
        if isinstance(batch, RawBatch):
            self.keys += batch.keys
            self.updated += batch.updated
            self.payloads += batch.payloads
            self.cursors += [batch.cursor] * len(batch)
            return len(batch)
        n = 0
        for r in batch:
            self.keys.append(r.key)
            self.updated.append(r.updated_at)
            self.payloads.append(r.payload)
            self.cursors.append(r.cursor)
            n += 1
        return n

    def cut(self, n: int) -> _Columns:
        out = _Columns()
        out.keys, self.keys = self.keys[:n], self.keys[n:]
        out.updated, self.updated = self.updated[:n], self.updated[n:]
        out.payloads, self.payloads = self.payloads[:n], self.payloads[n:]
        out.cursors, self.cursors = self.cursors[:n], self.cursors[n:]
        return out

    def table(self, load_id: str, fetched_at: datetime) -> pa.Table:
        n = len(self)
        return pa.table(
            {
                "load_id": pa.repeat(pa.scalar(load_id, pa.string()), n),
                "fetched_at": pa.repeat(pa.scalar(fetched_at, pa.timestamp("us", tz="UTC")), n),
                "source_cursor": pa.array(self.cursors, pa.string()),
                "record_key": pa.array(self.keys, pa.string()),
                "record_updated_at": pa.array(self.updated, pa.string()),
                "payload": pa.array(self.payloads, pa.string()),
            },
            schema=RAW_SCHEMA,
        )


class Lake:
    def __init__(self, root: str | os.PathLike) -> None:
        self.root = Path(root)

    def entity_dir(self, source: str, entity: str) -> Path:
        return self.root / "raw" / source / entity

    def glob(self, source: str, entity: str) -> str:
        return str(self.entity_dir(source, entity) / "*" / "*.parquet")

    def landing(
        self, source: str, entity: str, load_id: str, fetched_at: datetime, batch_rows: int = 50_000
    ) -> Landing:
        """A load of `entity` to write day by day (see `Landing`)."""
        return Landing(self, source, entity, load_id, fetched_at, batch_rows)

    def land(
        self,
        source: str,
        entity: str,
        partition: str,
        load_id: str,
        records: Iterable[RawBatch | RawRecord],
        fetched_at: datetime,
        batch_rows: int = 50_000,
        stats: LandingStats | None = None,
    ) -> LandingStats:
        """Write records (batches, or single records) into the partition in files of at most
        batch_rows rows, and commit them.

        A load that brings no record still leaves one empty file: the load happened, and
        the row accounting can say so.
        """
        stats = stats or LandingStats()
        with self.landing(source, entity, load_id, fetched_at, batch_rows) as landing:
            landing.add(partition, [])
            single: list[RawRecord] = []
            for r in records:
                if isinstance(r, RawRecord):
                    single.append(r)
                    continue
                if single:
                    landing.add(partition, single)
                    single = []
                landing.add(partition, r)
            landing.add(partition, single)
            rows, files = landing.finish(partition)
        stats.records += rows
        stats.files += files
        stats.partitions.add(partition)
        return stats

    @staticmethod
    def _write(path: Path, table: pa.Table) -> str:
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
        return self.commit_all(
            source,
            entity,
            [{"lake_partition": partition, "load_id": load_id, "files": files, "row_count": rows, **more}],
        )[0]

    def commit_all(self, source: str, entity: str, landed: list[dict]) -> list[dict]:
        """`commit` of several landings at once (each a dict of the line's fields: load_id,
        lake_partition, files, row_count): their lines appended in order under one lock and
        made durable with one fsync; each line its own commit, a microsecond after the one
        before."""
        log = self.log_dir(source, entity)
        log.mkdir(parents=True, exist_ok=True)
        with open(self.root / LOG_DIR / f".{source}.{entity}.lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            now = datetime.now(UTC)
            last = self._last_commit_at(log)
            if last is not None and now <= last:  # a clock set back: keep the order
                now = last + timedelta(microseconds=1)
            entries, lines = [], []
            for i, fields in enumerate(landed):
                at = now + timedelta(microseconds=i)
                entry = {
                    "committed_at": at.isoformat(timespec="microseconds"),
                    "load_id": fields["load_id"],
                    "lake_partition": fields["lake_partition"],
                    "files": fields["files"],
                    "row_count": fields["row_count"],
                    **{k: v for k, v in fields.items() if k not in ("load_id", "lake_partition", "files", "row_count")},
                }
                entries.append(entry)
                lines.append((f"{at:%Y-%m-%d}", json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n"))
            for day in dict.fromkeys(d for d, _ in lines):  # the lines of each UTC day to its file
                fd = os.open(log / f"{day}.jsonl", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
                try:
                    os.write(fd, "".join(text for d, text in lines if d == day).encode("utf-8"))
                    os.fsync(fd)
                finally:
                    os.close(fd)
        return entries

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

    # --- pseudonym keys and maintenance ----------------------------------------------------
    def check_pseudonym_keys(self, key_ids: tuple[str, ...]) -> None:
        """Refuse (ConfigError) to land with keys other than those the lake's pseudonyms are
        made with: new pseudonyms would not join the held ones. The first landing records
        them."""
        path = self.root / PSEUDONYM_KEYS
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            write_text_whole(path, json.dumps({"chain": list(key_ids)}) + "\n")
            return
        held = json.loads(path.read_text(encoding="utf-8"))["chain"]
        if list(key_ids) != held:
            raise ConfigError(
                f"the lake's pseudonyms are made with the key chain {' > '.join(held)} (key ids, oldest first), "
                f"the configured keys are {' > '.join(key_ids)}: set GOVHUB_PSEUDONYM_KEY to the newest key and "
                "GOVHUB_PSEUDONYM_RETIRED_KEYS to the others, oldest first (docs/operations.md, key rotation)"
            )

    def check_landing(self, key_ids: tuple[str, ...] | None) -> None:
        """Before a source lands: refuse a lake being rewritten, or one whose pseudonyms were
        made with other keys than `key_ids` (None: a source that pseudonymizes nothing)."""
        self.refuse_during_maintenance()
        if key_ids is not None:
            self.check_pseudonym_keys(key_ids)

    def refuse_during_maintenance(self) -> None:
        """ConfigError while a key rotation rewrites the lake (its marker names it)."""
        marker = self.root / MAINTENANCE
        if marker.exists():
            what = json.loads(marker.read_text(encoding="utf-8"))
            raise ConfigError(
                f"the lake at {self.root} is being rewritten ({what['operation']}, since {what['since']}): "
                f"nothing lands or builds until it ends; resume it with `{what['resume']}`"
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
        order their files were written. The number of commits written; 0 when up to date.
        A lake of a later format than this code's is refused (ConfigError): nothing lands
        in it or is built from it."""
        (self.root / LOG_DIR).mkdir(parents=True, exist_ok=True)
        with open(self.root / LOG_DIR / ".upgrade.lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            return self._upgrade()

    def _upgrade(self) -> int:
        found = self.format_version()
        if found > FORMAT_VERSION:
            raise ConfigError(
                f"the lake at {self.root} is in format {found}, written by a newer version of the platform; "
                f"this one reads format {FORMAT_VERSION} at most: run the newer version (or restore a backup "
                "taken before it)"
            )
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
    def fingerprint(payload: str | bytes) -> str:
        return hashlib.md5(payload if type(payload) is bytes else payload.encode("utf-8")).hexdigest()[:16]

    def kept(self, batch: RawBatch, times: list, skip: bool = True, remember: bool = True) -> list[int]:
        """The rows of `batch` that are not the version already landed for their key (all of
        them with `skip` false: a first read of the window), each remembered with its time
        (`times`, one per row) unless `remember` is false (a window no later read goes over
        again needs nothing remembered)."""
        if not (skip or remember):
            return list(range(len(batch)))
        fingerprint, seen = self.fingerprint, self.seen
        keep = []
        for i, (key, fp) in enumerate(zip(batch.keys, map(fingerprint, batch.payloads), strict=True)):
            if key is not None:
                if skip and seen.get(key, (None,))[0] == fp:
                    self.skipped += 1
                    continue
                if remember:
                    seen[key] = [fp, times[i]]
            keep.append(i)
        return keep

    def changed(self, batch: RawBatch, times: list, skip: bool = True, remember: bool = True) -> RawBatch:
        """The batch of the `kept` rows."""
        keep = self.kept(batch, times, skip, remember)
        return batch if len(keep) == len(batch) else batch.take(keep)

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
