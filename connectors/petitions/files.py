"""Reading petition export files: which are complete, and what rows they hold.

A file is complete when its ``<name>.done`` marker exists (a file still being written has
none, or still carries a ``.part``/``.tmp`` name). Only plain file names of the expected
form are read, resolved inside the inbox (no path can escape it), and files over the size
limit are refused before parsing. CSV is decoded as UTF-8 (with or without BOM) or else
GB18030 (a superset of GBK); xlsx is read with openpyxl in read-only mode. Every row keeps
the export's own Chinese headers; a file missing a required column is refused as a whole,
with a message naming the columns; extra columns are kept.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass
from pathlib import Path

from connectors.common.errors import SourceError

FILE_PATTERN = re.compile(r"^[\w\u4e00-\u9fff\-]+\.(csv|xlsx)$")
REQUIRED = ("信访件编号", "来源形式", "问题属地网格", "问题类别", "登记日期", "办理单位")


@dataclass(frozen=True)
class InboxFile:
    name: str
    path: Path
    size: int


def complete_files(inbox: Path) -> list[InboxFile]:
    """The complete export files in the inbox, by name."""
    out = []
    root = inbox.resolve()
    for p in sorted(root.iterdir()):
        if not p.is_file() or not FILE_PATTERN.match(p.name):
            continue
        if not (root / f"{p.name}.done").exists():
            continue
        resolved = p.resolve()
        if resolved.parent != root:  # a link pointing out of the inbox
            continue
        out.append(InboxFile(p.name, resolved, resolved.stat().st_size))
    return out


def read_rows(f: InboxFile, max_bytes: int) -> list[dict]:
    if f.size > max_bytes:
        raise SourceError(f"petitions: {f.name} is {f.size} bytes, over the limit of {max_bytes}")
    if f.size == 0:
        raise SourceError(f"petitions: {f.name} is empty")
    rows = _read_xlsx(f.path) if f.name.endswith(".xlsx") else _read_csv(f.path.read_bytes(), f.name)
    if not rows:
        return []
    missing = [h for h in REQUIRED if h not in rows[0]]
    if missing:
        raise SourceError(f"petitions: {f.name} lacks the column(s) {', '.join(missing)}")
    return rows


def _read_csv(data: bytes, name: str) -> list[dict]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise SourceError(f"petitions: {name} is neither UTF-8 nor GB18030 text")
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is None or not any(reader.fieldnames):
        raise SourceError(f"petitions: {name} has no header line")
    return [{k.strip(): (v or "").strip() for k, v in row.items() if k is not None} for row in reader]


def _cell(v):
    if v is None:
        return ""
    if isinstance(v, dt.datetime):
        return v.date().isoformat() if v.time() == dt.time(0) else v.isoformat(sep=" ")
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def _read_xlsx(path: Path) -> list[dict]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # a broken archive or not a workbook at all
        raise SourceError(f"petitions: {path.name} is not a readable xlsx workbook ({type(exc).__name__})") from None
    try:
        ws = wb.worksheets[0]
        it = ws.iter_rows(values_only=True)
        header = next(it, None)
        if not header:
            return []
        names = [_cell(h) for h in header]
        return [dict(zip(names, (_cell(v) for v in row))) for row in it if any(v is not None for v in row)]
    finally:
        wb.close()
