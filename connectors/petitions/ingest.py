"""Landing petition export files: each complete file once, petitioners pseudonymized.

Every row of a file lands as a version of its case (信访件编号), petitioners' personal data
pseudonymized, the summary scrubbed of the numbers typed into it, and a column the export
never had (reported as drift) as a pseudonym only: it may hold anything. Each is stamped
``<file date>#<row>`` so versions sort in export order: a later file's row supersedes an
earlier one (the newest version wins in the marts; staging keeps all of them). The files
already landed are remembered by name and content hash in the cursor state, so a file is
read once; a file re-exported under the same name with new content is read again.

A file that cannot be read (empty, wrong encoding, a required column missing, ...) does not
stop the run: it lands as one record of entity ``rejected_files`` (its name, size, hash,
why) that the warehouse quarantines, so it is counted and shown, and the other files go on.
Every ingestion also leaves its (mostly empty) rejected_files load, so that entity always
exists in the lake.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from datetime import UTC, datetime

from connectors.common.ingest import SHANGHAI, IngestResult
from connectors.common.lake import Lake, LandingStats, RawBatch, RawRecord, new_load_id, payloads_of
from connectors.common.personal import Pseudonymizer, protect_columns
from connectors.petitions.files import KNOWN, InboxFile, UnreadableFile, complete_files, extra_columns, read_rows

SOURCE = "petitions"
ENTITY = "cases"
REJECTED = "rejected_files"
PERSONAL = {"信访人姓名": "name", "信访人身份证号": "id_number", "信访人电话": "phone"}
FREE_TEXT = ("内容摘要",)  # the summary, where the petitioner's numbers are often written out again
_DATE_IN_NAME = re.compile(r"(\d{4})(\d{2})(\d{2})")


def file_day(name: str) -> str:
    m = _DATE_IN_NAME.search(name)
    return f"{m.group(1)}-{m.group(2)}-{m.group(3)}" if m else datetime.now(SHANGHAI).date().isoformat()


def _digest(f: InboxFile) -> str:
    return hashlib.sha256(f.path.read_bytes()).hexdigest()


def protected_payloads(rows: list[dict], pseudo: Pseudonymizer) -> list[bytes]:
    """Each row's landed JSON, its personal data pseudonymized a column at a time over the
    rows that have the same columns (all of a file's, but for a sheet's short rows)."""
    alike: dict[tuple, list[int]] = defaultdict(list)
    for i, row in enumerate(rows):
        alike[tuple(row)].append(i)
    out: list = [None] * len(rows)
    for names, which in alike.items():
        out_names, protected = protect_columns(
            list(names), [tuple(rows[i].values()) for i in which], pseudo, PERSONAL, FREE_TEXT, known=KNOWN
        )
        for i, payload in zip(
            which, payloads_of([dict(zip(out_names, r, strict=True)) for r in protected]), strict=True
        ):
            out[i] = payload
    return out


def pending_files(lake: Lake, inbox) -> list[InboxFile]:
    """Complete files not landed yet (or changed since they were)."""
    done = lake.read_state(SOURCE, ENTITY).get("files", {})
    return [f for f in complete_files(inbox) if done.get(f.name) != _digest(f)]


def ingest_file(lake: Lake, f: InboxFile, pseudo: Pseudonymizer, max_bytes: int) -> IngestResult:
    """Land a complete file's rows, or (a file that cannot be read) its rejection; then
    remember the file. `IngestResult.rejected` names why a file was refused."""
    digest = _digest(f)
    day = file_day(f.name)
    cursor = json.dumps({"file": f.name, "sha256": digest}, ensure_ascii=False)
    load_id = new_load_id()
    fetched_at = datetime.now(UTC)
    rejection, why = [], None
    try:
        rows = read_rows(f, max_bytes)
    except UnreadableFile as exc:
        rows, why = [], exc.detail
        payload = {"file": f.name, "bytes": f.size, "sha256": digest, "reason": exc.reason, "detail": exc.detail}
        rejection = [RawRecord(f.name, digest, json.dumps(payload, ensure_ascii=False), cursor)]
    lake.land(SOURCE, REJECTED, day, load_id, rejection, fetched_at)
    stamp = day.replace("-", "")
    batch = RawBatch(
        [row.get("信访件编号") or None for row in rows],
        [f"{stamp}#{i:06d}" for i in range(len(rows))],
        protected_payloads(rows, pseudo),
        cursor,
    )
    stats = LandingStats()
    lake.land(SOURCE, ENTITY, day, load_id, [batch], fetched_at, stats=stats)
    state = lake.read_state(SOURCE, ENTITY)
    state.setdefault("files", {})[f.name] = digest
    lake.write_state(SOURCE, ENTITY, state)
    return IngestResult(
        ENTITY,
        day,
        load_id,
        stats.records,
        1,
        stats.files,
        rejected=why,
        extra_columns=extra_columns(rows),
    )
