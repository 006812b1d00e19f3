"""Running an expectation suite on a DataFrame with an ephemeral GX context."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import pandas as pd

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

BLOCKING, WARNING = "blocking", "warning"


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


@dataclass
class SuiteResult:
    suite: str
    rows: int
    outcomes: list[Outcome]

    @property
    def blocking_ok(self) -> bool:
        return all(o.success for o in self.outcomes if o.check.severity == BLOCKING)

    @property
    def warnings(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.check.severity == WARNING and not o.success]

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


def validate(suite_name: str, df: pd.DataFrame, checks: list[Check]) -> SuiteResult:
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_pandas(name="landing")
    asset = source.add_dataframe_asset(name=suite_name)
    batch = asset.add_batch_definition_whole_dataframe("load").get_batch(batch_parameters={"dataframe": df})
    suite = context.suites.add(gx.ExpectationSuite(name=suite_name))
    for c in checks:
        suite.add_expectation(c.expectation)
    result = batch.validate(suite, result_format={"result_format": "SUMMARY", "partial_unexpected_count": 5})
    by_id = {r.expectation_config.id: r for r in result.results}
    outcomes = []
    for c in checks:
        r = by_id[c.expectation.id]
        res = r.result or {}
        outcomes.append(
            Outcome(c, bool(r.success), res.get("unexpected_count"), list(res.get("partial_unexpected_list") or []))
        )
    return SuiteResult(suite_name, len(df), outcomes)
