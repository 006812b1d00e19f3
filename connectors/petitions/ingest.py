"""Landing petition export files: each complete file once, petitioners pseudonymized.

Every row of a file lands as a version of its case (信访件编号), stamped
``<file date>#<row>`` so versions sort in export order: a later file's row supersedes an
earlier one (the newest version wins in the marts; staging keeps all of them). The files
already landed are remembered by name and content hash in the cursor state, so a file is
read once; a file re-exported under the same name with new content is read again.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime

from connectors.common.ingest import SHANGHAI, IngestResult
from connectors.common.lake import Lake, LandingStats, RawRecord, new_load_id
from connectors.common.personal import Pseudonymizer, protect
from connectors.petitions.files import InboxFile, complete_files, read_rows

SOURCE = "petitions"
ENTITY = "cases"
PERSONAL = {"信访人姓名": "name", "信访人身份证号": "id_number", "信访人电话": "phone"}
_DATE_IN_NAME = re.compile(r"(\d{4})(\d{2})(\d{2})")


def file_day(name: str) -> str:
    m = _DATE_IN_NAME.search(name)
    return f"{m.group(1)}-{m.group(2)}-{m.group(3)}" if m else datetime.now(SHANGHAI).date().isoformat()


def _digest(f: InboxFile) -> str:
    return hashlib.sha256(f.path.read_bytes()).hexdigest()


def pending_files(lake: Lake, inbox) -> list[InboxFile]:
    """Complete files not landed yet (or changed since they were)."""
    done = lake.read_state(SOURCE, ENTITY).get("files", {})
    return [f for f in complete_files(inbox) if done.get(f.name) != _digest(f)]


def ingest_file(lake: Lake, f: InboxFile, pseudo: Pseudonymizer, max_bytes: int) -> IngestResult:
    digest = _digest(f)
    rows = read_rows(f, max_bytes)
    day = file_day(f.name)
    stamp = day.replace("-", "")
    cursor = json.dumps({"file": f.name, "sha256": digest}, ensure_ascii=False)
    records = [
        RawRecord(
            key=row.get("信访件编号") or None,
            updated_at=f"{stamp}#{i:06d}",
            payload=json.dumps(protect(row, pseudo, PERSONAL), ensure_ascii=False, separators=(",", ":")),
            cursor=cursor,
        )
        for i, row in enumerate(rows)
    ]
    load_id = new_load_id()
    stats = LandingStats()
    lake.land(SOURCE, ENTITY, day, load_id, records, datetime.now(UTC), stats=stats)
    state = lake.read_state(SOURCE, ENTITY)
    state.setdefault("files", {})[f.name] = digest
    lake.write_state(SOURCE, ENTITY, state)
    return IngestResult(ENTITY, day, load_id, stats.records, 1, stats.files)
