"""Great Expectations suites on raw landings as Dagster asset checks.

Every raw asset carries the same two checks, run on what that materialization landed:
`gx_blocking` (blocking: when it fails, downstream assets in the run do not start) and
`gx_warnings` (recorded with a WARN severity). Their metadata gives, per expectation, what
it means, how many records broke it and a few example values (the values checked are codes,
times, coordinates and masked forms, never personal data), and a link to the validation's
page in the GX Data Docs site kept beside the lake.
"""

from __future__ import annotations

import time
from pathlib import Path

from dagster import AssetCheckResult, AssetCheckSeverity, AssetCheckSpec, AssetKey, MetadataValue

from quality.gx import BLOCKING, WARNING
from quality.suites import suite_for


def gx_check_specs(key: AssetKey) -> list[AssetCheckSpec]:
    source, _, entity = key.path
    name = suite_for(source, entity).name
    return [
        AssetCheckSpec("gx_blocking", asset=key, blocking=True, description=f"GX suite {name}: blocking expectations"),
        AssetCheckSpec(
            "gx_warnings", asset=key, description=f"GX suite {name}: warnings (records the warehouse quarantines)"
        ),
    ]


def quality_dir(lake_dir: str | Path) -> Path:
    """Where validation results (one JSON per run and suite) and the GX Data Docs site are
    kept: `quality/` beside the lake (default `warehouse/quality/data_docs/index.html`)."""
    return Path(lake_dir).resolve().parent / "quality"


def gx_check_results(context, warehouse, load_ids: list[str]) -> list[AssetCheckResult]:
    """Validate what this materialization landed (the Parquet files of `load_ids`) with its
    entity's suite; the result is kept under the Dagster run's id and the Data Docs site is
    updated. `context`: the asset's execution context; `warehouse`: its WarehouseResource."""
    key: AssetKey = context.asset_key
    source, _, entity = key.path
    files = warehouse.lake().load_files(source, entity, load_ids)
    started = time.monotonic()
    result = suite_for(source, entity).validate(files, quality_dir(warehouse.lake_dir), context.run_id)
    seconds = round(time.monotonic() - started, 3)
    summary = result.summary()
    out = []
    for name, kind, passed, severity in (
        ("gx_blocking", BLOCKING, result.blocking_ok, AssetCheckSeverity.ERROR),
        ("gx_warnings", WARNING, not result.warnings, AssetCheckSeverity.WARN),
    ):
        expectations = {k: v for k, v in summary.items() if v["severity"] == kind}
        failed = {k: v["unexpected"] for k, v in expectations.items() if not v["success"]}
        out.append(
            AssetCheckResult(
                check_name=name,
                asset_key=key,
                passed=passed,
                severity=severity,
                metadata={
                    "rows": result.rows,
                    "validation_seconds": seconds,
                    "data_docs": MetadataValue.url(result.docs_page or ""),
                    "failed_expectations": MetadataValue.json(failed),
                    "expectations": MetadataValue.json(expectations),
                },
            )
        )
    return out
