"""The landing checks as the UI shows them: a few bad records are the known share the
warehouse quarantines (the warnings pass and say so); a real problem turns them red."""

from __future__ import annotations

import pandas as pd
import pytest
from dagster import AssetKey

from orchestration.quality import _landing_results
from quality.gx import KNOWN_ROWS, KNOWN_SHARE, validate, within_known_share
from quality.landing import between

KEY = AssetKey(["src", "raw", "events"])


def _warnings(bad: int, rows: int = 1000):
    fee = [-1] * bad + [100] * (rows - bad)
    result = validate("src.events", pd.DataFrame({"fee": fee}), [between("fee", 0, None, "fees are not negative")])
    blocking, warnings = _landing_results(KEY, result, 0.1, "", [])
    assert blocking.passed  # nothing here blocks
    return warnings


def test_the_known_share_is_a_share_of_the_landing_or_a_few_records_of_a_small_one():
    assert within_known_share(0, 0) and within_known_share(KNOWN_ROWS, 3)
    assert within_known_share(int(KNOWN_SHARE * 10_000), 10_000)
    assert not within_known_share(int(KNOWN_SHARE * 10_000) + 1, 10_000)
    assert not within_known_share(KNOWN_ROWS + 1, 100)


@pytest.mark.parametrize("bad", [1, 20])
def test_a_few_bad_records_pass_as_the_known_share_and_are_reported(bad):
    warnings = _warnings(bad)
    assert warnings.passed
    name = next(iter(warnings.metadata["failed_expectations"].value))
    assert warnings.metadata["known_share"].value == {name: bad}
    assert warnings.metadata["beyond_known_share"].value == {}


def test_a_real_problem_turns_the_warnings_red():
    warnings = _warnings(150)  # 15% of a landing broke the same expectation
    assert not warnings.passed
    assert list(warnings.metadata["beyond_known_share"].value.values()) == [150]
    assert warnings.metadata["known_share"].value == {}


def test_a_new_field_turns_the_warnings_red_however_clean_the_records():
    result = validate("src.events", pd.DataFrame({"fee": [1, 2]}), [between("fee", 0, None, "fees")])
    _, warnings = _landing_results(KEY, result, 0.1, "", ["surprise"])
    assert not warnings.passed and warnings.metadata["new_fields"].value == ["surprise"]
