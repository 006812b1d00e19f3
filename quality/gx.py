"""Running an expectation suite on a DataFrame with an ephemeral GX context."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd

log = logging.getLogger(__name__)

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

BLOCKING, WARNING = "blocking", "warning"


class _Expectations:
    """great_expectations.expectations, imported when an expectation is first built: the
    suites are declared when the definitions load, GX (seconds to import) is needed only
    when a landing is validated."""

    def __getattr__(self, name: str):
        import great_expectations.expectations as gxe

        return getattr(gxe, name)


expectations = _Expectations()


def plain(value):
    """`value` as JSON carries it: GX hands its unexpected values back as numpy and pandas
    scalars (a `datetime64` fails the check's metadata); instants become ISO-8601 text."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, np.datetime64 | pd.Timestamp | datetime | date):
        return None if pd.isna(value) else pd.Timestamp(value).isoformat()
    if isinstance(value, np.generic):
        return value.item()
    return value


def load() -> None:
    """Import GX now. A landing on the near-real-time path calls it before it reads its
    source, so the seconds GX takes to import pass before the snapshot, not between the
    snapshot and the warehouse."""
    import great_expectations  # noqa: F401


@dataclass(frozen=True)
class Check:
    """One expectation with its severity and what a failure means, in plain words."""

    expectation: object  # a great_expectations.expectations.Expectation
    severity: str
    meaning: str

    @property
    def name(self) -> str:
        e = self.expectation
        cols = getattr(e, "column", None) or getattr(e, "column_list", None)
        if cols is None and getattr(e, "column_A", None):
            cols = [e.column_A, e.column_B]
        cols = ",".join(cols) if isinstance(cols, list) else cols
        mostly = getattr(e, "mostly", None)
        share = f", mostly={mostly:g}" if mostly is not None and mostly < 1 else ""
        return f"{type(e).__name__}({cols or ''}{share})"


@dataclass
class Outcome:
    check: Check
    success: bool
    unexpected_count: int | None
    examples: list = field(default_factory=list)


# Single records that break a warning expectation are quarantined by the warehouse, each
# under its reason; every source sends a few (a typo in a plate, a coordinate off the map,
# an ID number with a wrong check digit). Up to this share of a landing (or this many
# records in a small one) they are the known share and the warning check passes, reporting
# them; more is news: a source that changed, or broke part of its data.
KNOWN_SHARE = 0.02
KNOWN_ROWS = 10


def within_known_share(unexpected: int | None, rows: int) -> bool:
    return (unexpected or 0) <= max(KNOWN_ROWS, KNOWN_SHARE * rows)


@dataclass
class SuiteResult:
    suite: str
    rows: int
    outcomes: list[Outcome]
    docs_page: str | None = None  # the Data Docs page of this validation, when kept

    @property
    def blocking_ok(self) -> bool:
        return all(o.success for o in self.outcomes if o.check.severity == BLOCKING)

    @property
    def warnings(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.check.severity == WARNING and not o.success]

    @property
    def unknown_warnings(self) -> list[Outcome]:
        """The warnings that broke more records than the known share (KNOWN_SHARE of the
        landing, or KNOWN_ROWS records in a small one): what the warehouse does not expect
        to quarantine as a matter of course."""
        return [o for o in self.warnings if not within_known_share(o.unexpected_count, self.rows)]

    def summary(self) -> dict:
        return {
            o.check.name: {
                "severity": o.check.severity,
                "success": o.success,
                "unexpected": o.unexpected_count,
                "examples": o.examples[:5],
                "meaning": o.check.meaning,
            }
            for o in self.outcomes
        }


def _context(docs_dir: Path | None):
    """An in-memory GX context; with `docs_dir`, validation results are kept there as JSON
    (`validations/`, one file per run) and a Data Docs site is built beside them
    (`data_docs/index.html`)."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import DataContextConfig, ProgressBarsConfig

    if docs_dir is None:
        context = gx.get_context(mode="ephemeral")
    else:
        memory = {"class_name": "InMemoryStoreBackend"}
        files = {"class_name": "TupleFilesystemStoreBackend"}
        config = DataContextConfig(
            stores={
                "expectations_store": {"class_name": "ExpectationsStore", "store_backend": memory},
                "validation_results_store": {
                    "class_name": "ValidationResultsStore",
                    "store_backend": {**files, "base_directory": str(docs_dir / "validations")},
                },
                "checkpoint_store": {"class_name": "CheckpointStore", "store_backend": memory},
                "validation_definition_store": {"class_name": "ValidationDefinitionStore", "store_backend": memory},
            },
            expectations_store_name="expectations_store",
            validation_results_store_name="validation_results_store",
            checkpoint_store_name="checkpoint_store",
            data_docs_sites={
                "data_docs": {
                    "class_name": "SiteBuilder",
                    "store_backend": {**files, "base_directory": str(docs_dir / "data_docs")},
                    "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
                }
            },
            analytics_enabled=False,
        )
        context = gx.get_context(mode="ephemeral", project_config=config)
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


RESULT_FORMAT = {"result_format": "SUMMARY", "partial_unexpected_count": 5}
# Validation results (and their Data Docs pages) older than this are removed when a new
# one is kept: the site's index is rebuilt from every kept result on each validation.
RETENTION_DAYS = 14


def prune(docs_dir: Path, days: int = RETENTION_DAYS) -> int:
    """Remove kept validation results and their pages older than `days`; how many went."""
    import time

    cutoff = time.time() - days * 86400
    gone = 0
    for folder, suffix in (("validations", ".json"), ("data_docs/validations", ".html")):
        for f in (docs_dir / folder).rglob(f"*{suffix}"):
            if f.stat().st_mtime < cutoff:
                f.unlink(missing_ok=True)
                gone += 1
    return gone


def _suite(context, suite_name: str, checks: list[Check]):
    """The DataFrame's batch definition and the suite of `checks`, in `context`."""
    import great_expectations as gx

    source = context.data_sources.add_pandas(name="landing")
    batch_definition = source.add_dataframe_asset(name=suite_name).add_batch_definition_whole_dataframe("load")
    suite = context.suites.add(gx.ExpectationSuite(name=suite_name))
    for c in checks:
        suite.add_expectation(c.expectation)
    return batch_definition, suite


def _validate_with_docs(context, suite, batch_definition, df, docs_dir: Path, run_name: str | None):
    """Validate through a checkpoint that keeps the result and rebuilds the Data Docs site:
    (the result, its page). The site is one folder that every validation rewrites (its index
    lists every kept result), so one process at a time writes it: steps running in parallel
    take turns on a lock file beside it, and none reads a page another is rewriting."""
    import fcntl

    import great_expectations as gx
    from great_expectations.core.run_identifier import RunIdentifier

    docs_dir.mkdir(parents=True, exist_ok=True)
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=suite.name, data=batch_definition, suite=suite)
    )
    checkpoint = context.checkpoints.add(
        gx.Checkpoint(
            name=suite.name,
            validation_definitions=[definition],
            actions=[gx.checkpoint.UpdateDataDocsAction(name="data_docs")],
            result_format=RESULT_FORMAT,
        )
    )
    with (docs_dir / ".site.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            prune(docs_dir)
            run = checkpoint.run(batch_parameters={"dataframe": df}, run_id=RunIdentifier(run_name=run_name))
            identifier, result = next(iter(run.run_results.items()))
            urls = context.get_docs_sites_urls(resource_identifier=identifier)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return result, (urls[0]["site_url"] if urls else None)


def validate(
    suite_name: str,
    df: pd.DataFrame,
    checks: list[Check],
    docs_dir: Path | None = None,
    run_name: str | None = None,
) -> SuiteResult:
    """Validate `df` against `checks`. With `docs_dir` the result is kept there under
    `run_name` and the Data Docs site is rebuilt; `SuiteResult.docs_page` is its page."""

    docs_page, result = None, None
    if docs_dir is not None:
        try:
            context = _context(docs_dir)
            batch_definition, suite = _suite(context, suite_name, checks)
            result, docs_page = _validate_with_docs(context, suite, batch_definition, df, docs_dir, run_name)
        except Exception as exc:  # the report failed, not the data: validated without it
            log.warning("%s: the Data Docs page could not be written (%s: %s)", suite_name, type(exc).__name__, exc)
    if result is None:
        batch_definition, suite = _suite(_context(None), suite_name, checks)
        batch = batch_definition.get_batch(batch_parameters={"dataframe": df})
        result = batch.validate(suite, result_format=RESULT_FORMAT)
    by_id = {r.expectation_config.id: r for r in result.results}
    outcomes = []
    for c in checks:
        r = by_id[c.expectation.id]
        res = r.result or {}
        outcomes.append(
            Outcome(
                c, bool(r.success), res.get("unexpected_count"), plain(list(res.get("partial_unexpected_list") or []))
            )
        )
    return SuiteResult(suite_name, len(df), outcomes, docs_page)
