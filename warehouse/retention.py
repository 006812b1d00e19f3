"""Retention: what is past its period leaves the lake, the closed months and, by a build from
scratch, every table derived from them (the warehouse, its BI copies, a Spark warehouse).

The periods are configuration (warehouse/retention.toml, or the file GOVHUB_RETENTION_FILE
names), per entity, in whole calendar months back from the month of the run (`cutoff`):

- ``superseded_after_months``: a version of a record whose next version landed before the
  cutoff goes; the record keeps the versions it has had since, the latest always.
- ``expire_after_months``: a record whose latest version landed before the cutoff goes
  whole (with ``ended_field``, only once its latest version says it ended);
- ``[closed_months] keep_months``: the closed months of points kept in `scores`.

Both entity periods must be at least the closed months' (`load_policy` refuses less): the
records and versions removed then all ended before the oldest closed month kept began, so
every closed month kept scores again to the same figures, which `verify_closed_months`
checks after the build.

A run (`apply`) rewrites each lake file that holds a row to remove, whole and atomically
(a file left without rows stays, empty: its load happened), deletes the set-aside
(unreadable) files of expired days and the expired closed months, and writes what it
removed, by rule and entity, with counts, as lines of ``<lake>/_log/_retention.jsonl`` (in
every backup of the lake) and into the table ``audit.retention_runs`` of the warehouse. The
warehouse build from scratch that follows removes the rest.
"""

from __future__ import annotations

import json
import os
import tomllib
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from connectors.common.atomic import replaced_whole
from connectors.common.contract import SNAPSHOT
from connectors.common.errors import ConfigError
from connectors.common.lake import PARTITION_PREFIX, UNREADABLE_DIR, Lake

POLICY_FILE = Path(__file__).with_name("retention.toml")
POLICY_VARIABLE = "GOVHUB_RETENTION_FILE"
AUDIT_LOG = "_log/_retention.jsonl"
AUDIT_TABLE = "audit.retention_runs"
AUDIT_COLUMNS = {
    "run_id": "varchar",
    "applied_at": "timestamptz",
    "run_day": "date",
    "rule": "varchar",
    "entity": "varchar",
    "cutoff": "date",
    "records": "bigint",
    "rows_removed": "bigint",
    "files_rewritten": "bigint",
}


@dataclass(frozen=True)
class Rule:
    entity: str  # source.entity
    superseded_after_months: int | None = None
    expire_after_months: int | None = None
    ended_field: str | None = None


@dataclass(frozen=True)
class Policy:
    closed_months_keep: int
    rules: tuple[Rule, ...]
    source: Path


@dataclass
class Removal:
    rule: str  # superseded, expired, expired_unreadable_file, closed_month
    entity: str
    cutoff: date
    records: int = 0
    rows: int = 0
    files: int = 0


@dataclass
class RetentionRun:
    run_id: str
    run_day: date
    removals: list[Removal] = field(default_factory=list)
    dry_run: bool = False

    @property
    def rows(self) -> int:
        return sum(r.rows for r in self.removals if r.rule != "closed_month")


def cutoff(run_day: date, months: int) -> date:
    """The first day of the month `months` before `run_day`'s: what is before it is past."""
    index = run_day.year * 12 + run_day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def _months(where: str, value) -> int:
    if type(value) is not int or value < 0:
        raise ConfigError(f"{where} must be a whole number of months (0 or more), not {value!r}")
    return value


