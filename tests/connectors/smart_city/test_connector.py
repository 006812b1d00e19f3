"""Smart City connector against the Open311 stand-in: settings, paging, resume, reruns."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta

import duckdb
import pytest

from connectors.common.errors import ConfigError, HttpStatusError, SourceError
from connectors.common.lake import Lake
from connectors.smart_city import SmartCitySettings, ingest_reference, ingest_service_requests
from connectors.smart_city.client import Open311Client
from sandbox.clock import SHANGHAI
from tests.conftest import TINY_END, TINY_START


def _landed(lake: Lake, entity: str = "service_requests"):
    return duckdb.sql(
        f"select load_id, record_key, record_updated_at, lake_partition "
        f"from read_parquet('{lake.glob('smart_city', entity)}', hive_partitioning = true, "
        "hive_types_autocast = false)"
    ).fetchall()


def _truth(sandbox, lo: datetime, hi: datetime) -> set[tuple[str, str]]:
    """(id, updated_datetime) of every record the stand-in serves for [lo, hi)."""
    sc = sandbox.stand_ins["smart_city"]
    now = sc.clock.now()
    return {(e.request_id, e.transitions[vi].at.isoformat()) for e, vi in sc.events.updated_between(lo, hi, now)}


# --- settings --------------------------------------------------------------------------
def test_missing_url_fails_naming_the_variable():
    with pytest.raises(ConfigError, match="GOVHUB_SMART_CITY_URL"):
        SmartCitySettings.from_env({"GOVHUB_SMART_CITY_API_KEY": "k"})


def test_malformed_url_fails_naming_the_variable():
    with pytest.raises(ConfigError, match="GOVHUB_SMART_CITY_URL"):
        SmartCitySettings.from_env({"GOVHUB_SMART_CITY_URL": "ftp:/nowhere", "GOVHUB_SMART_CITY_API_KEY": "k"})


def test_missing_secret_fails_naming_the_variable_without_echoing_values():
    with pytest.raises(ConfigError, match="GOVHUB_SMART_CITY_API_KEY"):
        SmartCitySettings.from_env({"GOVHUB_SMART_CITY_URL": "http://127.0.0.1:1"})


def test_page_size_out_of_range_fails_naming_the_variable():
    env = {"GOVHUB_SMART_CITY_URL": "http://x", "GOVHUB_SMART_CITY_API_KEY": "k", "GOVHUB_SMART_CITY_PAGE_SIZE": "5000"}
    with pytest.raises(ConfigError, match="GOVHUB_SMART_CITY_PAGE_SIZE"):
        SmartCitySettings.from_env(env)


def test_settings_repr_hides_the_key():
    s = SmartCitySettings.from_env(
        {
            "GOVHUB_SMART_CITY_URL": "http://x",
            "GOVHUB_SMART_CITY_API_KEY": "s3cret",
            "GOVHUB_PSEUDONYM_KEY": "pseudonym-s3cret-key",
        }
    )
    assert "s3cret" not in repr(s)


# --- protocol --------------------------------------------------------------------------
def test_wrong_api_key_is_refused(smart_city_env):
    client = Open311Client(smart_city_env["GOVHUB_SMART_CITY_URL"], "wrong-key")
    with pytest.raises(SourceError, match="401") as err:
        client.check_connection()
    assert "wrong-key" not in str(err.value)


def test_discovery_states_gcj02(smart_city_env):
    assert SmartCitySettings.from_env().client().coordinate_system() == "GCJ-02"


def test_paging_small_pages_returns_every_record_once(smart_city_env, tiny_sandbox):
    client = Open311Client(
        smart_city_env["GOVHUB_SMART_CITY_URL"], smart_city_env["GOVHUB_SMART_CITY_API_KEY"], page_size=7
    )
    lo = datetime.combine(TINY_START, time(0), SHANGHAI)
    hi = datetime.combine(TINY_END, time(0), SHANGHAI)
    got = [
        (i["service_request_id"], datetime.fromisoformat(i["updated_datetime"]).isoformat())
        for page in client.request_pages(lo, hi)
        for i in page.items
    ]
    assert len(got) == len(set(got))
    assert set(got) == _truth(tiny_sandbox, lo, hi)
    assert len(got) > 7 * 3  # really paged


class _ScriptedClient(Open311Client):
    """An Open311 client whose server is a list in memory. `ordered`: it declares (and keeps)
    the update order and pages, as the platform does; else it answers in `order` ("id",
    "reverse"), pages or not (`pages`), at most `cap` records an answer; `selects`: whether it
    honours updated_after / updated_before."""

    def __init__(
        self,
        records: list[dict],
        page_size: int,
        ordered: bool = True,
        order: str = "id",
        pages: bool = True,
        cap: int = 1000,
        selects: bool = True,
    ) -> None:
        super().__init__("http://scripted", "k", page_size=page_size)
        self.records, self.ordered, self.order, self.pages, self.cap, self.selects = (
            records,
            ordered,
            order,
            pages,
            cap,
            selects,
        )
        self.calls = 0

    def discovery(self) -> dict:
        if not self.ordered:
            raise HttpStatusError("no discovery document", 404)
        return {"extensions": {"order": "updated_datetime", "paging": ["page", "page_size"], "lists": []}}

    def _get(self, path, what, params=None):
        self.calls += 1
        lo = datetime.fromisoformat(params["updated_after"])
        hi = datetime.fromisoformat(params["updated_before"])
        rows = [r for r in self.records if not self.selects or lo <= datetime.fromisoformat(r["updated_datetime"]) < hi]
        if self.ordered:
            rows.sort(key=lambda r: (r["updated_datetime"], r["service_request_id"]))
        else:
            rows.sort(key=lambda r: r["service_request_id"], reverse=self.order == "reverse")
        size = min(params["page_size"], self.cap) if self.pages else self.cap
        page = params.get("page", 1) if self.pages else 1
        return rows[(page - 1) * size : page * size]


def _records(base: datetime, at_once: int, spread: int) -> list[dict]:
    """`at_once` requests updated at `base`, then `spread` more a second apart."""
    records = [{"service_request_id": f"A{i:02d}", "updated_datetime": base.isoformat()} for i in range(at_once)]
    return records + [
        {"service_request_id": f"B{i:03d}", "updated_datetime": (base + timedelta(seconds=i)).isoformat()}
        for i in range(1, spread + 1)
    ]


def _read(client: Open311Client, base: datetime) -> list[str]:
    return [r["service_request_id"] for p in client.request_pages(base, base + timedelta(hours=1)) for r in p.items]


def test_time_keyed_paging_steps_through_many_records_at_one_instant():
    base = datetime(2026, 10, 1, 9, 0, tzinfo=SHANGHAI)
    records = _records(base, 12, 8)
    got = _read(_ScriptedClient(records, page_size=5), base)
    assert sorted(got) == sorted(r["service_request_id"] for r in records)
    assert len(got) == len(set(got))


def test_a_server_breaking_its_declared_order_is_read_again_by_halves_each_record_once():
    base = datetime(2026, 10, 1, 9, 0, tzinfo=SHANGHAI)
    records = _records(base, 0, 30)
    client = _ScriptedClient(records, page_size=5)
    served = client._get
    client._get = lambda path, what, params=None: served(path, what, params)[::-1]  # newest first
    got = _read(client, base)
    assert sorted(got) == sorted(r["service_request_id"] for r in records) and len(got) == len(set(got))


@pytest.mark.parametrize("order", ["id", "reverse"])
@pytest.mark.parametrize("pages", [True, False])
def test_a_plain_server_in_its_own_order_paging_or_not_gives_every_record_once(order, pages):
    base = datetime(2026, 10, 1, 9, 0, tzinfo=SHANGHAI)
    records = _records(base, 3, 200)
    client = _ScriptedClient(records, page_size=10, ordered=False, order=order, pages=pages, cap=10)
    got = _read(client, base)
    assert sorted(got) == sorted(r["service_request_id"] for r in records) and len(got) == len(set(got))
    assert client.calls < 4 * len(records) / 10  # cut in halves, not read record by record


def test_more_records_in_one_second_than_an_answer_holds_pages_or_fails_clearly():
    base = datetime(2026, 10, 1, 9, 0, tzinfo=SHANGHAI)
    records = _records(base, 25, 5)
    paging = _ScriptedClient(records, page_size=10, ordered=False, pages=True, cap=10)
    assert sorted(_read(paging, base)) == sorted(r["service_request_id"] for r in records)
    capped = _ScriptedClient(records, page_size=10, ordered=False, pages=False, cap=10)
    with pytest.raises(SourceError, match="within one second .* does not page: set GOVHUB_SMART_CITY_PAGE_SIZE"):
        _read(capped, base)


def test_a_server_that_ignores_the_update_range_is_refused_clearly():
    base = datetime(2026, 10, 1, 9, 0, tzinfo=SHANGHAI)
    records = _records(base, 0, 5) + [
        {"service_request_id": "OLD", "updated_datetime": (base - timedelta(days=3)).isoformat()}
    ]
    client = _ScriptedClient(records, page_size=10, ordered=False, selects=False)
    with pytest.raises(SourceError, match="does not select by updated_after / updated_before"):
        _read(client, base)


# --- landing, resume, reruns -----------------------------------------------------------
def test_day_lands_exactly_the_records_updated_that_day(smart_city_env, tiny_sandbox, tmp_path):
    lake = Lake(tmp_path)
    client = SmartCitySettings.from_env().client()
    day = date(2026, 10, 2)
    r = ingest_service_requests(client, lake, day)
    lo = datetime.combine(day, time(0), SHANGHAI)
    rows = _landed(lake)
    assert r.records == len(rows) > 0
    assert {(k, datetime.fromisoformat(u).isoformat()) for _, k, u, _ in rows} == _truth(
        tiny_sandbox, lo, lo + timedelta(days=1)
    )
    assert {p for *_, p in rows} == {"2026-10-02"}
    assert (
        lake.read_state("smart_city", "service_requests")["partitions"]["2026-10-02"]
        == (lo + timedelta(days=1)).isoformat()
    )


def test_open_partition_resumes_from_its_cursor_minus_the_overlap(smart_city_env, tiny_sandbox, tmp_path):
    lake = Lake(tmp_path)
    client = SmartCitySettings.from_env().client()
    day = date(2026, 10, 3)
    midday = datetime.combine(day, time(12), SHANGHAI)
    first = ingest_service_requests(client, lake, day, now=midday)
    assert first.window[1] == midday.isoformat()
    second = ingest_service_requests(
        client, lake, day, now=datetime.combine(day, time(23, 59, 59), SHANGHAI), overlap=timedelta(minutes=30)
    )
    assert second.window[0] == (midday - timedelta(minutes=30)).isoformat()
    rows = _landed(lake)
    versions = {(k, datetime.fromisoformat(u).isoformat()) for _, k, u, _ in rows}
    lo = datetime.combine(day, time(0), SHANGHAI)
    assert versions == _truth(tiny_sandbox, lo, lo + timedelta(hours=23, minutes=59, seconds=59))
    assert second.records < len(versions)  # the second pull did not start over


def test_polling_an_open_day_lands_each_version_once(smart_city_env, tiny_sandbox, tmp_path):
    """The near-real-time path reads the open day again every few seconds, overlap included:
    what the overlap brings again is not landed again, and nothing is missed."""
    lake = Lake(tmp_path)
    client = SmartCitySettings.from_env().client()
    day = date(2026, 10, 3)
    lo = datetime.combine(day, time(0), SHANGHAI)
    polls = [datetime.combine(day, time(h, m), SHANGHAI) for h, m in ((9, 0), (9, 10), (9, 20), (15, 0), (23, 59))]
    results = [ingest_service_requests(client, lake, day, now=t, overlap=timedelta(hours=2)) for t in polls]
    rows = _landed(lake)
    versions = [(k, datetime.fromisoformat(u).isoformat()) for _, k, u, _ in rows]
    assert len(versions) == len(set(versions))  # every version landed once
    assert set(versions) == _truth(tiny_sandbox, lo, polls[-1])
    assert sum(r.records for r in results) == len(rows)


def test_rerun_adds_a_load_but_no_new_record_version(smart_city_env, tmp_path):
    lake = Lake(tmp_path)
    client = SmartCitySettings.from_env().client()
    day = date(2026, 10, 4)
    a = ingest_service_requests(client, lake, day)
    b = ingest_service_requests(client, lake, day)
    rows = _landed(lake)
    assert a.load_id != b.load_id and a.records == b.records > 0
    assert len(rows) == 2 * a.records
    assert len({(k, u) for _, k, u, _ in rows}) == a.records


def test_reference_lists_land_whole(smart_city_env, tiny_sandbox, tmp_path):
    lake = Lake(tmp_path)
    settings = SmartCitySettings.from_env()
    client, pseudo = settings.client(), settings.pseudonymizer
    world = tiny_sandbox.stand_ins["smart_city"].world
    assert ingest_reference(client, lake, "grids", pseudo).records == len(world.grids)
    assert ingest_reference(client, lake, "staff", pseudo).records == len(world.staff)
    assert ingest_reference(client, lake, "services", pseudo).records == 314
    # staff are landed with their names and phones as pseudonyms and masks only
    staff = [
        json.loads(p)
        for (p,) in duckdb.sql(f"select payload from read_parquet('{lake.glob('smart_city', 'staff')}')").fetchall()
    ]
    assert staff and all("name" not in s and "phone" not in s for s in staff)
    by_id = {p.staff_id: p for p in world.staff}
    assert all(
        s["name_masked"] == by_id[s["staff_id"]].name[0] + "*" * (len(by_id[s["staff_id"]].name) - 1) for s in staff
    )
    keys = [k for _, k, _, _ in _landed(lake, "grids")]
    assert sorted(keys) == sorted(g.code for g in world.grids)
