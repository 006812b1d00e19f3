"""Reading petition export files: which are complete, and what rows they hold.

A file is complete when its ``<name>.done`` marker exists (a file still being written has
none, or still carries a ``.part``/``.tmp`` name). Only plain file names of the expected
form are read, resolved inside the inbox (no path can escape it), and files over the size
limit are refused before parsing. CSV is decoded as UTF-8 (with or without BOM) or else
GB18030 (a superset of GBK); xlsx is read with openpyxl in read-only mode, to the sheet's
real extent (not the extent it declares). Every row keeps
the export's own Chinese headers; extra columns are kept (and named, `extra_columns`).

A file that cannot be read is refused as a whole with an `UnreadableFile` naming why:
over the size limit, empty, in neither encoding, not a workbook, without a header line,
missing a required column (the message names the columns), a workbook with formula cells
(named; an export holds values), or CSV that is not well formed
(a quote left open, a line with more or fewer fields than the header: the message names the
line). None of its rows lands, so none is lost or misread unnoticed.
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
# the columns an export has; others are kept in the payload and reported
KNOWN = (
    *REQUIRED,
    "信访人姓名",
    "信访人身份证号",
    "信访人电话",
    "问题属地乡镇",
    "内容摘要",
    "受理截止",
    "办结期限",
    "是否延期",
    "办结日期",
    "答复日期",
    "满意度评价",
    "复查申请日期",
    "复查答复日期",
    "调解网格员",
)


class UnreadableFile(SourceError):
    """An export file refused as a whole; `reason` is machine-readable, `detail` for people."""

    def __init__(self, name: str, reason: str, detail: str) -> None:
        super().__init__(f"petitions: {name} {detail}")
        self.reason, self.detail = reason, detail


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
    """The rows of a complete file; UnreadableFile when it cannot be read as an export."""
    if f.size > max_bytes:
        raise UnreadableFile(f.name, "too_large", f"is {f.size} bytes, over the limit of {max_bytes}")
    if f.size == 0:
        raise UnreadableFile(f.name, "empty_file", "is empty")
    rows, header = _read_xlsx(f.path) if f.name.endswith(".xlsx") else _read_csv(f.path.read_bytes(), f.name)
    missing = [h for h in REQUIRED if h not in header]
    if missing:
        raise UnreadableFile(f.name, "missing_column", f"lacks the column(s) {', '.join(missing)}")
    return rows


def extra_columns(rows: list[dict]) -> list[str]:
    """Columns the export has beyond the known ones (schema drift: kept, and reported)."""
    return [k for k in (rows[0] if rows else {}) if k not in KNOWN]


def _read_csv(data: bytes, name: str) -> tuple[list[dict], list[str]]:
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in data[:4096]:
        raise UnreadableFile(name, "wrong_encoding", "is UTF-16 text, not UTF-8 or GB18030")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise UnreadableFile(name, "wrong_encoding", "is neither UTF-8 nor GB18030 text")
    # strict: a quote left open runs to the end of the file, swallowing every row after it,
    # unless the parser says so; no field limit beyond the file's own size cap
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    reader = csv.reader(io.StringIO(text), strict=True)
    try:
        first = next(reader, None)
        if first is None or not any(first):
            raise UnreadableFile(name, "no_header", "has no header line")
        header = [h.strip() for h in first]
        rows = []
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue  # a blank line
            if len(cells) != len(header):
                raise UnreadableFile(
                    name,
                    "malformed_csv",
                    f"is not well-formed CSV: line {reader.line_num} has {len(cells)} fields "
                    f"under a header of {len(header)} (an unescaped quote or separator?)",
                )
            rows.append(dict(zip(header, (c.strip() for c in cells))))
    except csv.Error as exc:
        raise UnreadableFile(
            name, "malformed_csv", f"is not well-formed CSV: {exc} at line {reader.line_num} (an unmatched quote?)"
        ) from None
    return rows, header


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


def _read_xlsx(path: Path) -> tuple[list[dict], list[str]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=False)  # formulas as formulas: refused below
    except Exception as exc:  # a broken archive or not a workbook at all
        raise UnreadableFile(
            path.name, "not_a_workbook", f"is not a readable xlsx workbook ({type(exc).__name__})"
        ) from None
    try:
        ws = wb.worksheets[0]
        # the sheet's real extent: a stale <dimension ref="A1:T1"/> would hide every data row
        ws.reset_dimensions()
        it = ws.iter_rows()
        header = next(it, None)
        if not header or not any(c.value is not None for c in header):
            raise UnreadableFile(path.name, "no_header", "has no header line")
        names = [_cell(c.value) for c in header]
        rows, formulas = [], []
        for row in it:
            formulas += [c.coordinate for c in row if c.data_type == "f"]
            if any(c.value is not None for c in row):
                rows.append(dict(zip(names, (_cell(c.value) for c in row))))
        if formulas:  # an export holds values; a formula's result is whatever the last program to save it computed
            raise UnreadableFile(
                path.name,
                "formula_cells",
                f"holds {len(formulas)} formula cell(s) ({', '.join(formulas[:5])}{', ...' if len(formulas) > 5 else ''})"
                ", not values: an export must hold values",
            )
        return rows, names
    finally:
        wb.close()
