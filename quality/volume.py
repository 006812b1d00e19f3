"""Volume anomalies: is a landing about as large as the same source's recent past?

Each `LandingSuite` says how its volume is judged (`Volume`):

- ``unit="day"`` (records that change over time): the distinct record versions the lake holds
  for a complete day (its ``lake_partition``), against the median of the ``trailing`` days
  with data before it (looking back ``lookback_days``). Reruns and overlap windows land a
  version again; counting distinct versions keeps them from inflating a day. A source that
  sends something every day (``every_day``) is judged on a day it sent nothing (ratio 0); a
  batch source (monthly payments) only on the days it sent.
  Records that move on after the day they were made (a request reported today and closed
  tomorrow) are counted by the day they were made instead (``by``, a payload field): a day's
  lake partition holds the versions that were current when it was read, so a day landed
  after its records moved on holds fewer than a day landed at its end (the last day of a
  backfill looks twice the days before it), while the records made on a day do not depend
  on when they were read.
- ``unit="load"`` (reference lists landed whole, export files): the records of each load of
  the run, against the median of the ``trailing`` loads before it.

The ratio ``records / trailing median`` must lie within ``[low, high]``. With fewer than
``min_history`` earlier days or loads (a new source, the first days of a backfill), or a
trailing median below ``min_median`` (counts too small to tell a change from chance), the
ratio is left empty and nothing is judged. The ratios are validated with Great Expectations like
the landings, so each judgement is kept and shown in the Data Docs; a breach is a warning: a
day may really be quiet, or a source may have lost part of it, and the engineer decides.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from connectors.common.lake import PARTITION_PREFIX, partition_dirs
from quality.gx import WARNING, Check, SuiteResult, validate
from quality.gx import expectations as gxe

COLUMNS = ["unit", "records", "trailing_median", "history", "ratio"]


@dataclass(frozen=True)
class Volume:
    unit: str = "day"  # "day" or "load"
    trailing: int = 7
    low: float = 0.5
    high: float = 2.0
    min_history: int = 3
    # below this trailing median a day's count is too small to tell a change from chance
    # (at 50 a day, half is about 3.5 standard deviations of a Poisson count)
    min_median: float = 50
    every_day: bool = True  # a day without records is itself judged (False: batch sources)
    lookback_days: int | None = None  # how far back history is sought (default: `trailing`)
    # a payload field holding when the record was made (its first 10 characters, the day it
    # states): count the distinct records made on a day, wherever they were landed
    by: str | None = None

    def check(self) -> Check:
        what = (
            "a whole list's records"
            if self.unit == "load"
            else f"the records made on a day ({self.by})"
            if self.by
            else "a day's record versions"
        )
        return Check(
            gxe.ExpectColumnValuesToBeBetween(column="ratio", min_value=self.low, max_value=self.high),
            WARNING,
            f"{what} between {self.low:g}x and {self.high:g}x the median of the {self.trailing} before "
            "(outside: a source that lost or doubled part of its data, or a real change to confirm)",
        )


def _distinct_versions(dirs: list[Path]) -> dict[str, int]:
    """Distinct (key, update time) per lake day, reading only those two columns."""
    return _count_by_day(
        dirs,
        "select cast(lake_partition as varchar), count(distinct (record_key, record_updated_at)) "
        "from read_parquet(?, hive_partitioning = true, hive_types = {'lake_partition': varchar}) group by 1",
    )


def _distinct_records_by(field: str, dirs: list[Path], lo: date, hi: date) -> dict[str, int]:
    """Distinct records per the day their `field` states, for the days lo..hi."""
    return _count_by_day(
        dirs,
        "select day, count(distinct record_key) from ("
        " select substr(json_extract_string(payload, ?), 1, 10) as day, record_key"
        " from read_parquet(?, hive_partitioning = true, hive_types = {'lake_partition': varchar})"
        ") where day between ? and ? group by 1",
        before=[f"$.{field}"],
        after=[lo.isoformat(), hi.isoformat()],
    )


def _count_by_day(dirs: list[Path], sql: str, before: list = (), after: list = ()) -> dict[str, int]:
    """{day: count} from `sql` over the Parquet files of `dirs`: its parameters are `before`,
    the list of files, then `after`."""
    import duckdb

    files = [str(f) for d in dirs for f in d.glob("*.parquet")]
    if not files:
        return {}
    con = duckdb.connect()
    try:
        return dict(con.execute(sql, [*before, files, *after]).fetchall())
    finally:
        con.close()


def _row(unit: str, records: int, history: list[int], volume: Volume) -> dict:
    median = statistics.median(history) if history else None
    judged = len(history) >= volume.min_history and median and median >= volume.min_median
    return {
        "unit": unit,
        "records": records,
        "trailing_median": median,
        "history": len(history),
        "ratio": round(records / median, 3) if judged else None,
    }


def daily_volumes(entity_dir: Path, days: list[date], volume: Volume) -> pd.DataFrame:
    """One row per day of `days`: its distinct record versions against the trailing days'."""
    dirs = partition_dirs(entity_dir)
    if not days:
        return pd.DataFrame(columns=COLUMNS)
    lookback = timedelta(days=volume.lookback_days or volume.trailing)
    lo, hi = min(days) - lookback, max(days)
    if volume.by:  # records made on a day may have been landed on any day since
        counts = _distinct_records_by(volume.by, [p for d, p in dirs.items() if lo <= d], lo, hi)
    else:
        counts = _distinct_versions([p for d, p in dirs.items() if lo <= d <= hi])
    rows = []
    for d in sorted(set(days)):
        records = counts.get(d.isoformat(), 0)
        earlier = [d - timedelta(days=i) for i in range(lookback.days, 0, -1)]
        history = [n for h in earlier if (n := counts.get(h.isoformat(), 0))][-volume.trailing :]
        row = _row(d.isoformat(), records, history, volume)
        if not records and not volume.every_day:
            row["ratio"] = None
        rows.append(row)
    return pd.DataFrame(rows, columns=COLUMNS)


def load_volumes(entity_dir: Path, load_ids: list[str], volume: Volume) -> pd.DataFrame:
    """One row per load of `load_ids`: its records against the loads landed before it (load
    ids sort by time). Row counts come from the Parquet footers; nothing is read."""
    per_load: dict[str, int] = {}
    for f in entity_dir.glob(f"{PARTITION_PREFIX}*/*.parquet"):
        load = f.name.rsplit("-", 1)[0]
        per_load[load] = per_load.get(load, 0) + pq.ParquetFile(f).metadata.num_rows
    ordered = sorted(per_load)
    rows = []
    for load in sorted(set(load_ids) & set(per_load)):
        before = ordered[: ordered.index(load)][-volume.trailing :]
        rows.append(_row(load, per_load[load], [per_load[b] for b in before], volume))
    return pd.DataFrame(rows, columns=COLUMNS)


def validate_volume(
    suite_name: str,
    frame: pd.DataFrame,
    volume: Volume,
    docs_dir: Path | None = None,
    run_name: str | None = None,
) -> SuiteResult:
    """Judge the ratios in `frame` (from daily_volumes or load_volumes) with GX; the result is
    kept as suite `<suite_name>.volume` beside the landing's own."""
    return validate(f"{suite_name}.volume", frame, [volume.check()], docs_dir, run_name)
