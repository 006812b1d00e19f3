"""Compare a demo warehouse's quarantine with the defects the stand-ins served.

The stand-ins know which records they served with a defect (sandbox.defects). After
`govhub demo` (which starts from an empty warehouse), rebuild the same sandbox in this
process and check that the quarantine holds exactly those records under the right
reasons, and that the row accounting balances:

    .venv/bin/python scripts/check_quarantine.py --preset city --start 2026-10-01 --end 2026-11-25

(`--end` exclusive, as the demo prints its window; the warehouse defaults to
GOVHUB_WAREHOUSE_PATH.) Exit status 0 when everything matches.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from datetime import date


def main(argv: list[str] | None = None) -> int:
    from sandbox.serve import SandboxConfig, start_sandbox
    from warehouse.accounting import accounting_by_source
    from warehouse.duckdb import connect
    from warehouse.settings import configure_environment

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--preset", default="city")
    p.add_argument("--seed", type=int, default=SandboxConfig.seed)
    p.add_argument("--start", type=date.fromisoformat, required=True)
    p.add_argument("--end", type=date.fromisoformat, required=True)
    p.add_argument("--warehouse", default=None)
    args = p.parse_args(argv)

    running = start_sandbox(SandboxConfig(preset=args.preset, seed=args.seed, start=args.start, end=args.end))
    try:
        served = running.defects()
    finally:
        running.stop()
    expected = {
        (d.source, d.entity, d.record_id if d.record_id is not None else d.locator, d.kind)
        for d in served
        if d.kind != "unmapped_code"
    }
    unmapped = {d.record_id for d in served if d.kind == "unmapped_code"}

    con = connect(args.warehouse or configure_environment().warehouse_path, read_only=True)
    try:
        got = set(
            con.execute(
                "select distinct source_system, entity, record_id, reason from quarantine.quarantine_records"
            ).fetchall()
        )
        accounting = accounting_by_source(con)
        kept = {
            r[0]
            for r in con.execute(
                "select source_record_id from marts.fct_governance_events "
                "where source_system = 'sharp_eyes' and event_type_code is null"
            ).fetchall()
        }
    finally:
        con.close()

    print("source          landed   conformed  quarantined  unbalanced loads")
    for a in accounting:
        print(f"{a.source:13s} {a.landed:>9,} {a.conformed:>11,} {a.quarantined:>12,} {a.unbalanced_loads:>17,}")
    print("\nquarantined records by reason (served / found)")
    want, have = Counter((s, e, k) for s, e, _, k in expected), Counter((s, e, k) for s, e, _, k in got)
    for key in sorted(set(want) | set(have)):
        print(f"  {'/'.join(key):60s} {want[key]:>6,} {have[key]:>6,}")
    print(f"  {'sharp_eyes/events/unmapped_code (kept as events)':60s} {len(unmapped):>6,} {len(kept):>6,}")

    ok = got == expected and unmapped == kept and all(a.unbalanced_loads == 0 for a in accounting)
    if not ok:
        for label, rows in (("served, not quarantined", expected - got), ("quarantined, not served", got - expected)):
            for r in sorted(rows, key=str)[:20]:
                print(f"{label}: {r}")
    print("\nOK: the quarantine is exactly what the stand-ins served" if ok else "\nMISMATCH")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
