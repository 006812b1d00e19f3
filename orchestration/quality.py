"""Great Expectations suites on raw landings as Dagster asset checks.

Every raw asset carries the same three checks, run on what that materialization landed:
`gx_blocking` (blocking: when it fails, downstream assets in the run do not start),
`gx_warnings` (recorded with a WARN severity) and `volume` (WARN: the landing's size against
the trailing days or loads, see quality.volume). Their metadata gives, per expectation, what
it means, how many records broke it and a few example values (the values checked are codes,
times, coordinates and masked forms, never personal data), and a link to the validation's
page in the GX Data Docs site kept beside the lake. The near-real-time path (a run every
half minute) validates the same way but keeps no result files or pages: its results are in
the checks' metadata, and the daily landing of the same day keeps its own.
"""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta
from pathlib import Path

from dagster import AssetCheckResult, AssetCheckSeverity, AssetCheckSpec, AssetKey, MetadataValue

from connectors.common.timezone import SHANGHAI
from quality.drift import new_fields
from quality.gx import BLOCKING, WARNING, SuiteResult
from quality.suites import suite_for
from quality.volume import daily_volumes, load_volumes, validate_volume
from warehouse.settings import data_docs_url


def gx_check_specs(key: AssetKey) -> list[AssetCheckSpec]:
    source, _, entity = key.path
    suite = suite_for(source, entity)
    name = suite.name
    return [
        AssetCheckSpec("gx_blocking", asset=key, blocking=True, description=f"GX suite {name}: blocking expectations"),
        AssetCheckSpec(
            "gx_warnings", asset=key, description=f"GX suite {name}: warnings (records the warehouse quarantines)"
        ),
        AssetCheckSpec(
            "volume",
            asset=key,
            description=f"GX suite {name}.volume: size against the trailing "
            + ("days" if suite.volume.unit == "day" else "loads"),
        ),
    ]


def judged_days(days: list[date], today: date | None = None) -> list[date]:
    """The days whose volume a run can judge: its complete days (before today, Asia/Shanghai);
    a run of today's partition alone judges yesterday, which earlier runs completed."""
    today = today or datetime.now(SHANGHAI).date()
    complete = [d for d in days if d < today]
    return complete or [today - timedelta(days=1)]


def docs_link(page: str | None, docs_dir: Path) -> str:
    """The link to a Data Docs page: under GOVHUB_DATA_DOCS_URL, where `govhub dev` serves
    the site beside the UI (whose pages cannot open file:// links); a page outside the site
    keeps its own address."""
    base = data_docs_url().rstrip("/")
    site = (docs_dir / "data_docs").resolve().as_uri()
    if page and base and page.startswith(site + "/"):
        return base + page[len(site) :]
    return page or ""


def quality_dir(lake_dir: str | Path) -> Path:
    """Where validation results (one JSON per run and suite) and the GX Data Docs site are
    kept: `quality/` beside the lake (default `warehouse/quality/data_docs/index.html`)."""
    return Path(lake_dir).resolve().parent / "quality"


def gx_check_results(
    context, warehouse, load_ids: list[str], days: list[date] | None = None, key: AssetKey | None = None
) -> list[AssetCheckResult]:
    """Validate what this materialization landed (the Parquet files of `load_ids`) with its
    entity's suite, and judge its volume (by the run's `days` for entities counted by day, by
    its loads for whole lists); the results are kept under the Dagster run's id and the Data
    Docs site is updated. `context`: the asset's execution context; `warehouse`: its
    WarehouseResource; `key`: the checked asset where the step materializes several."""
    key = key or context.asset_key
    source, _, entity = key.path
    suite = suite_for(source, entity)
    lake = warehouse.lake()
    docs_dir = quality_dir(warehouse.lake_dir)
    keep = keeps_validations(context)
    started = time.monotonic()
    files = lake.load_files(source, entity, load_ids)
    result = suite.validate(files, docs_dir if keep else None, context.run_id)
    drift = new_fields(lake.entity_dir(source, entity), files)
    if drift:
        context.log.warning(f"{source}/{entity}: fields not sent before, kept in the raw payload: {drift}")
    seconds = round(time.monotonic() - started, 3)
    volume = _volume_result(context, key, suite, lake, docs_dir, keep, load_ids, days)
    return [*_landing_results(key, result, seconds, docs_link(result.docs_page, docs_dir), drift), volume]


