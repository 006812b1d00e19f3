"""Rotating the pseudonym key: every pseudonym in the lake re-keyed from the old key to a new
one, verified, switched, and the warehouse built again from the re-keyed lake.

No raw value is kept anywhere in the platform, so a rotation cannot pseudonymize the values
again. It re-derives through a keyed mapping instead: the new pseudonym of a value is
HMAC-SHA256(new key, its old pseudonym) (connectors/common/personal.py). The mapping is one to
one, so whatever joined before (a petitioner who is an assistance recipient, a plate seen in
two lots) joins after; and landing after the rotation goes through the same chain of keys
(GOVHUB_PSEUDONYM_RETIRED_KEYS, oldest first, then GOVHUB_PSEUDONYM_KEY), so the records that
land later join the history. What a leaked old key could tie to a guessed value is then
published under a key the holder of the old one does not have.

A pseudonym in the lake is a payload field named ``<column>_key`` holding 64 hex characters
(`protect_columns`); nothing else is touched, byte for byte.

The rotation works in ``<lake>/_rotation/<new key id>/``, and can be stopped anywhere and
run again to resume:

1. **Rewrite.** Each lake file is written again, re-keyed, into the work folder; the files
   done are listed (``rewritten.jsonl``), so a resumed rotation goes on from the next one.
   The lake is marked under maintenance (``_state/maintenance.json``) first: nothing lands
   in it and no build reads it until the rotation ends.
2. **Verify.** Before anything is switched, every re-keyed file is read back against its
   original: the same rows, the same columns but the payload, each payload the same but its
   pseudonyms, each pseudonym the mapping of the one it replaces (counts), the distinct
   pseudonyms of each field as many as before, and as many shared between any two fields of
   the same kind of value (name, ID number, phone, plate, address) as before (joins).
3. **Switch.** The re-keyed files replace the originals (each rename atomic; a stopped switch
   resumes with the files not yet renamed); the fingerprints the near-real-time readers keep
   of what they landed are re-keyed too, and the lake records the new chain of keys
   (``_state/pseudonym_keys.json``), after which landing with the old key alone is refused.
4. **Build.** The warehouse is built from scratch from the re-keyed lake, and its BI copies
   published. The closed months hold no pseudonym (their ledger names workers and
   register ids), so they stay as scored.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import combinations
from pathlib import Path

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from connectors.common.atomic import replaced_whole, write_text_whole
from connectors.common.errors import ConfigError
from connectors.common.lake import MAINTENANCE, PSEUDONYM_KEYS, Lake, RecentVersions
from connectors.common.personal import (
    PSEUDONYM_KEY_VARIABLE,
    Pseudonymizer,
    key_id,
    key_mac,
    rekeyed,
    retired_keys,
)

NEW_KEY_VARIABLE = "GOVHUB_NEW_PSEUDONYM_KEY"
WORK_DIR = "_rotation"
_PSEUDONYM = re.compile(r"^[0-9a-f]{64}$")
# the kinds of value a pseudonym field holds, by the end of its column's name (before _key):
# the fields of one kind are where the same person or vehicle can show up twice
_KINDS = (
    ("plate", "plate"),
    ("sfzh", "id_number"),
    ("身份证号", "id_number"),
    ("lxdh", "phone"),
    ("phone", "phone"),
    ("电话", "phone"),
    ("jtzz", "address"),
    ("xm", "name"),
    ("name", "name"),
    ("姓名", "name"),
)


class RotationError(ConfigError):
    """A rotation that cannot go on, in one line saying why and what to do."""


@dataclass
class RotationReport:
    new_key_id: str
    files: int = 0
    rows: int = 0
    rekeyed: dict[str, int] = field(default_factory=dict)  # source.entity.field -> values re-keyed
    distinct: dict[str, int] = field(default_factory=dict)  # source.entity.field -> distinct pseudonyms
    joins: dict[str, int] = field(default_factory=dict)  # "a | b" -> pseudonyms the two fields share
    fingerprints: int = 0  # near-real-time fingerprints re-keyed
    seconds: float = 0.0
    resumed: bool = False


def kind_of(field_name: str) -> str:
    """The kind of value a pseudonym field holds (`_KINDS`), or its column's name."""
    column = field_name.removesuffix("_key")
    for end, kind in _KINDS:
        if column.endswith(end):
            return kind
    return column