def load_policy(path: Path | None = None) -> Policy:
    """The retention policy in `path` (GOVHUB_RETENTION_FILE, else warehouse/retention.toml),
    checked against the registered sources: ConfigError naming what is wrong."""
    from connectors.registry import connector

    path = Path(path or os.environ.get(POLICY_VARIABLE) or POLICY_FILE)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"the retention policy {path} cannot be read: {exc}") from exc
    keep = _months(f"{path}: [closed_months] keep_months", data.get("closed_months", {}).get("keep_months"))
    rules = []
    for name, spec in sorted(data.get("entities", {}).items()):
        where = f'{path}: [entities."{name}"]'
        source, _, entity_name = name.partition(".")
        try:
            entity = connector(source).entity(entity_name)
        except (KeyError, ValueError) as exc:
            raise ConfigError(f"{where}: no such source entity ({exc})") from exc
        unknown = set(spec) - {"superseded_after_months", "expire_after_months", "ended_field"}
        if unknown:
            raise ConfigError(f"{where}: unknown setting(s) {', '.join(sorted(unknown))}")
        rule = Rule(
            name,
            spec.get("superseded_after_months"),
            spec.get("expire_after_months"),
            spec.get("ended_field"),
        )
        for setting in ("superseded_after_months", "expire_after_months"):
            months = getattr(rule, setting)
            if months is not None and _months(f"{where} {setting}", months) < keep:
                raise ConfigError(
                    f"{where} {setting} = {months} is shorter than the {keep} months closed months are kept: "
                    "a kept month could no longer be scored again from what it was scored from"
                )
        if rule.superseded_after_months is not None and entity.partitioning == SNAPSHOT:
            raise ConfigError(
                f"{where}: a list landed whole keeps every load (they are its history): "
                "superseded_after_months does not apply, expire_after_months does"
            )
        if rule.ended_field is not None and rule.expire_after_months is None:
            raise ConfigError(f"{where}: ended_field needs expire_after_months")
        rules.append(rule)
    return Policy(keep, tuple(rules), path)


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _doomed(lake: Lake, rule: Rule, run_day: date) -> tuple[dict[str, list[tuple[int, str]]], dict[str, int]]:
    """The rows of the entity's lake files that the rule removes: file -> [(row, reason)];
    and the records each reason removes (a record superseded once counts once)."""
    source, entity = rule.entity.split(".")
    folder = lake.entity_dir(source, entity)
    if not any(folder.glob(f"{PARTITION_PREFIX}*/*.parquet")):
        return {}, {}
    files = _quote(str(folder / "*" / "*.parquet"))
    far = "date '9999-12-31'"
    s_cut = (
        f"date '{cutoff(run_day, rule.superseded_after_months)}'"
        if rule.superseded_after_months is not None
        else "date '0001-01-01'"
    )
    e_cut = (
        f"date '{cutoff(run_day, rule.expire_after_months)}'"
        if rule.expire_after_months is not None
        else "date '0001-01-01'"
    )
    ended = "true"
    if rule.ended_field:
        value = f"json_extract_string(payload, {_quote('$.' + json.dumps(rule.ended_field))})"
        ended = (
            f"({value} is not null and lower({value}) not in ('', '0', 'false', 'null') "
            f"and (not regexp_matches({value}, '^\\d{{4}}-\\d{{2}}-\\d{{2}}') "
            f"or coalesce(try_cast(left({value}, 10) as date) < {e_cut}, false)))"
        )
    sql = f"""
    with rows as (
        select filename, file_row_number as row_number, record_key, payload, fetched_at, load_id,
            cast(lake_partition as date) as day
        from read_parquet({files}, filename = true, file_row_number = true, hive_partitioning = true)
    ),
    latest as (
        select record_key, day as last_day, {ended} as has_ended
        from rows where record_key is not null
        qualify row_number() over (partition by record_key order by day desc, fetched_at desc, load_id desc,
                                   filename desc, row_number desc) = 1
    ),
    kept_from as (  -- per record: the day of its last version landed before the cutoff
        select record_key, max(day) as since from rows where record_key is not null and day < {s_cut}
        group by record_key
    )
    select r.filename, r.row_number, r.record_key,
        case
            when r.record_key is null and r.day < {e_cut} then 'expired'
            when l.last_day < {e_cut} and l.has_ended then 'expired'
            when r.day < coalesce(k.since, {far}) and k.since is not null then 'superseded'
        end as reason
    from rows as r
    left join latest as l using (record_key)
    left join kept_from as k using (record_key)
    where reason is not null
    """
    con = duckdb.connect()
    try:
        found = con.execute(sql).fetchall()
    finally:
        con.close()
    by_file: dict[str, list[tuple[int, str]]] = {}
    records: dict[str, set] = {}
    for filename, row, key, reason in found:
        by_file.setdefault(filename, []).append((row, reason))
        records.setdefault(reason, set()).add(key if key is not None else f"{filename}#{row}")
    return by_file, {reason: len(keys) for reason, keys in records.items()}


def _rewrite(path: Path, rows: list[int]) -> None:
    """The file without `rows`, written whole in its place."""
    table = pq.read_table(path)
    keep = pc.invert(pc.is_in(pa.array(range(table.num_rows), pa.int64()), pa.array(rows, pa.int64())))
    with replaced_whole(path, fsync=True) as tmp:
        pq.write_table(table.filter(keep), tmp, compression="zstd")


def _unreadable_files(lake: Lake, rule: Rule, run_day: date) -> list[Path]:
    """The set-aside files of the entity from days before its expiry cutoff."""
    if rule.expire_after_months is None:
        return []
    source, entity = rule.entity.split(".")
    line = cutoff(run_day, rule.expire_after_months).isoformat()
    return sorted(
        p
        for p in (lake.root / UNREADABLE_DIR / source / entity).glob(f"{PARTITION_PREFIX}*/*")
        if p.parent.name.removeprefix(PARTITION_PREFIX) < line
    )


