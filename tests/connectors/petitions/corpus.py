"""Bad petition exports: rows with defects inside a readable file, and files that cannot be
read at all. They go through the connector (connectors.petitions.ingest_file) like any export."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from sandbox.petitions.files import HEADERS


@dataclass
class FileCase:
    name: str
    file_name: str
    data: bytes
    rejected: str | None = None  # the file is refused as a whole, for this reason
    rows: dict[str, tuple[str, str]] = field(default_factory=dict)  # case id -> (reason, field)
    conformed: tuple[str, ...] = ()  # case ids that must reach the marts


def _xlsx(rows: list[dict], headers: list[str] = HEADERS, stale_dimension: bool = False, formula: str = "") -> bytes:
    """A workbook of the rows; with `stale_dimension` its sheet declares the header row as its
    whole extent (as some exporters leave it), with `formula` the first row's 内容摘要 is one."""
    import re
    import zipfile

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for r in rows:
        ws.append([r.get(h, "") for h in headers])
    if formula:
        ws.cell(row=2, column=headers.index("内容摘要") + 1, value=formula)
    buf = io.BytesIO()
    wb.save(buf)
    if not stale_dimension:
        return buf.getvalue()
    out = io.BytesIO()
    with zipfile.ZipFile(buf) as written, zipfile.ZipFile(out, "w") as fixed:
        for entry in written.infolist():
            data = written.read(entry.filename)
            if entry.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<dimension ref="[^"]+"\s*/>', b'<dimension ref="A1:T1"/>', data)
            fixed.writestr(entry, data)
    return out.getvalue()


def _csv(rows: list[dict], headers: list[str] = HEADERS, encoding: str = "gb18030") -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(headers)
    for r in rows:
        w.writerow([r.get(h, "") for h in headers])
    return buf.getvalue().encode(encoding)


def cases(running) -> list[FileCase]:
    files = running.stand_ins["petitions"]
    template = next(
        r
        for d in range((running.petitions_until - files.start).days)
        for r in files.rows_of(files.start.fromordinal(files.start.toordinal() + d))
    )
    base = {
        h: (template.get(h).isoformat() if hasattr(template.get(h), "isoformat") else template.get(h) or "")
        for h in HEADERS
    }
    good_id = base["信访人身份证号"]
    rows = [
        {**base, "信访件编号": "CORPUS-XF-1", "来源形式": "传真"},
        {**base, "信访件编号": "CORPUS-XF-2", "登记日期": "不详"},
        {**base, "信访件编号": "CORPUS-XF-3", "满意度评价": "很好"},
        {**base, "信访件编号": "CORPUS-XF-4", "信访人身份证号": good_id[:17] + ("0" if good_id[17] != "0" else "1")},
        {**base, "信访件编号": "CORPUS-XF-5", "答复日期": "2026年2月30日"},
        {**base, "信访件编号": "CORPUS-XF-6", "登记日期": "1900-01-01"},
        {**base, "信访件编号": "CORPUS-XF-7", "答复日期": "2100/12/31"},
    ]
    return [
        FileCase(
            "rows with defects in a readable export",
            "信访件_20261002_corpus.csv",
            _csv(rows),
            rows={
                "CORPUS-XF-1": ("unknown_code", "来源形式"),
                "CORPUS-XF-2": ("unparseable_time", "登记日期"),
                "CORPUS-XF-3": ("unknown_code", "满意度评价"),
                "CORPUS-XF-4": ("invalid_id_check_digit", "信访人身份证号"),
                "CORPUS-XF-5": ("impossible_date", "答复日期"),
                "CORPUS-XF-6": ("out_of_range", "登记日期"),
                "CORPUS-XF-7": ("out_of_range", "答复日期"),
            },
        ),
        FileCase("an empty file", "信访件_20261002_corpus_empty.csv", b"", rejected="empty_file"),
        FileCase(
            "a file in UTF-16",
            "信访件_20261002_corpus_utf16.csv",
            _csv([base], encoding="utf-16"),
            rejected="wrong_encoding",
        ),
        FileCase(
            "a file without the 问题类别 column",
            "信访件_20261002_corpus_short.csv",
            _csv([base], [h for h in HEADERS if h != "问题类别"]),
            rejected="missing_column",
        ),
        FileCase(
            "a workbook that is no workbook",
            "信访件_20261002_corpus.xlsx",
            b"PK\x03\x04broken",
            rejected="not_a_workbook",
        ),
        FileCase(
            "a file over the size limit", "信访件_20261002_corpus_big.csv", _csv([base] * 20_000), rejected="too_large"
        ),
        FileCase(
            "a quote left open: every row after it would read as one field",
            "信访件_20261002_corpus_quote.csv",
            _csv([{**base, "信访件编号": f"CORPUS-XF-1{n}", "内容摘要": f"OPEN{n}"} for n in range(3)]).replace(
                b"OPEN1", b'"\xb7\xb4\xd3\xb3'
            ),
            rejected="malformed_csv",
        ),
        FileCase(
            "a line with a field more than the header",
            "信访件_20261002_corpus_wide.csv",
            _csv([{**base, "信访件编号": "CORPUS-XF-13"}]).rstrip(b"\r\n") + ",多余".encode("gb18030") + b"\r\n",
            rejected="malformed_csv",
        ),
        FileCase(
            "a summary of 200,000 characters",
            "信访件_20261002_corpus_long.csv",
            _csv([{**base, "信访件编号": "CORPUS-XF-14", "内容摘要": "长" * 200_000}]),
            conformed=("CORPUS-XF-14",),
        ),
        FileCase(
            "a workbook whose declared extent hides its rows",
            "信访件_20261002_corpus_dimension.xlsx",
            _xlsx([{**base, "信访件编号": f"CORPUS-XF-2{n}"} for n in range(3)], stale_dimension=True),
            conformed=("CORPUS-XF-20", "CORPUS-XF-21", "CORPUS-XF-22"),
        ),
        FileCase(
            "a workbook with a formula cell",
            "信访件_20261002_corpus_formula.xlsx",
            _xlsx([{**base, "信访件编号": "CORPUS-XF-30"}], formula='=HYPERLINK("http://evil.example/","x")'),
            rejected="formula_cells",
        ),
    ]
