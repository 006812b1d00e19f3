"""Building a lake step by step for the incremental-equivalence tests: the tiny world landed
day by day through the connectors, and the records that make incremental builds hard landed
as the sources would send them (late corrections, soft deletes, changed reference lists).

Each edit lands a new load in the lake (committed, as a connector's would be), built from
records already landed: a new version of a record is its latest payload changed as the
source would change it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb

from connectors.common.contract import Window
from connectors.common.lake import Lake, RawRecord, new_load_id, payload_text
from connectors.registry import SOURCES

REGISTER_START = date(2024, 1, 1)  # the civil-affairs register's history is read from here


def land_days(lake: Lake, first: date, last: date, register_from: date | None = None) -> None:
    """Every source for days [first, last] through the connectors (settings from the
    environment); a source read by month (the register) from `register_from` when given
    (its history)."""
    for c in SOURCES.values():
        since = register_from if c.by_month() and register_from else first
        with c.from_env() as source:
            for _ in source.land(lake, Window(since, last)):
                pass


def latest_payloads(
    lake: Lake, source: str, entity: str, where: str = "true", latest: str = "true", order_by: str = "record_key"
) -> list[dict]:
    """The latest landed payload of each record of an entity, in `order_by` order: `where`
    filters the landed versions before the latest is chosen, `latest` the latest versions
    (both SQL over record_key, record_updated_at, lake_partition and the payload)."""
    rows = duckdb.execute(
        f"""
        select payload from (
            select * from read_parquet('{lake.glob(source, entity)}')
            where record_key is not null and ({where})
            qualify row_number() over (partition by record_key order by fetched_at desc, load_id desc) = 1
        )
        where {latest}
        order by {order_by}
        """
    ).fetchall()
    return [json.loads(p) for (p,) in rows]


def land(
    lake: Lake,
    source: str,
    entity: str,
    partition: str,
    payloads: list[dict],
    key: Callable[[dict], str | None],
    updated: Callable[[dict], str | None] = lambda _: None,
    cursor: dict | None = None,
) -> str:
    """Land records as one new load; its id."""
    load_id = new_load_id()
    text = json.dumps(cursor or {"edit": "test"}, ensure_ascii=False, sort_keys=True)
    records = [RawRecord(key(p), updated(p), payload_text(p), text) for p in payloads]
    lake.land(source, entity, partition, load_id, records, datetime.now(UTC))
    return load_id


def _local(day: date, hour: int) -> str:
    return f"{day.isoformat()}T{hour:02d}:00:00+08:00"


def smart_city_late_update(lake: Lake, on: date) -> str:
    """A Smart City event still open as last landed, of the earliest day that has one (the
    first day of a short window), changed on `on`: it is closed now, a transition appended
    to its lifecycle. Lands in the partition of its new update day."""
    (event,) = latest_payloads(
        lake,
        "smart_city",
        "service_requests",
        latest="json_extract_string(payload, '$.status') = 'open'",
        order_by="lake_partition, record_key",
    )[:1]
    updated = _local(on, 9)
    event["status"] = "closed"
    event["updated_datetime"] = updated
    lifecycle = event.setdefault("extended_attributes", {}).setdefault("lifecycle", [])
    seq = max((t.get("seq", 0) for t in lifecycle), default=0) + 1
    lifecycle.append(
        {"seq": seq, "state": "closed", "state_name": "结案", "at": updated, "actor_type": "platform", "actor_id": None}
    )
    return _land_service_request(lake, on, event)


def _land_service_request(lake: Lake, on: date, event: dict) -> str:
    return land(
        lake,
        "smart_city",
        "service_requests",
        on.isoformat(),
        [event],
        key=lambda p: p["service_request_id"],
        updated=lambda p: p["updated_datetime"],
    )


def civil_affairs_late_updates(lake: Lake, on: date) -> list[str]:
    """The register changed on `on`: a household registered years ago moves to another grid,
    the application and a home visit are withdrawn (soft deleted)."""
    stamp = f"{on.isoformat()} 10:00:00"
    loads = []
    households = latest_payloads(lake, "civil_affairs", "households", "record_updated_at < '2025-01-01'")
    grids = sorted({h["wg_bm"] for h in latest_payloads(lake, "civil_affairs", "households")})
    household = households[0]
    household["wg_bm"] = next(g for g in grids if g != household["wg_bm"])
    household["update_time"] = stamp
    loads.append(
        land(
            lake,
            "civil_affairs",
            "households",
            on.isoformat(),
            [household],
            key=lambda p: p["jt_id"],
            updated=lambda p: p["update_time"],
        )
    )
    withdrawn = []
    for entity, key_field in (("applications", "sq_id"), ("visits", "zf_id")):
        (row,) = latest_payloads(lake, "civil_affairs", entity)[:1]
        row["is_deleted"] = 1
        row["update_time"] = stamp
        withdrawn.append(row)
        loads.append(
            land(
                lake,
                "civil_affairs",
                entity,
                on.isoformat(),
                [row],
                key=lambda p, k=key_field: p[k],
                updated=lambda p: p["update_time"],
            )
        )
    return loads


def petition_correction(lake: Lake, file_day: date) -> str:
    """A later export corrects a case without a review (its dates stay in order): replied and
    closed the day before, evaluated."""
    case = next(c for c in latest_payloads(lake, "petitions", "cases") if not c.get("复查申请日期"))
    case["答复日期"] = (file_day - timedelta(days=1)).isoformat()
    case["办结日期"] = (file_day - timedelta(days=1)).isoformat()
    case["满意度评价"] = "不满意" if case.get("满意度评价") != "不满意" else "满意"
    name = f"信访件_{file_day:%Y%m%d}.csv"
    return land(
        lake,
        "petitions",
        "cases",
        file_day.isoformat(),
        [case],
        key=lambda p: p["信访件编号"] or None,
        updated=lambda _: f"{file_day:%Y%m%d}#000000",
        cursor={"file": name, "sha256": "0" * 64},
    )


def smart_city_bad_record(lake: Lake, on: date) -> str:
    """A record the warehouse must quarantine: an event with a status outside the code set."""
    (event,) = latest_payloads(lake, "smart_city", "service_requests")[:1]
    event["service_request_id"] = event["service_request_id"] + "-X"
    event["status"] = "lost"
    event["updated_datetime"] = _local(on, 11)
    return _land_service_request(lake, on, event)


def corrupt_landing(lake: Lake, on: date) -> str:
    """A committed landing whose file is later damaged on disk (its second half overwritten):
    two new versions of Smart City events, in a file no reader can decode."""
    events = latest_payloads(lake, "smart_city", "service_requests")[1:3]
    for n, event in enumerate(events):
        event["service_request_id"] += f"-D{n}"
        event["updated_datetime"] = _local(on, 12)
    load_id = land(
        lake,
        "smart_city",
        "service_requests",
        on.isoformat(),
        events,
        key=lambda p: p["service_request_id"],
        updated=lambda p: p["updated_datetime"],
    )
    (path,) = lake.load_files("smart_city", "service_requests", [load_id])
    data = bytearray(Path(path).read_bytes())
    data[len(data) // 2 :] = b"\xff" * (len(data) - len(data) // 2)
    Path(path).write_bytes(bytes(data))
    return load_id


def reference_changes(lake: Lake, on: date) -> list[str]:
    """New snapshots of the grid and department lists: one grid redrawn from `on` (its east
    edge pushed out), one department renamed."""
    grids = latest_payloads(lake, "smart_city", "grids")
    grid = grids[0]
    ring = grid["geometry"]["coordinates"][0]
    east = max(v[0] for v in ring)
    grid["geometry"]["coordinates"][0] = [[x + 0.002 if x == east else x, y] for x, y in ring]
    grid["properties"]["valid_from"] = on.isoformat()
    departments = latest_payloads(lake, "smart_city", "departments")
    renamed = next(d for d in departments if d.get("level") == "county")
    renamed["department_name"] = renamed["department_name"] + "（更名）"
    return [
        land(lake, "smart_city", "grids", on.isoformat(), grids, key=lambda p: p["id"]),
        land(lake, "smart_city", "departments", on.isoformat(), departments, key=lambda p: p["department_code"]),
    ]
