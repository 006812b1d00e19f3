"""Petition cases and the daily export files the provincial system drops into an inbox.

Each day one file is exported, alternately CSV in GB18030 and xlsx, with Chinese headers:
the cases registered that day and every earlier case that changed that day (a later file
corrects an earlier record; the newest version wins). The first day's file also carries the
backlog: the cases registered in the `BACKLOG_DAYS` before the window and still open on its
first day, each in its state of that day, so that petitions fall due inside the window (some
after an extension) as they do on a system that has run for years. A file is complete when its
``<name>.done`` marker exists. Dates come in the mixed forms real exports have:
``2024-05-03``, ``2024/5/3``, ``2024年5月3日`` and Excel serial numbers.

A few cases are exported with a defect in every row (sandbox.defects): no case number, a
registration date that is no date (不详), or a source form outside the four (传真); and a
petitioner's ID number now and then has a wrong check digit.
"""

from __future__ import annotations

import csv
import io
import os
import random
import threading
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from sandbox.civil_affairs.data import has_bad_check_digit, id_number
from sandbox.defects import Defect, pick
from sandbox.faults import FaultPlan
from sandbox.world import World
from sandbox.world.names import mobile_number, person_name

HEADERS = [
    "信访件编号",
    "来源形式",
    "信访人姓名",
    "信访人身份证号",
    "信访人电话",
    "问题属地乡镇",
    "问题属地网格",
    "问题类别",
    "内容摘要",
    "登记日期",
    "受理截止",
    "办理单位",
    "办结期限",
    "是否延期",
    "办结日期",
    "答复日期",
    "满意度评价",
    "复查申请日期",
    "复查答复日期",
    "调解网格员",
]
FORMS = ("来信", "来访", "网上", "电话")
CATEGORIES = ("邻里纠纷", "劳资纠纷", "土地纠纷", "婚姻家庭纠纷", "物业纠纷", "征地拆迁", "社会保障", "环境污染")
SATISFACTION = ("满意", "基本满意", "不满意")
EXCEL_EPOCH = date(1899, 12, 30)
BACKLOG_DAYS = 120  # a petition is due 60 days after acceptance, 70-90 when extended
# How each kind of defect shows: the field and the value every row of the case carries.
DEFECT_VALUES = {
    "missing_record_key": ("信访件编号", ""),
    "unparseable_time": ("登记日期", "不详"),
    "unknown_code": ("来源形式", "传真"),
}


@dataclass
class Case:
    case_id: str
    versions: list[tuple[date, dict]] = field(default_factory=list)  # (day of export, row)
    defect: str | None = None  # the kind of defect every row of it is exported with


def _date_text(d: date | None, rng: random.Random, excel_ok: bool):
    if d is None:
        return ""
    form = rng.randrange(4 if excel_ok else 3)
    if form == 0:
        return d.isoformat()
    if form == 1:
        return f"{d.year}/{d.month}/{d.day}"
    if form == 2:
        return f"{d.year}年{d.month}月{d.day}日"
    return (d - EXCEL_EPOCH).days  # an Excel serial number