def keeps_validations(context) -> bool:
    """Whether this run keeps its validation results and Data Docs pages: every run but the
    near-real-time path's, which would add a page per entity every half minute."""
    return context.run.tags.get("govhub/path") != "near_real_time"


def _volume_result(context, key, suite, lake, docs_dir, keep, load_ids, days) -> AssetCheckResult:
    started = time.monotonic()
    source, _, entity = key.path
    entity_dir = lake.entity_dir(source, entity)
    if suite.volume.unit == "day":
        if days is None:
            raise ValueError(f"{suite.name} is judged by day: pass the run's days")
        frame = daily_volumes(entity_dir, judged_days(days), suite.volume)
    else:
        frame = load_volumes(entity_dir, load_ids, suite.volume)
    volume = validate_volume(suite.name, frame, suite.volume, docs_dir if keep else None, context.run_id)
    outcome = volume.outcomes[0]
    breaches = frame[frame["ratio"].notna() & ~frame["ratio"].between(suite.volume.low, suite.volume.high)]
    return AssetCheckResult(
        check_name="volume",
        asset_key=key,
        passed=outcome.success,
        severity=AssetCheckSeverity.WARN,
        description=outcome.check.meaning,
        metadata={
            "judged": int(frame["ratio"].notna().sum()),
            # too little history, or too few records to tell a change from chance
            "not_judged": int(frame["ratio"].isna().sum()),
            "breaches": MetadataValue.json(breaches.astype(object).where(breaches.notna(), None).to_dict("records")),
            "volumes": MetadataValue.json(frame.astype(object).where(frame.notna(), None).to_dict("records")),
            "validation_seconds": round(time.monotonic() - started, 3),
            "data_docs": MetadataValue.url(docs_link(volume.docs_page, docs_dir)),
        },
    )


def _landing_results(
    key: AssetKey, result: SuiteResult, seconds: float, link: str, drift: list[str]
) -> list[AssetCheckResult]:
    """gx_blocking and gx_warnings. The warnings pass while the records that broke them are
    the known share the warehouse quarantines (quality.gx.KNOWN_SHARE), reported as such;
    beyond it, or with schema drift (`new_fields`), they fail."""
    summary = result.summary()
    out = []
    for name, kind, passed, severity in (
        ("gx_blocking", BLOCKING, result.blocking_ok, AssetCheckSeverity.ERROR),
        ("gx_warnings", WARNING, not result.unknown_warnings and not drift, AssetCheckSeverity.WARN),
    ):
        expectations = {k: v for k, v in summary.items() if v["severity"] == kind}
        failed = {k: v["unexpected"] for k, v in expectations.items() if not v["success"]}
        extra = {}
        if kind == WARNING:
            beyond = {o.check.name for o in result.unknown_warnings}
            extra = {
                "new_fields": MetadataValue.json(drift),
                # the records of a warning within its known share: quarantined downstream, each under its reason
                "known_share": MetadataValue.json({k: n for k, n in failed.items() if k not in beyond}),
                "beyond_known_share": MetadataValue.json({k: n for k, n in failed.items() if k in beyond}),
            }
        out.append(
            AssetCheckResult(
                check_name=name,
                asset_key=key,
                passed=passed,
                severity=severity,
                metadata={
                    "rows": result.rows,
                    "validation_seconds": seconds,
                    "data_docs": MetadataValue.url(link),
                    "failed_expectations": MetadataValue.json(failed),
                    "expectations": MetadataValue.json(expectations),
                    **extra,
                },
            )
        )
    return out