def _rekey_payload(text: str, mac, seen: dict[str, list] | None = None) -> str:
    """The payload with each pseudonym field re-keyed (the text unchanged when it has none)."""
    if '_key":"' not in text:
        return text
    record = orjson.loads(text)
    changed = False
    for name, value in record.items():
        if name.endswith("_key") and type(value) is str and _PSEUDONYM.match(value):
            record[name] = rekeyed(value, mac)
            changed = True
            if seen is not None:
                seen[name].append(value)
    return orjson.dumps(record, option=orjson.OPT_NON_STR_KEYS).decode("utf-8") if changed else text


class Rotation:
    """One rotation of the lake at `lake_dir` to `new_key` (see the module's docstring)."""

    def __init__(self, lake_dir: Path, current: Pseudonymizer, new_key: str, resume_command: str) -> None:
        if len(new_key) < 16:
            raise RotationError(f"{NEW_KEY_VARIABLE} must be at least 16 characters")
        if "," in new_key or new_key != new_key.strip():
            raise RotationError(f"{NEW_KEY_VARIABLE} may hold no comma and no surrounding space")
        self.lake = Lake(lake_dir)
        self.chain = list(current.key_ids)
        self.new_id = key_id(new_key)
        if self.new_id in self.chain:
            raise RotationError("the new key is already one of the lake's keys: give a key never used before")
        self.mac = key_mac(new_key)
        self.work = self.lake.root / WORK_DIR / self.new_id
        self.resume_command = resume_command

    # --- the steps ---------------------------------------------------------------------
    def files(self) -> list[Path]:
        """Every lake data file, in a fixed order."""
        return sorted((self.lake.root / "raw").glob("*/*/*/*.parquet"))

    def _rel(self, path: Path) -> str:
        return path.relative_to(self.lake.root).as_posix()

    def _start(self) -> bool:
        """Mark the lake under maintenance; whether this resumes a rotation begun before."""
        if not (self.work / "switching.json").exists():  # a switch under way has recorded the new chain
            self.lake.check_pseudonym_keys(tuple(self.chain))
        others = [p.name for p in (self.lake.root / WORK_DIR).glob("*") if p.name != self.new_id]
        others = [o for o in others if not (self.lake.root / WORK_DIR / o / "done.json").exists()]
        if others:
            raise RotationError(f"a rotation to key {others[0]} is unfinished: resume it with its key, not a new one")
        resumed = (self.work / "rewritten.jsonl").exists()
        self.work.mkdir(parents=True, exist_ok=True)
        marker = self.lake.root / MAINTENANCE
        if not marker.exists():
            marker.parent.mkdir(parents=True, exist_ok=True)
            write_text_whole(
                marker,
                json.dumps(
                    {
                        "operation": f"key rotation to {self.new_id}",
                        "since": datetime.now(UTC).isoformat(timespec="seconds"),
                        "resume": self.resume_command,
                    }
                ),
            )
        return resumed

    def rewrite(self, progress: Callable[[str], None]) -> int:
        """Step 1: the re-keyed copy of every file not copied yet; the files copied now."""
        done_list = self.work / "rewritten.jsonl"
        done = set(done_list.read_text(encoding="utf-8").split()) if done_list.exists() else set()
        files = [f for f in self.files() if self._rel(f) not in done]
        with open(done_list, "a", encoding="utf-8") as log:
            for i, path in enumerate(files, 1):
                table = pq.read_table(path)
                payloads = [_rekey_payload(p, self.mac) for p in table.column("payload").to_pylist()]
                at = table.schema.get_field_index("payload")
                out = table.set_column(at, table.schema.field(at), pa.array(payloads, pa.string()))
                target = self.work / self._rel(path)
                target.parent.mkdir(parents=True, exist_ok=True)
                with replaced_whole(target, fsync=True) as tmp:
                    pq.write_table(out, tmp, compression="zstd")
                log.write(self._rel(path) + "\n")
                log.flush()
                os.fsync(log.fileno())
                if i % 500 == 0:
                    progress(f"re-keyed {i} of {len(files)} files")
        return len(files)

    def verify(self, report: RotationReport) -> dict[str, str]:
        """Step 2: each copy against its original, then the counts and joins of every field
        (RotationError at the first difference); the near-real-time fingerprints to re-key
        (old -> new)."""
        old_values: dict[str, set] = defaultdict(set)
        new_values: dict[str, set] = defaultdict(set)
        fingerprints: dict[str, str] = {}
        for path in self.files():
            self._verify_file(path, report, old_values, new_values, fingerprints)
        for name in sorted(old_values):
            if len(old_values[name]) != len(new_values[name]):
                raise RotationError(
                    f"{name}: {len(old_values[name])} distinct pseudonyms before, {len(new_values[name])} after"
                )
            report.distinct[name] = len(new_values[name])
        for a, b in combinations(sorted(old_values), 2):
            if kind_of(a.rsplit(".", 1)[1]) == kind_of(b.rsplit(".", 1)[1]):
                before, after = len(old_values[a] & old_values[b]), len(new_values[a] & new_values[b])
                if before != after:
                    raise RotationError(f"{a} and {b} share {before} pseudonyms before the rotation, {after} after")
                report.joins[f"{a} | {b}"] = after
        return fingerprints

    def _verify_file(self, path: Path, report: RotationReport, old_values, new_values, fingerprints) -> None:
        copy = self.work / self._rel(path)
        if not copy.exists():
            raise RotationError(f"{self._rel(path)} has no re-keyed copy: run the rotation again to finish it")
        old, new = pq.read_table(path), pq.read_table(copy)
        if old.num_rows != new.num_rows or old.schema != new.schema:
            raise RotationError(f"{self._rel(path)}: the re-keyed copy has other rows or columns")
        if not old.drop_columns(["payload"]).equals(new.drop_columns(["payload"])):
            raise RotationError(f"{self._rel(path)}: the re-keyed copy differs beyond the payloads")
        entity = ".".join(path.parts[-4:-2])
        seen: dict[str, list] = defaultdict(list)
        for before, after in zip(old.column("payload").to_pylist(), new.column("payload").to_pylist(), strict=True):
            if _rekey_payload(before, self.mac, seen) != after:
                raise RotationError(f"{self._rel(path)}: a re-keyed payload is not the mapping of its original")
            if before != after:
                fingerprints[RecentVersions.fingerprint(before)] = RecentVersions.fingerprint(after)
                for name, value in orjson.loads(after).items():
                    if name.endswith("_key") and type(value) is str and _PSEUDONYM.match(value):
                        new_values[f"{entity}.{name}"].add(value)
        for name, values in seen.items():
            old_values[f"{entity}.{name}"].update(values)
            report.rekeyed[f"{entity}.{name}"] = report.rekeyed.get(f"{entity}.{name}", 0) + len(values)
        report.files += 1
        report.rows += old.num_rows

    def switch(self, fingerprints: dict[str, str] | None, new_key: str, key_file: Path | None) -> int:
        """Step 3: the copies put in place, the fingerprints re-keyed, the new chain recorded;
        the fingerprints re-keyed."""
        state = self.work / "switching.json"
        if fingerprints is not None:  # verified now: what the switch needs, kept before it begins
            write_text_whole(state, json.dumps({"fingerprints": fingerprints, "chain": [*self.chain, self.new_id]}))
        saved = json.loads(state.read_text(encoding="utf-8"))
        for copy in sorted((self.work / "raw").glob("*/*/*/*.parquet")):
            os.replace(copy, self.lake.root / copy.relative_to(self.work))
        rekeyed_fingerprints = 0
        for recent in sorted((self.lake.root / "_state").glob("*/*.recent.json")):
            seen = json.loads(recent.read_text(encoding="utf-8"))
            for value in seen.values():
                if value[0] in saved["fingerprints"]:
                    value[0] = saved["fingerprints"][value[0]]
                    rekeyed_fingerprints += 1
            write_text_whole(recent, json.dumps(seen, ensure_ascii=False, separators=(",", ":")))
        if key_file is not None:
            from warehouse.settings import write_secret_lines

            keys = key_file.read_text(encoding="utf-8").split() if key_file.exists() else []
            if not keys or key_id(keys[-1]) != self.new_id:
                write_secret_lines(key_file, [*keys, new_key])
        write_text_whole(self.lake.root / PSEUDONYM_KEYS, json.dumps({"chain": saved["chain"]}) + "\n")
        write_text_whole(self.work / "done.json", json.dumps({"at": datetime.now(UTC).isoformat(timespec="seconds")}))
        for leftover in ("raw", "switching.json", "new_key"):
            target = self.work / leftover
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()
        (self.lake.root / MAINTENANCE).unlink(missing_ok=True)
        return rekeyed_fingerprints


