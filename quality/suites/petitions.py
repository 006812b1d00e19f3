"""Petition raw landings: rows of the export files, Chinese headers, dates in mixed forms,
petitioners only as pseudonyms and masks. Each row is stamped `<file date>#<row>`."""

from __future__ import annotations

from quality.landing import LandingSuite, id_number_checked, in_set, matches, required, text
from quality.volume import Volume

# The date forms the exports use: 2024-05-03, 2024/5/3, 2024年5月3日, Excel serials.
EXPORT_DATE = r"^(\d{4}-\d{1,2}-\d{1,2}|\d{4}/\d{1,2}/\d{1,2}|\d{4}年\d{1,2}月\d{1,2}日|\d{4,6}(\.0+)?)$"

CASES = LandingSuite(
    "petitions",
    "cases",
    (
        text("source_form", '$."来源形式"'),
        text("registered", '$."登记日期"'),
        text("id_check", '$."信访人身份证号_check"'),
    ),
    lambda: [
        *required("registered", "a case without its registration date has no deadlines"),
        matches("registered", EXPORT_DATE, "a registration date in none of the export's forms is quarantined"),
        in_set("source_form", ["来信", "来访", "网上", "电话"], "how a petition came in: letter, visit, online, phone"),
        id_number_checked("id_check"),
    ],
    updated_at_sql="try_strptime(split_part(record_updated_at, '#', 1), '%Y%m%d')::timestamptz",
    key_may_be_missing=True,
    # one export file is one load: each file against the files before it
    volume=Volume(unit="load"),
)

# Files the connector refused as a whole (connectors/petitions): every one is a warning, a
# file the provincial system has to send again; how many are refused is not a volume.
REJECTED_FILES = LandingSuite(
    "petitions",
    "rejected_files",
    (text("reason"), text("detail")),
    lambda: [
        in_set("reason", [], "every export file refused as a whole (the reason says why): ask for it again"),
        *required("detail", "a refusal says why"),
    ],
    updated_at_sql=None,
    volume=Volume(unit="load", min_median=float("inf")),
)

SUITES = [CASES, REJECTED_FILES]