class PetitionFiles:
    def __init__(self, world: World, start: date, end: date, defects: bool = True, encoding: str = "gb18030") -> None:
        """`encoding`: the CSV exports' (GB18030, or UTF-8 with a byte-order mark as a
        system on a newer platform writes them: "utf-8-sig")."""
        if encoding not in ENCODINGS:
            raise ValueError(f"the petition exports are written in {' or '.join(ENCODINGS)}, not {encoding!r}")
        self.encoding = encoding
        self.world = world
        self.start, self.end = start, end
        self.with_defects = defects
        self.cases: list[Case] = []
        per_day = 40 * world.preset.volume_multiplier if world.preset.township_codes is None else 3
        d = start - timedelta(days=BACKLOG_DAYS)
        while d < start:
            self._backlog_day(d, per_day)
            d += timedelta(days=1)
        while d < end:
            self._day(d, per_day)
            d += timedelta(days=1)

    def _backlog_day(self, day: date, per_day: float) -> None:
        """The cases registered on `day`, before the window: those still open on its first day
        are exported first then, in their state of that day (their earlier versions folded
        into it); those finished before it were never exported to the platform."""
        first = len(self.cases)
        self._new_cases(day, per_day, ("petitions", "backlog", day.isoformat()), bad_ids=False)
        kept = []
        for case in self.cases[first:]:
            before = [row for d, row in case.versions if d <= self.start]
            later = [(d, row) for d, row in case.versions if d > self.start]
            if later:
                case.versions = [(self.start, before[-1]), *later]
                kept.append(case)
        self.cases[first:] = kept

    def _day(self, day: date, per_day: float) -> None:
        first = len(self.cases)
        self._new_cases(day, per_day)
        if not self.with_defects:
            return
        cases = self.cases[first:]
        # one defect a case: not on a case whose petitioner's ID number is already bad
        eligible = [c.case_id for c in cases if not has_bad_check_digit(c.versions[0][1]["信访人身份证号"])]
        chosen = pick(self.world, "petitions", "cases", day, len(cases), eligible)
        for c in cases:
            c.defect = chosen.get(c.case_id)
            if c.defect:
                name, value = DEFECT_VALUES[c.defect]
                for _, row in c.versions:
                    row[name] = value

    def _new_cases(self, day: date, per_day: float, key: tuple[str, ...] = (), bad_ids: bool = True) -> None:
        rng = self.world.rng(*(key or ("petitions", day.isoformat())))
        for n in range(max(0, int(round(rng.gauss(per_day, per_day**0.5))))):
            grid = self.world.grids[rng.randrange(len(self.world.grids))]
            township = self.world.township_by_code[grid.township_code]
            workers = self.world.staff_on(grid.code, "fulltime_worker", day)
            birth = date(rng.randint(1950, 2000), rng.randint(1, 12), rng.randint(1, 28))
            row = {
                "信访件编号": f"XF{day:%Y%m%d}{grid.county_code[-2:]}{n + 1:04d}",
                "来源形式": rng.choice(FORMS),
                "信访人姓名": person_name(rng),
                "信访人身份证号": id_number(
                    rng, grid.county_code, birth, rng.random() < 0.5, self.with_defects and bad_ids
                ),
                "信访人电话": mobile_number(rng),
                "问题属地乡镇": township.name,
                "问题属地网格": grid.code,
                "问题类别": rng.choice(CATEGORIES),
                "内容摘要": f"反映{township.name}{rng.choice(CATEGORIES)}问题",  # numbers added below, now and then
                "登记日期": day,
                "受理截止": day + timedelta(days=15),
                "办理单位": f"{grid.county_code}-XFJ",
                "办结期限": None,
                "是否延期": "否",
                "办结日期": None,
                "答复日期": None,
                "满意度评价": "",
                "复查申请日期": None,
                "复查答复日期": None,
                "调解网格员": workers[0] if workers and rng.random() < 0.4 else "",
            }
            if rng.random() < 0.2:  # the petitioner's numbers written out again in the summary (scrubbed on landing)
                row["内容摘要"] += f"。信访人身份证号{row['信访人身份证号']}，电话{row['信访人电话']}"
            case = Case(row["信访件编号"], [(day, dict(row))])
            accepted = day + timedelta(days=rng.randint(1, 14))
            row["办结期限"] = accepted + timedelta(days=60)
            extended = rng.random() < 0.1
            if extended:
                row["是否延期"] = "是"
                row["办结期限"] = accepted + timedelta(days=60 + rng.randint(10, 30))
            case.versions.append((accepted, dict(row)))
            closed = accepted + timedelta(days=rng.randint(5, 75 if not extended else 95))
            row["办结日期"] = closed
            row["答复日期"] = closed + timedelta(days=rng.randint(0, 3))
            row["满意度评价"] = rng.choices(SATISFACTION, weights=(60, 28, 12))[0]
            case.versions.append((row["答复日期"], dict(row)))
            if row["满意度评价"] == "不满意" and rng.random() < 0.5:
                row["复查申请日期"] = row["答复日期"] + timedelta(days=rng.randint(3, 30))
                row["复查答复日期"] = row["复查申请日期"] + timedelta(days=rng.randint(10, 40))
                case.versions.append((row["复查答复日期"], dict(row)))
            self.cases.append(case)

    def rows_of(self, day: date) -> list[dict]:
        """What the export of `day` carries: each case's state as of that day, if it changed then."""
        return [v for _, v in self._exported(day)]

    def _exported(self, day: date) -> list[tuple[Case, dict]]:
        return [(c, v) for c in self.cases for d, v in c.versions if d == day]

    def defects(self, until: date) -> list[Defect]:
        """The defective rows of the files exported before `until`: one per case, or one per
        row (located by file name and 0-based data row) where the case number is missing."""
        out: list[Defect] = []
        seen: set[tuple[str, str]] = set()
        d = self.start
        while d < until:
            for i, (case, row) in enumerate(self._exported(d)):
                if case.defect == "missing_record_key":
                    out.append(Defect("petitions", "cases", None, case.defect, "信访件编号", f"{file_name(d)}#{i:06d}"))
                    continue
                kinds = [(case.defect, DEFECT_VALUES[case.defect][0])] if case.defect else []
                if has_bad_check_digit(row["信访人身份证号"]):
                    kinds.append(("invalid_id_check_digit", "信访人身份证号"))
                for kind, name in kinds:
                    if (case.case_id, kind) not in seen:
                        seen.add((case.case_id, kind))
                        out.append(Defect("petitions", "cases", case.case_id, kind, name))
            d += timedelta(days=1)
        return out

    def truth(self, until: date) -> dict[str, dict]:
        """Each case's latest state exported before `until` (for tests)."""
        out = {}
        for c in self.cases:
            seen = [v for d, v in c.versions if d < until]
            if seen:
                out[c.case_id] = seen[-1]
        return out

    def write_inbox(self, inbox: str | os.PathLike, until: date, faults: FaultPlan | None = None) -> list[Path]:
        """Export the files of every day before `until` into `inbox`, each with its marker.

        With `faults` (sandbox.faults): `file_in_progress` writes the last day's file in
        two halves, the second and the marker `IN_PROGRESS_SECONDS` later (`wait_written()`
        waits for it); `bad_files` adds, beside the real exports, re-sends that are empty,
        in UTF-16, or missing a column, and gives one real export a column more."""
        inbox = Path(inbox)
        inbox.mkdir(parents=True, exist_ok=True)
        faults = faults or FaultPlan("petitions")
        days = []
        d = self.start
        while d < until:
            days.append(d)
            d += timedelta(days=1)
        bad = faults.on("bad_files") and bool(days) and faults.once("bad_files", str(inbox))
        wider = days[faults.pick("bad_files", "extra_column", len(days))] if bad else None
        slow = (
            days[-1] if days and faults.on("file_in_progress") and faults.once("file_in_progress", str(inbox)) else None
        )
        written = []
        for d in days:
            rows = self.rows_of(d)
            rng = self.world.rng("petitions", "file", d.isoformat())
            path = inbox / file_name(d)
            headers = [*HEADERS, EXTRA_COLUMN] if d == wider else HEADERS
            data = _xlsx(rows, rng, headers, d) if path.suffix == ".xlsx" else _csv(rows, rng, headers, self.encoding)
            if d == slow:
                path.write_bytes(data[: len(data) // 2])  # still being written: no marker yet
                self._writer = threading.Thread(target=_finish_later, args=(path, data), daemon=True)
                self._writer.start()
            else:
                _write_whole(path, data)
            written.append(path)
        if bad:
            last = days[-1]
            rows = self.rows_of(last)
            rng = self.world.rng("petitions", "resend", last.isoformat())
            stem = f"信访件_{last:%Y%m%d}_重发"
            _write_whole(inbox / f"{stem}1.csv", b"")
            _write_whole(inbox / f"{stem}2.csv", _csv(rows, rng).decode("gb18030").encode("utf-16"))
            _write_whole(inbox / f"{stem}3.csv", _csv(rows, rng, [h for h in HEADERS if h != "问题类别"]))
        return written

    def wait_written(self, timeout: float = 30.0) -> None:
        """Until a file written slowly (fault file_in_progress) is whole, with its marker."""
        writer = getattr(self, "_writer", None)
        if writer is not None:
            writer.join(timeout)


ENCODINGS = ("gb18030", "utf-8-sig")
EXTRA_COLUMN = "备注"  # a column the exports have not had before (schema drift)
IN_PROGRESS_SECONDS = 3.0


def _write_whole(path: Path, data: bytes) -> None:
    """A file written under a temporary name, renamed into place, then its marker."""
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    path.with_name(path.name + ".done").touch()


def _finish_later(path: Path, data: bytes) -> None:
    time.sleep(IN_PROGRESS_SECONDS)
    with open(path, "ab") as fh:
        fh.write(data[len(data) // 2 :])
    path.with_name(path.name + ".done").touch()


def file_name(day: date) -> str:
    """The export file of a day: xlsx on even ordinal days, CSV on the others."""
    return f"信访件_{day:%Y%m%d}.{'xlsx' if day.toordinal() % 2 == 0 else 'csv'}"


def _cells(row: dict, rng: random.Random, excel_ok: bool, headers: list[str]) -> list:
    return [
        _date_text(v, rng, excel_ok) if isinstance(v, date) else (v if v is not None else "")
        for v in (row.get(h) for h in headers)
    ]


def _csv(rows: list[dict], rng: random.Random, headers: list[str] = HEADERS, encoding: str = "gb18030") -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(headers)
    for r in rows:
        w.writerow(_cells(r, rng, True, headers))
    return buf.getvalue().encode(encoding)


def _xlsx(rows: list[dict], rng: random.Random, headers: list[str], day: date) -> bytes:
    """The day's export as a workbook. The same export gives the same bytes, as a real
    system's stored file does: its properties say it was written at the day's end, and its
    archive's entries carry no time of writing."""
    import zipfile
    from datetime import datetime

    from openpyxl import Workbook
    from openpyxl.xml.functions import tostring

    wb = Workbook()
    wb.properties.created = wb.properties.modified = datetime(day.year, day.month, day.day, 18, 0)
    ws = wb.active
    ws.title = "信访件"
    ws.append(headers)
    for r in rows:
        ws.append(_cells(r, rng, True, headers))
    buf = io.BytesIO()
    wb.save(buf)  # stamps the properties with the time of saving
    wb.properties.modified = wb.properties.created
    core = tostring(wb.properties.to_tree())
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as written, zipfile.ZipFile(out, "w") as fixed:
        for entry in written.infolist():
            info = zipfile.ZipInfo(entry.filename, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = entry.compress_type
            fixed.writestr(info, core if entry.filename == "docProps/core.xml" else written.read(entry.filename))
    return out.getvalue()
