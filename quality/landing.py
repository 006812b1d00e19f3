"""Expectation suites over raw landings: one `LandingSuite` per source entity.

A suite reads the Parquet files a run landed (one row per landed record), pulls the
fields it checks out of the untouched JSON payload with DuckDB, and validates that frame
with Great Expectations' pandas datasource. What every landing is checked for comes from
`standard_checks`; what is particular to an entity (code sets, ranges, formats) comes
from the suite.

Severity: a *blocking* expectation is about the landing as a whole (keys, the cursor's
time, one version per load, or a field broken in at least half of the records: a source
that changed its shape); when it fails, downstream assets do not run. A *warning* is
about single records: the warehouse quarantines each of them with its reason, and the
check records how many there were and a few (masked) examples.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from quality.gx import BLOCKING, WARNING, Check, SuiteResult, validate
from quality.gx import expectations as gxe
from quality.volume import Volume

# A field broken in more than this share of a landing's records blocks it.
SYSTEMIC_SHARE = 0.5

# Whole reference lists: each load against the loads before it; a list rarely changes by
# more than a fifth from one day to the next, however short it is.
SNAPSHOT_VOLUME = Volume(unit="load", low=0.8, high=1.25, min_median=1)

# Kaifeng's box per coordinate system: the city outline's box (GCJ-02: 113.871-115.267 E,
# 34.194-35.025 N) widened by 0.1 degree, which also covers the offsets of WGS-84 (about
# -0.006 degree) and BD-09 (about +0.0065 degree) from GCJ-02.
KAIFENG_BOX = {"lon": (113.77, 115.37), "lat": (34.09, 35.13)}
ISO_WITH_ZONE = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[+-]\d{2}:\d{2}|Z)$"
LOCAL_TIME = r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$"
ID_CHECK_RESULTS = ["valid", "legacy_15"]  # GB 11643 checks the connector records
MASKED_PLATE = r"^[\u4e00-\u9fff][A-Z]·\*{3}[0-9A-Z]{2}$"


@dataclass(frozen=True)
class Field:
    """A column of the checked frame: `sql` over the lake columns (payload, record_key, ...)."""

    name: str
    sql: str


# The lake's own columns every checked frame starts with.
LAKE_COLUMNS = tuple(Field(c, c) for c in ("load_id", "record_key", "record_updated_at", "fetched_at"))


def text(name: str, path: str | None = None) -> Field:
    """A payload field as text (`path`: JSON path, default `$.<name>`)."""
    return Field(name, f"json_extract_string(payload, '{path or '$.' + name}')")


def number(name: str, path: str | None = None) -> Field:
    """A payload field as a number; text that is no number comes out null."""
    return Field(name, f"try_cast(json_extract_string(payload, '{path or '$.' + name}') as double)")


@dataclass(frozen=True)
class LandingSuite:
    source: str
    entity: str
    fields: tuple[Field, ...]
    # expectations particular to the entity, built afresh for each validation
    checks: Callable[[], list[Check]] = field(default=lambda: [])
    # the record's update time as an instant, for "not in the future" (None: not stamped)
    updated_at_sql: str | None = "try_cast(record_updated_at as timestamptz)"
    # whether a landed record may lack its key (the warehouse quarantines it by place)
    key_may_be_missing: bool = False
    # how the landing's size is judged against its recent past (quality.volume)
    volume: Volume = Volume()

    @property
    def name(self) -> str:
        return f"{self.source}.{self.entity}"

    def frame(self, files: list[str]) -> pd.DataFrame:
        """One row per landed record in `files` with the suite's fields. A record landed
        word for word twice in one load (a page served again, a list read a second time
        after it shifted) is one record here, as it is one in staging; the same key and
        version with another content stays two, and fails "one version per load"."""
        import duckdb

        updated = self.updated_at_sql or "cast(null as timestamptz)"
        columns = (*LAKE_COLUMNS, Field("record_updated_instant", updated), *self.fields)
        if not files:
            return pd.DataFrame(columns=[c.name for c in columns])
        cols = ",\n  ".join(f'{c.sql} as "{c.name}"' for c in columns)
        sql = (
            f"select\n  {cols}\nfrom (\n  select distinct on (load_id, record_key, record_updated_at, payload) *\n"
            "  from read_parquet(?, union_by_name = true)\n)"
        )
        con = duckdb.connect()
        try:
            con.execute("set TimeZone = 'Asia/Shanghai'")
            return con.execute(sql, [files]).df()
        finally:
            con.close()

    def all_checks(self) -> list[Check]:
        return standard_checks(self) + self.checks()

    def validate(self, files: list[str], docs_dir: Path | None = None, run_name: str | None = None) -> SuiteResult:
        """Validate the records in `files`; with `docs_dir`, keep the result and update the
        Data Docs site there (see quality.gx.validate)."""
        return validate(self.name, self.frame(files), self.all_checks(), docs_dir, run_name)


def standard_checks(suite: LandingSuite) -> list[Check]:
    """What every landing is checked for: its records' keys, one version per load, update
    times not in the future (against the time they were fetched)."""
    checks = [
        Check(
            gxe.ExpectColumnValuesToNotBeNull(column="load_id"),
            BLOCKING,
            "every landed record carries the load that brought it",
        ),
    ]
    if suite.key_may_be_missing:
        checks += required("record_key", "a record without its key is quarantined, identified by its place in the load")
    else:
        checks.append(
            Check(
                gxe.ExpectColumnValuesToNotBeNull(column="record_key"),
                BLOCKING,
                "a record without its key cannot be versioned or joined",
            )
        )
    if suite.updated_at_sql:
        checks.append(
            Check(
                gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                    column_A="fetched_at",
                    column_B="record_updated_instant",
                    or_equal=True,
                    ignore_row_if="either_value_is_missing",
                ),
                WARNING,
                "a record cannot have been updated after it was fetched (a clock or zone error)",
            )
        )
    return checks


# --- builders for the checks particular to an entity ----------------------------------


def required(column: str, meaning: str) -> list[Check]:
    """A field each record needs: a warning per record, blocking when most lack it."""
    return [
        Check(gxe.ExpectColumnValuesToNotBeNull(column=column), WARNING, meaning),
        Check(
            gxe.ExpectColumnValuesToNotBeNull(column=column, mostly=1 - SYSTEMIC_SHARE),
            BLOCKING,
            f"{meaning} (missing in most records: the source changed its shape)",
        ),
    ]


def in_set(column: str, values: list, meaning: str) -> Check:
    return Check(gxe.ExpectColumnValuesToBeInSet(column=column, value_set=values), WARNING, meaning)


def matches(column: str, regex: str, meaning: str, severity: str = WARNING) -> Check:
    return Check(gxe.ExpectColumnValuesToMatchRegex(column=column, regex=regex), severity, meaning)


def between(column: str, lo: float | None, hi: float | None, meaning: str) -> Check:
    return Check(gxe.ExpectColumnValuesToBeBetween(column=column, min_value=lo, max_value=hi), WARNING, meaning)


def inside_kaifeng(lon: str, lat: str, crs: str) -> list[Check]:
    """Coordinates in Kaifeng's box; `crs` names the system the source sends them in."""
    return [
        between(lon, *KAIFENG_BOX["lon"], f"longitude ({crs}) outside Kaifeng: the record is quarantined"),
        between(lat, *KAIFENG_BOX["lat"], f"latitude ({crs}) outside Kaifeng: the record is quarantined"),
    ]


def unique_in_load(*columns: str) -> Check:
    return Check(
        gxe.ExpectCompoundColumnsToBeUnique(column_list=["load_id", *columns]),
        BLOCKING,
        "one load holds each record version once",
    )


def id_number_checked(column: str) -> Check:
    """The GB 11643 result the connector recorded before pseudonymizing an ID number."""
    return Check(
        gxe.ExpectColumnValuesToBeInSet(column=column, value_set=ID_CHECK_RESULTS),
        WARNING,
        "an ID number with a wrong check digit or in no known form: the record is quarantined",
    )
