"""The expectation suites of every landed entity, on what the tiny pipeline landed.

The stand-ins serve a few defective records on purpose (sandbox.defects): those are
warnings, and only entities that were served some have any; no real landing blocks. A
defect in one record warns; the same defect in most records of a landing blocks it.
"""

from __future__ import annotations

import glob
from collections import Counter

import numpy as np
import pandas as pd
import pytest

from quality.gx import validate
from quality.suites import SUITES
from quality.suites.smart_city import SERVICE_REQUESTS
from quality.suites.smart_parking import SESSIONS


def _files(settings, source: str, entity: str) -> list[str]:
    return sorted(glob.glob(f"{settings.lake_dir}/raw/{source}/{entity}/*/*.parquet"))


@pytest.fixture(scope="module")
def lake(tiny_warehouse):
    settings, _ = tiny_warehouse
    return settings


@pytest.mark.parametrize("key", sorted(SUITES), ids=lambda k: ".".join(k))
def test_every_landing_passes_its_blocking_checks_and_warns_only_of_served_defects(lake, tiny_sandbox, key):
    # entities the stand-ins served records with a defect in (quarantined, or an unmapped code)
    defective = {(d.source, d.entity) for d in tiny_sandbox.defects()}
    suite = SUITES[key]
    files = _files(lake, *key)
    if key != ("civil_affairs", "payments"):
        assert files, key
    result = suite.validate(files)
    assert result.blocking_ok, {k: v for k, v in result.summary().items() if not v["success"]}
    assert bool(result.warnings) == (key in defective), [w.check.name for w in result.warnings]


def test_service_request_warnings_count_exactly_the_served_defects(lake, tiny_sandbox):
    df = SERVICE_REQUESTS.frame(_files(lake, "smart_city", "service_requests"))
    result = validate(SERVICE_REQUESTS.name, df, SERVICE_REQUESTS.all_checks())
    kinds = {d.record_id: d.kind for d in tiny_sandbox.defects() if d.source == "smart_city"}
    rows = Counter(kinds[k] for k in df.record_key if k in kinds)
    assert set(rows) == {"outside_kaifeng", "unparseable_time", "missing_required_field"}
    unexpected = {w.check.name: w.unexpected_count for w in result.warnings}
    far = unexpected.pop("ExpectColumnValuesToBeBetween(long)", 0)
    far_lat = unexpected.pop("ExpectColumnValuesToBeBetween(lat)", 0)
    assert 1 <= far <= rows["outside_kaifeng"] and far_lat <= rows["outside_kaifeng"]
    assert unexpected == {
        "ExpectColumnValuesToMatchRegex(requested_datetime)": rows["unparseable_time"],
        "ExpectColumnValuesToNotBeNull(service_code)": rows["missing_required_field"],
    }


@pytest.fixture(scope="module")
def requests(lake, tiny_sandbox):
    """The landed Smart City requests without the served defects."""
    defective = {d.record_id for d in tiny_sandbox.defects() if d.source == "smart_city"}
    df = SERVICE_REQUESTS.frame(_files(lake, "smart_city", "service_requests"))
    return df[~df.record_key.isin(defective)].reset_index(drop=True)


def _check(df, suite=SERVICE_REQUESTS):
    result = validate(suite.name, df, suite.all_checks())
    return result, result.summary()


def test_missing_keys_block(requests):
    df = requests.copy()
    df.loc[df.index[:3], "record_key"] = None
    result, summary = _check(df)
    assert not result.blocking_ok
    assert summary["ExpectColumnValuesToNotBeNull(record_key)"]["unexpected"] == 3


def test_a_version_twice_in_one_load_blocks(requests):
    result, _ = _check(pd.concat([requests, requests.iloc[[0]]], ignore_index=True))
    assert not result.blocking_ok


def test_a_naive_cursor_time_blocks(requests):
    df = requests.copy()
    df.loc[df.index[0], "updated_datetime"] = "2026-10-02 08:00:00"
    result, summary = _check(df)
    assert not result.blocking_ok
    assert summary["ExpectColumnValuesToMatchRegex(updated_datetime)"]["unexpected"] == 1


def test_points_outside_kaifeng_warn_and_do_not_block(requests):
    df = requests.copy()
    df.loc[df.index[:2], "long"] = 116.4  # Beijing
    result, summary = _check(df)
    assert result.blocking_ok
    assert [w.check.name for w in result.warnings] == ["ExpectColumnValuesToBeBetween(long)"]
    assert summary["ExpectColumnValuesToBeBetween(long)"]["unexpected"] == 2


