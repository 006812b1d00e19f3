"""Record the BI contract (warehouse/bi_contract.json) from a built warehouse.

After a change to what the marts, the closed months or the rules publish, build a warehouse
(e.g. `govhub demo --preset tiny`), add the new version's section to the changelog in
docs/bi.md, and run

    .venv/bin/python scripts/bi_contract.py path/to/kaifeng.duckdb --version 1.1

It prints what changed against the recorded contract and records it under the version given,
which must be the next one (a new major version when a table or column was removed or
changed type, a new minor one when one was added) and have its changelog section. A change
of what values mean (a code set renamed, a flag that becomes null where it was false) keeps
the types and is found by no comparison: record it under the next major version. Without
--version it only prints the changes and the version they need.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main(warehouse: str, version: str | None) -> int:
    from orchestration.dbt.project import ensure_manifest
    from warehouse.bi_contract import (
        CHANGELOG_PATH,
        CONTRACT_PATH,
        changelog_versions,
        compare,
        contract_of,
        recorded,
        undescribed,
        version_needed,
    )

    if not Path(warehouse).is_file():
        print(f"bi_contract: no DuckDB file at {warehouse}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as scratch:
        try:
            now = contract_of(Path(warehouse), ensure_manifest(), Path(scratch))
        except ValueError as exc:
            print(f"bi_contract: {exc}", file=sys.stderr)
            return 2
    missing = undescribed(now)
    if missing:
        print(f"bi_contract: without a description: {', '.join(missing)}", file=sys.stderr)
        return 1
    first = not CONTRACT_PATH.exists()
    was = {"version": "0.0", "tables": {}} if first else recorded()
    changes = compare(was["tables"], now)
    for line in changes.breaking + changes.added:
        print(line)
    needed = "1.0" if first else version_needed(was["version"], changes)
    if version is None:
        print(f"contract {was['version']}: {'unchanged' if not changes else f'the changes need version {needed}'}")
        return 0
    next_major = f"{int(was['version'].split('.')[0]) + 1}.0"
    if version not in (needed, next_major):
        print(
            f"bi_contract: these changes take version {needed} after {was['version']}, not {version}", file=sys.stderr
        )
        return 1
    if version not in changelog_versions(CHANGELOG_PATH.read_text(encoding="utf-8")):
        print(f"bi_contract: {CHANGELOG_PATH} has no changelog section '### {version}'", file=sys.stderr)
        return 1
    CONTRACT_PATH.write_text(
        json.dumps({"version": version, "tables": now}, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
        encoding="utf-8",
    )
    print(f"recorded contract {version}: {len(now)} tables in {CONTRACT_PATH}")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Record the BI contract from a built warehouse.")
    parser.add_argument("warehouse", help="a built warehouse (kaifeng.duckdb)")
    parser.add_argument("--version", help="the contract version to record (MAJOR.MINOR)")
    args = parser.parse_args()
    sys.exit(main(args.warehouse, args.version))
