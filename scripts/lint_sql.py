"""sqlfluff over the dbt models (`make lint-sql`), as dbt compiles them (dbt templater,
DuckDB dialect; rules in .sqlfluff).

Some models ask the warehouse at compile time what changed since its last build, so the
models are compiled against a scratch warehouse that has the build log (`meta`, written by
the on-run-start macro) and an empty lake: each model is linted as its first build renders
it."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from warehouse.dbt_cli import dbt_command, dbt_env  # noqa: E402


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("paths", nargs="*", default=["dbt_project/models"], help="models or folders (default: every model)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="govhub-lint-sql-") as tmp:
        scratch = Path(tmp)
        (scratch / "lake").mkdir()
        env = dbt_env(scratch / "kaifeng.duckdb", scratch / "lake")
        prepared = subprocess.run(
            dbt_command(["run-operation", "record_build_start"], scratch), env=env, capture_output=True, text=True
        )
        if prepared.returncode != 0:
            print(prepared.stdout[-3000:], file=sys.stderr)
            return prepared.returncode
        sqlfluff = Path(sys.executable).parent / "sqlfluff"
        return subprocess.run(
            [str(sqlfluff), "lint", "--processes", str(os.cpu_count() or 1), *args.paths], env=env, cwd=ROOT
        ).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