def test_a_record_updated_after_it_was_fetched_warns(requests):
    df = requests.copy()
    df.loc[df.index[0], "record_updated_instant"] = df.loc[df.index[0], "fetched_at"] + pd.Timedelta(hours=1)
    result, _ = _check(df)
    assert result.blocking_ok
    assert [w.check.name for w in result.warnings] == [
        "ExpectColumnPairValuesAToBeGreaterThanB(fetched_at,record_updated_instant)"
    ]


def test_unexpected_instants_are_kept_as_text_the_checks_metadata_can_carry():
    import json

    from quality.gx import Check, plain
    from quality.gx import expectations as gxe

    df = pd.DataFrame({"at": pd.to_datetime(["2026-10-01 08:00", "2031-01-01 00:00"]).as_unit("us")})
    check = Check(
        gxe.ExpectColumnValuesToBeBetween(column="at", max_value=pd.Timestamp("2027-01-01")),
        "warning",
        "not in the future",
    )
    result = validate("instants", df, [check])
    assert not result.outcomes[0].success
    assert json.loads(json.dumps(result.summary()))[check.name]["examples"] == ["2031-01-01T00:00:00"]
    assert plain([np.datetime64("NaT"), np.int64(3), {"a": np.float64(0.5)}]) == [None, 3, {"a": 0.5}]


def test_a_required_field_missing_in_one_record_warns_and_in_most_blocks(lake, tiny_sandbox):
    defective = {d.record_id for d in tiny_sandbox.defects() if d.source == "smart_parking"}
    df = SESSIONS.frame(_files(lake, "smart_parking", "sessions"))
    df = df[~df.record_key.isin(defective)].reset_index(drop=True)
    one = df.copy()
    one.loc[one.index[0], "entry_time"] = None
    result, _ = _check(one, SESSIONS)
    assert result.blocking_ok and [w.check.name for w in result.warnings] == [
        "ExpectColumnValuesToNotBeNull(entry_time)"
    ]
    most = df.copy()
    most["entry_time"] = None
    result, summary = _check(most, SESSIONS)
    assert not result.blocking_ok
    blocking = [k for k, v in summary.items() if v["severity"] == "blocking" and not v["success"]]
    assert blocking == ["ExpectColumnValuesToNotBeNull(entry_time, mostly=0.5)"]


def test_an_empty_load_passes():
    for suite in SUITES.values():
        result = suite.validate([])
        assert result.blocking_ok and result.rows == 0, suite.name


def test_kept_validations_get_data_docs_pages_and_old_ones_are_pruned(tmp_path):
    import os
    import time

    from quality.gx import prune

    suite = SUITES[("smart_city", "services")]
    first = suite.validate([], tmp_path, "run-1")
    second = suite.validate([], tmp_path, "run-2")
    pages = sorted((tmp_path / "data_docs" / "validations").rglob("*.html"))
    assert len(pages) == 2 and (tmp_path / "data_docs" / "index.html").is_file()
    assert first.docs_page != second.docs_page and second.docs_page.endswith(".html")
    old = time.time() - 30 * 86400
    for f in [*(tmp_path / "validations").rglob("*run-1*/**/*.json"), *pages[:1]]:
        os.utime(f, (old, old))
    assert prune(tmp_path) == 2
    assert len(list((tmp_path / "validations").rglob("*.json"))) == 1


def _validate_in_a_loop(args):
    """One process's share of parallel landings: validations of its entities, kept in one docs folder."""
    docs_dir, keys, rounds = args
    failures = []
    for n in range(rounds):
        for key in keys:
            try:
                result = SUITES[key].validate([], docs_dir, f"run-{key[1]}-{n}")
                if not (result.blocking_ok and result.docs_page):
                    failures.append((key, n, "no page"))
            except Exception as exc:  # noqa: BLE001 (any failure is what this test counts)
                failures.append((key, n, repr(exc)))
    return failures


def test_parallel_validations_share_the_data_docs_site_without_failing(tmp_path):
    import multiprocessing

    keys = sorted(SUITES)[:9]
    shares = [(tmp_path, keys[i::3], 2) for i in range(3)]  # three processes, three entities each, two rounds
    with multiprocessing.get_context("spawn").Pool(3) as pool:
        failures = [f for share in pool.map(_validate_in_a_loop, shares) for f in share]
    assert failures == []
    pages = list((tmp_path / "data_docs" / "validations").rglob("*.html"))
    assert len(pages) == 2 * len(keys) and (tmp_path / "data_docs" / "index.html").is_file()


def test_a_report_that_cannot_be_written_does_not_fail_the_validation(tmp_path):
    blocked = tmp_path / "docs"
    blocked.write_text("a file where the docs folder should be")
    suite = SUITES[("smart_city", "services")]
    result = suite.validate([], blocked, "run-1")
    assert result.blocking_ok and result.docs_page is None
    assert [o.success for o in result.outcomes] == [o.success for o in suite.validate([]).outcomes]