def new_key_for(lake_dir: Path, env: dict[str, str], key_file: Path | None) -> str:
    """The key to rotate to: GOVHUB_NEW_PSEUDONYM_KEY; for a lake that keeps its own keys (a
    demo's), one made once and kept in the work folder until the rotation ends."""
    if env.get(NEW_KEY_VARIABLE):
        return env[NEW_KEY_VARIABLE]
    if key_file is None:
        raise RotationError(f"{NEW_KEY_VARIABLE} is not set: put the new key there (a secret, at least 16 characters)")
    unfinished = [
        p / "new_key"
        for p in sorted((Path(lake_dir) / WORK_DIR).glob("*"))
        if (p / "new_key").exists() and not (p / "done.json").exists()
    ]
    if unfinished:
        return unfinished[0].read_text(encoding="utf-8").strip()
    from warehouse.settings import write_secret_lines

    key = secrets.token_urlsafe(32)
    path = Path(lake_dir) / WORK_DIR / key_id(key) / "new_key"
    write_secret_lines(path, [key])
    return key


def rotate(
    lake_dir: Path, env: dict[str, str], key_file: Path | None, progress: Callable[[str], None]
) -> RotationReport:
    """Re-key the lake at `lake_dir` (steps 1 to 3 of the module's docstring) from the keys
    in `env` (GOVHUB_PSEUDONYM_KEY and GOVHUB_PSEUDONYM_RETIRED_KEYS; with `key_file`, the
    keys a demo's lake keeps there instead) to the new key. The caller builds the warehouse
    from scratch next."""
    started = time.monotonic()
    if key_file is not None:
        *retired, current = key_file.read_text(encoding="utf-8").split()
    else:
        if not env.get(PSEUDONYM_KEY_VARIABLE):
            raise RotationError(f"{PSEUDONYM_KEY_VARIABLE} is not set: the rotation starts from the current key")
        current, retired = env[PSEUDONYM_KEY_VARIABLE], retired_keys(env)
    new_key = new_key_for(lake_dir, env, key_file)
    rotation = Rotation(Path(lake_dir), Pseudonymizer(current, tuple(retired)), new_key, "govhub keys rotate")
    report = RotationReport(rotation.new_id)
    report.resumed = rotation._start()
    if (rotation.work / "switching.json").exists():
        progress("the switch was under way: finishing it")
        report.fingerprints = rotation.switch(None, new_key, key_file)
    else:
        copied = rotation.rewrite(progress)
        progress(f"re-keyed {copied} files into {rotation.work}")
        fingerprints = rotation.verify(report)
        progress(f"verified {report.files} files, {report.rows} rows: counts and joins as before")
        report.fingerprints = rotation.switch(fingerprints, new_key, key_file)
    report.seconds = time.monotonic() - started
    return report
