"""The row accounting and the quarantine as asset checks with their counts.

dbt's blocking test `assert_row_accounting_balances` fails the build when a landed row is
unaccounted for; these checks show the figures behind it in the UI after each build: per
source, rows landed, conformed and quarantined, and the quarantine per entity and reason.
"""

from __future__ import annotations

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetKey,
    MetadataValue,
    asset_check,
)

from orchestration.resources import WarehouseResource

ROW_ACCOUNTING = AssetKey(["quarantine", "row_accounting"])
QUARANTINE = AssetKey(["quarantine", "quarantine_records"])


@asset_check(
    asset=ROW_ACCOUNTING, description="landed = conformed + quarantined, per source (totals of row_accounting)"
)
def row_accounting_totals(warehouse: WarehouseResource) -> AssetCheckResult:
    con = warehouse.connect(read_only=True)
    try:
        rows = con.execute(
            "select source_system, sum(landed_rows), sum(conformed_rows), sum(quarantined_rows), "
            "sum(abs(unaccounted_rows)), count(*) filter (where unaccounted_rows <> 0) "
            "from quarantine.row_accounting group by 1 order by 1"
        ).fetchall()
    finally:
        con.close()
    per_source = {
        s: {
            "landed": int(landed),
            "conformed": int(c),
            "quarantined": int(q),
            "unaccounted": int(u),
            "unbalanced_loads": int(n),
        }
        for s, landed, c, q, u, n in rows
    }
    unaccounted = sum(v["unaccounted"] for v in per_source.values())
    return AssetCheckResult(
        passed=unaccounted == 0,
        severity=AssetCheckSeverity.ERROR,
        metadata={
            "landed": sum(v["landed"] for v in per_source.values()),
            "conformed": sum(v["conformed"] for v in per_source.values()),
            "quarantined": sum(v["quarantined"] for v in per_source.values()),
            "unaccounted": unaccounted,
            "per_source": MetadataValue.json(per_source),
        },
    )


@asset_check(asset=QUARANTINE, description="Records held in quarantine, per source, entity and reason (WARN when any)")
def quarantine_by_reason(warehouse: WarehouseResource) -> AssetCheckResult:
    con = warehouse.connect(read_only=True)
    try:
        rows = con.execute(
            "select source_system || '/' || entity, reason, count(*), count(distinct record_id) "
            "from quarantine.quarantine_records group by all order by 1, 2"
        ).fetchall()
    finally:
        con.close()
    by_reason: dict[str, dict[str, dict[str, int]]] = {}
    for entity, reason, n, records in rows:
        by_reason.setdefault(entity, {})[reason] = {"rows": int(n), "records": int(records)}
    total = sum(int(n) for _, _, n, _ in rows)
    return AssetCheckResult(
        passed=total == 0,
        severity=AssetCheckSeverity.WARN,
        metadata={"quarantined_rows": total, "by_entity_and_reason": MetadataValue.json(by_reason)},
    )


checks = [row_accounting_totals, quarantine_by_reason]
