"""Bad Smart City records (Open311 requests, reference lists), made from real ones."""

from __future__ import annotations

from connectors.common.personal import Pseudonymizer, protect
from connectors.smart_city.ingest import STAFF_PERSONAL
from tests.connectors.bad_input import DROP, Case, Landing, changed, sent_with_a_key_twice

PSEUDO = Pseudonymizer("corpus-key-0123456789abcdef")
LANDINGS = {
    "service_requests": Landing("service_request_id", "updated_datetime"),
    "services": Landing("service_code", None),
    "staff": Landing("staff_id", None, lambda r: protect(r, PSEUDO, STAFF_PERSONAL)),  # as the connector lands staff
}


def cases(running) -> list[Case]:
    stand_in = running.stand_ins["smart_city"]
    clock = running.config.clock.now()
    ev, vi = next(iter(stand_in.events.updated_between(*_window(running), clock)))
    request = stand_in.render(ev, vi)
    service = stand_in.services(None)[0]
    person = next(p for p in stand_in.staff(_page()) if p.get("role"))

    def req(n: int, name: str, changes: dict, reason, field_name=None, **kw) -> Case:
        record = changed(request, {"service_request_id": f"CORPUS-SC-{n}", **changes})
        return Case(name, "smart_city", "service_requests", [record], reason, field_name, **kw)

    twin = changed(request, {"service_request_id": "CORPUS-SC-9"})
    return [
        req(1, "no record key", {"service_request_id": DROP}, "missing_record_key", "service_request_id"),
        req(2, "no service code", {"service_code": DROP}, "missing_required_field", "service_code"),
        req(3, "latitude that is no number", {"lat": "north"}, "wrong_type", "lat"),
        req(4, "requested time in words", {"requested_datetime": "昨天下午"}, "unparseable_time", "requested_datetime"),
        req(
            5,
            "30 February",
            {"requested_datetime": "2026-02-30T10:00:00+08:00"},
            "impossible_date",
            "requested_datetime",
        ),
        req(6, "status outside open/closed", {"status": "pending"}, "unknown_code", "status"),
        req(7, "a point in Shanghai", {"lat": 31.2304, "long": 121.4737}, "outside_kaifeng", "lat,long"),
        req(11, "latitude NaN", {"lat": "NaN"}, "out_of_range", "lat"),
        req(12, "latitude Infinity", {"lat": "Infinity"}, "out_of_range", "lat"),
        req(13, "longitude 1e300", {"long": 1e300}, "out_of_range", "long"),
        req(
            14,
            "requested in 2100",
            {"requested_datetime": "2100-01-01T10:00:00+08:00"},
            "out_of_range",
            "requested_datetime",
        ),
        Case(
            "the same key and version again, with other content",
            "smart_city",
            "service_requests",
            [twin, changed(twin, {"description": "另一种说法"})],
            "conflicting_duplicate",
            "payload",
        ),
        Case(
            "latitude sent twice, with two values",
            "smart_city",
            "service_requests",
            [sent_with_a_key_twice(changed(request, {"service_request_id": "CORPUS-SC-15"}), "lat", 34.0)],
            "conflicting_keys",
            "payload",
        ),
        Case(
            "a grid code sent twice inside the extension, with two values",
            "smart_city",
            "service_requests",
            [
                sent_with_a_key_twice(
                    changed(request, {"service_request_id": "CORPUS-SC-16"}), "extended_attributes.grid_code", "410202"
                )
            ],
            "conflicting_keys",
            "payload",
        ),
        req(10, "a field never sent before", {"x_priority": "高"}, None, new_fields=["x_priority"]),
        Case(
            "a time limit of no hours",
            "smart_city",
            "services",
            [changed(service, {"service_code": "CORPUS-SV-1", "extended_attributes.time_limit_hours": 0})],
            "out_of_range",
            "time_limit_hours",
        ),
        Case(
            "a role the roster does not have",
            "smart_city",
            "staff",
            [changed(person, {"staff_id": "CORPUS-ST-1", "role": "volunteer_captain"})],
            "unknown_code",
            "role",
        ),
    ]


def _window(running):
    from tests.connectors.acceptance import END, START, at

    return at(START, 0), at(END, 0)


def _page():
    from sandbox.http import Request

    return Request("GET", "/open311/v2/ext/staff.json", {"page": "1", "page_size": "5"}, {})
