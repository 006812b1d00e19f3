"""Backup and restore of what cannot be rebuilt: the lake (every landed record, the commit
logs, the sources' cursors), the closed months (schema `scores`: what the centre published)
and the settings that are not secrets. The rest of the warehouse is built again from the
lake (`dbt build`), so it is not copied.

A backup is a folder::

    manifest.json          the backup's format, when it was taken, the code's and the lake's
                           versions, every file with its size and SHA-256, the closed months
    lake/...               the lake's files as they are, but the pseudonym key (a secret)
    scores/<table>.parquet the closed months
    settings.json          the GOVHUB_* settings of the environment that are not secrets

The lake is read cursors first, then commit logs, then data: a cursor never covers data the
backup lacks, and a landing running meanwhile is either in the backup whole or not at all
(its commit is what the warehouse reads). A backup taken into the folder of an earlier one
copies only the lake files that are new or changed since: the lake is append-only, so a
daily backup costs the day.

A restore checks every file against the manifest first and refuses a damaged backup; it
refuses to write over a lake that holds data. It copies the lake into place, loads the
closed months into a new warehouse (their figures' fingerprints checked against the ones
recorded when they were scored) and then builds the warehouse from the lake.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from connectors.common.atomic import write_text_whole
from connectors.common.errors import ConfigError
from connectors.common.lake import Lake

BACKUP_FORMAT = 1
MANIFEST = "manifest.json"
SETTINGS = "settings.json"
# what a backup never holds: the key the lake's pseudonyms are made with (kept as a secret,
# GOVHUB_PSEUDONYM_KEY, apart from the backup)
SECRET_FILES = ("_state/pseudonym_key",)
# settings whose values are secrets (or may hold one, as a DSN or a robot's webhook URL)
SECRET_WORDS = ("KEY", "SECRET", "PASSWORD", "TOKEN", "DSN", "WEBHOOK_URL", "CREDENTIAL")
# the lake read cursors first, then logs, then data (see the module's docstring)
LAKE_ORDER = ("_state", "_log", "_lake.json", "raw", "unreadable")


class BackupError(ConfigError):
    """A backup that cannot be taken or restored, in one line saying why."""


@dataclass(frozen=True)
class BackupResult:
    folder: Path
    files: int
    bytes: int
    copied_files: int  # the lake files copied this time (the closed months are exported each time)
    copied_bytes: int
    closed_months: list[str]


def _sha256(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _code_version() -> str:
    try:
        return version("kaifeng-govhub")
    except PackageNotFoundError:
        return "unknown"


def _lake_files(lake: Path) -> list[Path]:
    """The lake's files in the order a backup reads them (cursors, logs, data), secrets and
    lock files left out."""
    out = []
    for top in LAKE_ORDER:
        base = lake / top
        found = sorted(p for p in base.rglob("*") if p.is_file()) if base.is_dir() else [base]
        for p in (f for f in found if f.is_file()):
            rel = p.relative_to(lake).as_posix()
            if rel not in SECRET_FILES and not p.name.endswith(".lock") and not p.name.startswith(".tmp"):
                out.append(p)
    return out


def _copy_lake(lake: Path, into: Path, previous: dict[str, dict]) -> tuple[dict[str, dict], int, int]:
    """Copies the lake's files under `into`, but those the earlier manifest lists with the same
    size and content; (every file -> size, hash and modification time, files copied, bytes
    copied). A file with the size and modification time the earlier manifest lists is not
    read again (a lake file is written whole and renamed into place, so a rewrite, by
    retention or a key rotation, gives it a new time)."""
    files, copied, copied_bytes = {}, 0, 0
    for src in _lake_files(lake):
        rel = "lake/" + src.relative_to(lake).as_posix()
        st = src.stat()
        dst = into / rel
        before = previous.get(rel, {})
        same = before.get("size") == st.st_size and before.get("mtime_ns") == st.st_mtime_ns
        digest = before["sha256"] if same else _sha256(src)
        files[rel] = {"size": st.st_size, "sha256": digest, "mtime_ns": st.st_mtime_ns}
        if (
            before.get("sha256") == digest
            and before.get("size") == st.st_size
            and dst.is_file()
            and (dst.stat().st_size == st.st_size)
        ):
            continue
        dst.parent.mkdir(parents=True, exist_ok=True)
        tmp = dst.with_name(f".tmp-{dst.name}")
        shutil.copyfile(src, tmp)
        if _sha256(tmp) != digest:  # the file changed while read (a log appended to): read again
            shutil.copyfile(src, tmp)
            files[rel] = {"size": tmp.stat().st_size, "sha256": _sha256(tmp), "mtime_ns": src.stat().st_mtime_ns}
        os.replace(tmp, dst)
        copied += 1
        copied_bytes += files[rel]["size"]
    return files, copied, copied_bytes


def _export_scores(warehouse: Path, into: Path) -> tuple[dict[str, dict], list[str]]:
    from warehouse.duckdb import connect, ensure_readable

    files, months = {}, []
    (into / "scores").mkdir(parents=True, exist_ok=True)
    for old in (into / "scores").glob("*.parquet"):
        old.unlink()
    if not warehouse.exists():
        return files, months
    ensure_readable(warehouse)
    con = connect(warehouse, read_only=True)
    try:
        tables = [
            r[0] for r in con.execute("select table_name from duckdb_tables() where schema_name = 'scores'").fetchall()
        ]
        for table in sorted(tables):
            rel = f"scores/{table}.parquet"
            con.execute(f"copy (select * from scores.{table}) to '{into / rel}' (format parquet)")
            files[rel] = {"size": (into / rel).stat().st_size, "sha256": _sha256(into / rel)}
        if "closed_months" in tables:
            months = [r[0] for r in con.execute("select points_month from scores.closed_months order by 1").fetchall()]
    finally:
        con.close()
    return files, months


def settings_not_secret(env: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ if env is None else env)
    return {k: v for k, v in sorted(env.items()) if k.startswith("GOVHUB_") and not any(w in k for w in SECRET_WORDS)}


def read_manifest(folder: Path) -> dict:
    path = folder / MANIFEST
    if not path.exists():
        raise BackupError(f"{folder} holds no backup ({MANIFEST} is missing)")
    manifest = json.loads(path.read_text(encoding="utf-8"))
    if manifest.get("format") != BACKUP_FORMAT:
        raise BackupError(f"{folder}: backup format {manifest.get('format')}, this code reads {BACKUP_FORMAT}")
    return manifest


def backup(lake_dir: Path, warehouse: Path, into: Path) -> BackupResult:
    """Backs the lake, the closed months and the settings up into the folder `into` (made when
    missing; an earlier backup there is brought up to date)."""
    lake_dir, into = Path(lake_dir), Path(into)
    if not (lake_dir / "raw").is_dir():
        raise BackupError(f"no lake at {lake_dir} (GOVHUB_LAKE_DIR): nothing to back up")
    into.mkdir(parents=True, exist_ok=True)
    previous = read_manifest(into)["files"] if (into / MANIFEST).exists() else {}
    lake_files, copied, copied_bytes = _copy_lake(lake_dir, into, previous)
    for rel in set(previous) - set(lake_files):  # gone from the lake (a file set aside moves)
        if rel.startswith("lake/"):
            (into / rel).unlink(missing_ok=True)
    score_files, months = _export_scores(Path(warehouse), into)
    write_text_whole(into / SETTINGS, json.dumps(settings_not_secret(), indent=1, ensure_ascii=False) + "\n")
    files = {**lake_files, **score_files}
    manifest = {
        "format": BACKUP_FORMAT,
        "taken_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "code_version": _code_version(),
        "lake_format": Lake(lake_dir).format_version(),
        "closed_months": months,
        "files": files,
    }
    write_text_whole(into / MANIFEST, json.dumps(manifest, indent=1) + "\n")  # last: a backup cut short has none
    return BackupResult(into, len(files), sum(f["size"] for f in files.values()), copied, copied_bytes, months)


def verify(folder: Path) -> dict:
    """The manifest, once every file it lists is there with its size and hash; BackupError
    naming the first that is not."""
    manifest = read_manifest(folder)
    for rel, want in sorted(manifest["files"].items()):
        path = folder / rel
        if not path.is_file():
            raise BackupError(f"{folder}: {rel} is missing: the backup is damaged")
        if path.stat().st_size != want["size"] or _sha256(path) != want["sha256"]:
            raise BackupError(f"{folder}: {rel} does not match its checksum: the backup is damaged")
    return manifest


def _load_scores(folder: Path, warehouse: Path, files: list[str]) -> list[str]:
    """Loads the closed months into `warehouse` and checks each month's figures against the
    fingerprint it was scored with; the months."""
    from warehouse.duckdb import connect
    from warehouse.scores import create_closed_months, figures_fingerprint

    warehouse.parent.mkdir(parents=True, exist_ok=True)
    con = connect(warehouse)
    try:
        create_closed_months(con)
        for rel in sorted(files):
            table = Path(rel).stem
            source = f"read_parquet('{folder / rel}')"
            if table == "closed_months":
                con.execute(f"insert into scores.closed_months select * from {source}")
            else:
                con.execute(f"create table scores.{table} as select * from {source}")
        months = con.execute("select points_month, figures_fingerprint from scores.closed_months order by 1").fetchall()
        for month, fingerprint in months:
            if figures_fingerprint(con, month, schema="scores") != fingerprint:
                raise BackupError(f"{month}: the restored closed month differs from the one scored")
    finally:
        con.close()
    return [m for m, _ in months]


def restore(folder: Path, lake_dir: Path, warehouse: Path) -> dict:
    """Restores the backup in `folder`: the lake into `lake_dir` (which must hold no data) and
    the closed months into a new warehouse at `warehouse` (which must not exist); the
    manifest. The caller builds the warehouse from the lake next."""
    folder, lake_dir, warehouse = Path(folder), Path(lake_dir), Path(warehouse)
    manifest = verify(folder)
    if (lake_dir / "raw").exists() and any((lake_dir / "raw").iterdir()):
        raise BackupError(f"{lake_dir} already holds a lake: restore into an empty GOVHUB_LAKE_DIR")
    if warehouse.exists():
        raise BackupError(f"{warehouse} exists: restore into a new GOVHUB_WAREHOUSE_PATH (or move it away)")
    for rel in manifest["files"]:
        if rel.startswith("lake/"):
            dst = lake_dir / rel.removeprefix("lake/")
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(folder / rel, dst)
    _load_scores(folder, warehouse, [r for r in manifest["files"] if r.startswith("scores/")])
    return manifest
