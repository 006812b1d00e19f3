"""The row accounting and the quarantine as asset checks with their counts.

dbt's blocking test `assert_row_accounting_balances` fails the build when a landed row is
unaccounted for; these checks show the figures behind it in the UI after each build: per
source, rows landed, conformed and quarantined, and the quarantine per entity and reason.
"""

from __future__ import annotations

from dataclasses import asdict

from dagster import AssetCheckResult, AssetCheckSeverity, AssetKey, MetadataValue, asset_check

from orchestration.resources import WarehouseResource
from quality.gx import within_known_share
from warehouse import accounting
from warehouse.retention import verify_closed_months

ROW_ACCOUNTING = AssetKey(["quarantine", "row_accounting"])
LEDGER = AssetKey(["marts", "fct_worker_points_ledger"])
QUARANTINE = AssetKey(["quarantine", "quarantine_records"])


def _read(warehouse: WarehouseResource, query):
    con = warehouse.connect(read_only=True)
    try:
        return query(con)
    finally:
        con.close()


@asset_check(
    asset=ROW_ACCOUNTING,
    description="landed = conformed + quarantined + unreadable, per source (totals of row_accounting)",
)
def row_accounting_totals(warehouse: WarehouseResource) -> AssetCheckResult:
    sources = _read(warehouse, accounting.accounting_by_source)
    per_source = {a.source: {k: v for k, v in asdict(a).items() if k != "source"} for a in sources}
    unaccounted = sum(a.unaccounted for a in sources)
    return AssetCheckResult(
        passed=unaccounted == 0,
        severity=AssetCheckSeverity.ERROR,
        metadata={
            "landed": sum(a.landed for a in sources),
            "conformed": sum(a.conformed for a in sources),
            "quarantined": sum(a.quarantined for a in sources),
            "unreadable": sum(a.unreadable for a in sources),
            "unaccounted": unaccounted,
            "per_source": MetadataValue.json(per_source),
        },
    )


@asset_check(
    asset=QUARANTINE,
    description="Records held in quarantine, per source, entity and reason "
    "(WARN when an entity's quarantine exceeds the known share of what it landed)",
)
def quarantine_by_reason(warehouse: WarehouseResource) -> AssetCheckResult:
    rows = _read(warehouse, accounting.quarantine_by_reason)
    landed = _read(warehouse, accounting.landed_by_entity)
    by_reason: dict[str, dict[str, dict[str, int]]] = {}
    for entity, reason, n, records in rows:
        by_reason.setdefault(entity, {})[reason] = {"rows": n, "records": records}
    total = sum(n for _, _, n, _ in rows)
    held = {entity: sum(r["rows"] for r in reasons.values()) for entity, reasons in by_reason.items()}
    # every source sends a few bad records, quarantined under their reasons; more is news
    beyond = {e: n for e, n in held.items() if not within_known_share(n, landed.get(e, 0))}
    return AssetCheckResult(
        passed=not beyond,
        severity=AssetCheckSeverity.WARN,
        metadata={
            "quarantined_rows": total,
            "beyond_known_share": MetadataValue.json(
                {e: {"quarantined": n, "landed": landed.get(e, 0)} for e, n in beyond.items()}
            ),
            "by_entity_and_reason": MetadataValue.json(by_reason),
        },
    )


@asset_check(
    asset=LEDGER,
    description="Each closed month kept scores again, from the marts just built, to the figures it was "
    "scored to (WARN when not: late data changed it, or it was scored from records since removed)",
)
def closed_months_reproduce(warehouse: WarehouseResource) -> AssetCheckResult:
    held = verify_closed_months(warehouse.warehouse_path_obj())
    changed = [m for m, same in held.items() if not same]
    return AssetCheckResult(
        passed=not changed,
        severity=AssetCheckSeverity.WARN,
        metadata={"closed_months": len(held), "not_reproduced": MetadataValue.json(changed)},
    )


checks = [row_accounting_totals, quarantine_by_reason, closed_months_reproduce]
