"""Bad Sharp Eyes records (Artemis alarms, handling records, cameras), made from real ones."""

from __future__ import annotations

from tests.connectors.bad_input import DROP, Case, Landing, changed

LANDINGS = {
    "events": Landing("id", None),
    "handling_records": Landing("eventId", None),
    "cameras": Landing("cameraIndexCode", None),
}


def cases(running) -> list[Case]:
    from tests.connectors.acceptance import END, START, at

    stand_in = running.stand_ins["sharp_eyes"]
    now = running.config.clock.now()
    alarm = next(a for a in stand_in.alarms.alarms if not a.defect and a.pushed_at)
    event = stand_in._event(alarm, now)  # the record as the platform serves it
    handling = stand_in._handling_rows(at(START, 0), at(END, 0), now)[0]
    camera = stand_in.cameras({"pageNo": 1, "pageSize": 1}, "/artemis/api/resource/v1/cameras").body["data"]["list"][0]

    def ev(n: int, name: str, changes: dict, reason, field_name) -> Case:
        return Case(
            name, "sharp_eyes", "events", [changed(event, {"id": f"CORPUS-SE-{n}", **changes})], reason, field_name
        )

    return [
        ev(1, "an alarm level outside 1-3", {"eventLevel": 9}, "unknown_code", "eventLevel"),
        ev(2, "an event type that is no number", {"eventType": "fire"}, "wrong_type", "eventType"),
        ev(3, "month 13", {"startTime": "2026-13-01T08:00:00.000+08:00"}, "impossible_date", "startTime"),
        ev(4, "no start time", {"startTime": DROP}, "missing_required_field", "startTime"),
        ev(
            5,
            "no camera",
            {"eventLogSrcList.resIndexCode": DROP},
            "missing_required_field",
            "eventLogSrcList.resIndexCode",
        ),
        Case(
            "a handling result the platform does not have",
            "sharp_eyes",
            "handling_records",
            [changed(handling, {"eventId": "CORPUS-SE-6", "handleResult": "escalated"})],
            "unknown_code",
            "handleResult",
        ),
        Case(
            "a camera in Shanghai",
            "sharp_eyes",
            "cameras",
            [changed(camera, {"cameraIndexCode": "CORPUS-SE-7", "longitude": "121.473700", "latitude": "31.230400"})],
            "outside_kaifeng",
            "longitude,latitude",
        ),
        Case(
            "a camera at longitude -Infinity",
            "sharp_eyes",
            "cameras",
            [changed(camera, {"cameraIndexCode": "CORPUS-SE-8", "longitude": "-Infinity"})],
            "out_of_range",
            "longitude",
        ),
    ]
