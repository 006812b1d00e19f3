"""Volume anomalies: a day or a load against its own recent past, judged with GX.

The lakes here are written with the connectors' own `Lake.land`, so the counting reads the
same layout the connectors write.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from connectors.common.lake import Lake, RawRecord, new_load_id
from orchestration.quality import judged_days
from quality.volume import Volume, daily_volumes, load_volumes, validate_volume

DAY0 = date(2026, 10, 1)
FETCHED = datetime(2026, 11, 1, tzinfo=UTC)


def _land(lake: Lake, day: date, n: int, first: int = 0, entity: str = "events", load_id: str | None = None) -> str:
    load_id = load_id or new_load_id()
    records = [RawRecord(f"r{day:%m%d}-{i}", f"{day}T08:00:00+08:00", "{}", "page=1") for i in range(first, first + n)]
    lake.land("src", entity, day.isoformat(), load_id, records, FETCHED)
    return load_id


def _days(n: int, start: date = DAY0) -> list[date]:
    return [start + timedelta(days=i) for i in range(n)]


@pytest.fixture
def lake(tmp_path):
    return Lake(tmp_path)


def test_a_steady_source_passes_and_a_thin_day_is_named(lake, tmp_path):
    counts = [100, 104, 98, 101, 99, 97, 103, 100, 40, 100]
    for d, n in zip(_days(10), counts, strict=True):
        _land(lake, d, n)
    volume = Volume()
    frame = daily_volumes(lake.entity_dir("src", "events"), _days(10), volume)
    assert list(frame["records"]) == counts
    # the first days have too little history to be judged
    assert frame["ratio"].isna().tolist() == [True, True, True] + [False] * 7
    thin = frame.set_index("unit").loc["2026-10-09"]
    assert thin["trailing_median"] == 100 and thin["ratio"] == 0.4
    result = validate_volume("src.events", frame, volume, tmp_path / "quality", "run-1")
    outcome = result.outcomes[0]
    assert not outcome.success and outcome.unexpected_count == 1 and outcome.examples == [0.4]
    assert result.docs_page and result.suite == "src.events.volume"
    # the same source without the thin day passes
    steady = frame[frame["unit"] != "2026-10-09"]
    assert validate_volume("src.events", steady, volume).outcomes[0].success


def test_a_day_a_daily_source_sent_nothing_is_judged_as_zero(lake):
    for d in _days(8):
        if d != date(2026, 10, 7):  # nothing landed on the 7th: no folder at all
            _land(lake, d, 50)
    frame = daily_volumes(lake.entity_dir("src", "events"), _days(8), Volume()).set_index("unit")
    assert frame.loc["2026-10-07", "records"] == 0 and frame.loc["2026-10-07", "ratio"] == 0
    # the empty day does not drag the next day's history down: history is days with data
    assert frame.loc["2026-10-08", "trailing_median"] == 50 and frame.loc["2026-10-08", "ratio"] == 1


def test_a_doubled_day_is_named_but_a_rerun_does_not_double_it(lake):
    for d in _days(6):
        _land(lake, d, 100)
    rerun_day, doubled_day = date(2026, 10, 5), date(2026, 10, 6)
    _land(lake, rerun_day, 100)  # the same versions landed again (a rerun, an overlap)
    _land(lake, doubled_day, 150, first=100)  # 150 more distinct versions: 250 in all
    frame = daily_volumes(lake.entity_dir("src", "events"), _days(6), Volume()).set_index("unit")
    assert frame.loc["2026-10-05", "records"] == 100 and frame.loc["2026-10-05", "ratio"] == 1
    assert frame.loc["2026-10-06", "records"] == 250 and frame.loc["2026-10-06", "ratio"] == 2.5


def test_a_batch_source_is_judged_only_on_the_days_it_sent(lake):
    monthly = Volume(trailing=3, min_history=1, every_day=False, lookback_days=100)
    for month in (8, 9, 10):
        _land(lake, date(2026, month, 10), 1000)
    _land(lake, date(2026, 11, 10), 400)
    days = _days(30, date(2026, 10, 25))
    frame = daily_volumes(lake.entity_dir("src", "events"), days, monthly).set_index("unit")
    judged = frame[frame["ratio"].notna()]
    assert list(judged.index) == ["2026-11-10"]
    assert judged.loc["2026-11-10", "trailing_median"] == 1000 and judged.loc["2026-11-10", "ratio"] == 0.4


def test_whole_lists_are_judged_load_against_load(lake):
    snapshot = Volume(unit="load", low=0.8, high=1.25)
    loads = [
        _land(lake, DAY0, n, entity="lots", load_id=new_load_id(FETCHED + timedelta(days=i)))
        for i, n in enumerate([580, 581, 581, 582])
    ]
    shrunk = _land(lake, DAY0 + timedelta(days=4), 300, entity="lots", load_id=new_load_id(FETCHED + timedelta(days=4)))
    frame = load_volumes(lake.entity_dir("src", "lots"), [*loads, shrunk], snapshot).set_index("unit")
    assert list(frame["records"]) == [580, 581, 581, 582, 300]
    assert frame["ratio"].isna().sum() == 3  # the first three loads have too few before them
    assert frame.loc[loads[3], "ratio"] == round(582 / 581, 3)
    assert frame.loc[shrunk, "ratio"] == round(300 / 581, 3)
    assert not validate_volume("src.lots", frame.reset_index(), snapshot).outcomes[0].success


def test_a_run_judges_its_complete_days_or_else_yesterday():
    today = date(2026, 11, 25)
    assert judged_days(_days(3, date(2026, 11, 23)), today) == [date(2026, 11, 23), date(2026, 11, 24)]
    assert judged_days([today], today) == [date(2026, 11, 24)]
    month = _days(30, date(2026, 11, 1))  # the open month of a monthly partition
    assert judged_days(month, today) == _days(24, date(2026, 11, 1))


def test_counts_too_small_to_tell_a_change_from_chance_are_not_judged(lake):
    for d, n in zip(_days(6), [20, 22, 19, 21, 8, 20], strict=True):
        _land(lake, d, n)
    frame = daily_volumes(lake.entity_dir("src", "events"), _days(6), Volume())
    assert frame["ratio"].isna().all()
    frame = daily_volumes(lake.entity_dir("src", "events"), _days(6), Volume(min_median=10)).set_index("unit")
    assert frame.loc["2026-10-05", "ratio"] == round(8 / 20.5, 3)


def test_records_that_move_on_are_counted_by_the_day_they_were_made(lake):
    """A backfill reads every day at its end: a day's partition holds only the records whose
    last change was that day, so the last day holds those made on it and those made the day
    before that changed since. By the day they were made, every day is the same."""
    days = _days(10)
    load_id = new_load_id()
    for i, d in enumerate(days):
        made_today = [(f"r{d:%m%d}-{k}", d) for k in range(100)]
        # half of the day before's records moved on to today, where they are landed now
        moved = [(f"r{days[i - 1]:%m%d}-{k}", days[i - 1]) for k in range(50)] if i else []
        # the day's own records that move on tomorrow are not here (but on the last day)
        stays = made_today if d == days[-1] else made_today[50:]
        records = [
            RawRecord(key, f"{d}T20:00:00+08:00", f'{{"made": "{made} 08:00:00"}}', "page=1")
            for key, made in [*stays, *moved]
        ]
        lake.land("src", "events", d.isoformat(), load_id, records, FETCHED)
    by_version = daily_volumes(lake.entity_dir("src", "events"), days, Volume())
    assert by_version["ratio"].iloc[-1] == 1.5  # 150 versions against 100
    assert not validate_volume("src.events", by_version, Volume(high=1.4)).outcomes[0].success
    by_day_made = daily_volumes(lake.entity_dir("src", "events"), days, Volume(by="made"))
    assert by_day_made["records"].tolist() == [100] * 10
    assert set(by_day_made["ratio"].dropna()) == {1.0}