def apply_to_lake(lake_dir: Path, policy: Policy, run_day: date, dry_run: bool = False) -> RetentionRun:
    """Remove from the lake what the policy says is past (nothing with `dry_run`): the run,
    with what was (or would be) removed by rule and entity."""
    lake = Lake(lake_dir)
    lake.refuse_during_maintenance()
    run = RetentionRun(f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}", run_day, dry_run=dry_run)
    for rule in policy.rules:
        doomed, records = _doomed(lake, rule, run_day)
        for reason, months in (("superseded", rule.superseded_after_months), ("expired", rule.expire_after_months)):
            if months is None:
                continue
            rows = {f: [r for r, why in rs if why == reason] for f, rs in doomed.items()}
            rows = {f: rs for f, rs in rows.items() if rs}
            run.removals.append(
                Removal(
                    reason,
                    rule.entity,
                    cutoff(run_day, months),
                    records.get(reason, 0),
                    sum(map(len, rows.values())),
                    len(rows),
                )
            )
        if not dry_run:
            for path, rows in sorted(doomed.items()):
                _rewrite(Path(path), [r for r, _ in rows])
        unreadable = _unreadable_files(lake, rule, run_day)
        if unreadable:
            run.removals.append(
                Removal(
                    "expired_unreadable_file",
                    rule.entity,
                    cutoff(run_day, rule.expire_after_months),
                    len(unreadable),
                    0,
                    len(unreadable),
                )
            )
            for path in unreadable if not dry_run else []:
                path.unlink()
    return run


def expire_closed_months(warehouse: Path, policy: Policy, run: RetentionRun) -> list[str]:
    """Delete the closed months before the closed months' cutoff from `scores` (nothing with
    a dry run); the months."""
    line = cutoff(run.run_day, policy.closed_months_keep)
    if not Path(warehouse).exists():
        return []
    con = duckdb.connect(str(warehouse), read_only=run.dry_run)
    try:
        tables = {
            t
            for (t,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'scores'"
            ).fetchall()
        }
        if "closed_months" not in tables:
            return []
        months = [
            m
            for (m,) in con.execute(
                "select points_month from scores.closed_months where points_month < ? order by 1", [f"{line:%Y-%m}"]
            ).fetchall()
        ]
        rows = 0
        for table in sorted(tables):
            rows += con.execute(
                f"select count(*) from scores.{table} where points_month < ?", [f"{line:%Y-%m}"]
            ).fetchone()[0]
        if not run.dry_run and months:
            con.execute("begin transaction")
            for table in sorted(tables):
                con.execute(f"delete from scores.{table} where points_month < ?", [f"{line:%Y-%m}"])
            con.execute("commit")
    finally:
        con.close()
    run.removals.append(Removal("closed_month", "scores", line, len(months), rows, 0))
    return months


def record(lake_dir: Path, warehouse: Path, run: RetentionRun) -> None:
    """The run's lines appended to the lake's retention log, and the audit table loaded."""
    now = datetime.now(UTC).isoformat(timespec="seconds")
    path = Path(lake_dir) / AUDIT_LOG
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as log:
        for r in run.removals:
            log.write(
                json.dumps(
                    {
                        "run_id": run.run_id,
                        "applied_at": now,
                        "run_day": run.run_day.isoformat(),
                        "rule": r.rule,
                        "entity": r.entity,
                        "cutoff": r.cutoff.isoformat(),
                        "records": r.records,
                        "rows_removed": r.rows,
                        "files_rewritten": r.files,
                    }
                )
                + "\n"
            )
        log.flush()
        os.fsync(log.fileno())
    load_audit(lake_dir, warehouse)


def load_audit(lake_dir: Path, warehouse: Path) -> int:
    """`audit.retention_runs` in the warehouse made anew from the lake's retention log (every
    run, as the lake keeps it: a restored warehouse gets it back); its rows."""
    path = Path(lake_dir) / AUDIT_LOG
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("create schema if not exists audit")
        columns = ", ".join(f"{k} {v}" for k, v in AUDIT_COLUMNS.items())
        con.execute(f"create or replace table {AUDIT_TABLE} ({columns})")
        if path.exists() and path.stat().st_size:
            spec = "{" + ", ".join(f"{_quote(k)}: {_quote(v)}" for k, v in AUDIT_COLUMNS.items()) + "}"
            con.execute(
                f"insert into {AUDIT_TABLE} select * from read_json({_quote(str(path))}, "
                f"format = 'newline_delimited', columns = {spec})"
            )
        return con.execute(f"select count(*) from {AUDIT_TABLE}").fetchone()[0]
    finally:
        con.close()


def verify_closed_months(warehouse: Path) -> dict[str, bool]:
    """Each closed month kept: whether the marts score it again to the figures it was scored
    to (its fingerprint)."""
    from warehouse.duckdb import connect
    from warehouse.scores import figures_fingerprint

    con = connect(warehouse, read_only=True)  # the session the months were scored in (its time zone)
    try:
        held = (
            con.execute("select points_month, figures_fingerprint from scores.closed_months order by 1").fetchall()
            if con.execute(
                "select count(*) from information_schema.tables where table_schema = 'scores' and table_name = 'closed_months'"
            ).fetchone()[0]
            else []
        )
        return {month: figures_fingerprint(con, month) == fingerprint for month, fingerprint in held}
    finally:
        con.close()
