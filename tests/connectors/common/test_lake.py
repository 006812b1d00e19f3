"""The raw lake's cursor state: how far a source has been read."""

from __future__ import annotations

from datetime import datetime

from connectors.common.lake import Lake
from sandbox.clock import SHANGHAI


def test_read_through_follows_the_cursors_not_the_data(tmp_path):
    lake = Lake(tmp_path)
    assert lake.read_through("smart_city", "service_requests") is None
    # read by day: the latest day cursor, also for a last day that brought no record
    lake.write_state(
        "civil_affairs",
        "visits",
        {"partitions": {"2026-11-30": "2026-12-01T00:00:00+08:00", "2026-11-29": "2026-11-30T00:00:00+08:00"}},
    )
    assert lake.read_through("civil_affairs", "visits") == datetime(2026, 12, 1, tzinfo=SHANGHAI)
    assert not lake.entity_dir("civil_affairs", "visits").exists()
    # read in windows: the end of the last window read
    lake.write_state("sharp_eyes", "events", {"fetched_until": "2026-11-15T08:30:00+08:00"})
    assert lake.read_through("sharp_eyes", "events") == datetime(2026, 11, 15, 8, 30, tzinfo=SHANGHAI)


def test_payload_text_is_the_compact_unescaped_json_of_the_record():
    import json

    from sqlalchemy.sql.elements import quoted_name

    from connectors.common.lake import payload_text

    records = [
        {"id": 1, "名称": "开封市龙亭区", "nested": {"a": [1, 2.5, None, True]}, "s": 'quote " and \\ and \n'},
        {quoted_name("update_time", None): "2026-10-01T08:00:00+08:00", "emoji": "😀", "empty": {}},
        {"z": 1, "a": 2},  # the source's key order is kept
    ]
    for r in records:
        text = payload_text(r)
        assert text == json.dumps(r, ensure_ascii=False, separators=(",", ":"))
        assert json.loads(text) == r
