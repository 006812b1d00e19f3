"""Running the dbt command line of the project from tests (warehouse/dbt_cli.py), and a copy
of the project with a rule changed."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, date, datetime
from pathlib import Path

from connectors.common.timezone import SHANGHAI
from warehouse.dbt_cli import DBT, DBT_PROJECT_DIR, dbt_command, dbt_env, run_dbt

__all__ = [
    "DBT",
    "DBT_PROJECT_DIR",
    "as_of",
    "dbt_command",
    "dbt_env",
    "last_build_day",
    "local_day",
    "project_with_new_rule_version",
    "run_dbt",
]


def local_day(stamp_us: int | None = None) -> date:
    """The Asia/Shanghai day of a build stamp (microseconds since the epoch, as meta.builds
    keeps it), or of now."""
    at = datetime.now(UTC) if stamp_us is None else datetime.fromtimestamp(stamp_us / 1e6, UTC)
    return at.astimezone(SHANGHAI).date()


def last_build_day(warehouse: Path | None = None, spark_tables: Path | None = None) -> date:
    """The day the last build counted as today, from the meta.builds of a DuckDB warehouse
    file or of a Spark warehouse's tables (Parquet)."""
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True) if warehouse is not None else duckdb.connect()
    builds = "meta.builds" if warehouse is not None else f"read_parquet('{spark_tables}/meta.db/builds/*.parquet')"
    try:
        return local_day(con.execute(f"select max(stamp_us) from {builds}").fetchone()[0])
    finally:
        con.close()


def as_of(day: date) -> list[str]:
    """dbt's arguments that make a build count `day` as today (the `as_of_date` var): two
    builds compared by content must count the same day, even when Shanghai's midnight (16:00
    UTC) falls between them, since what is overdue or final is judged as of that day."""
    return ["--vars", json.dumps({"as_of_date": day.isoformat()})]


def project_with_new_rule_version(into: Path, rule_id: str, valid_from: str, **changed: str) -> tuple[Path, int]:
    """A copy of the dbt project under `into` whose points rule `rule_id` ends at
    `valid_from` (valid_to is exclusive) and has a next version from that day with the
    `changed` columns (as the centre edits seeds/rules/points_rules.csv); (the copy's folder, the new version)."""
    project = into / "dbt_project"
    shutil.copytree(DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs"))
    rules = project / "seeds" / "rules" / "points_rules.csv"
    lines = rules.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    rows = [dict(zip(header, line.split(","), strict=True)) for line in lines[1:]]
    cells = next(r for r in rows if r["rule_id"] == rule_id and not r["valid_to"])  # the version in force
    current = ",".join(cells[h] for h in header)
    ended = {**cells, "valid_to": valid_from}
    following = {**cells, "version": str(int(cells["version"]) + 1), "valid_from": valid_from, **changed}
    lines = [line for line in lines if line != current] + [",".join(v[h] for h in header) for v in (ended, following)]
    rules.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return project, int(following["version"])
