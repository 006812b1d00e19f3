"""Bad Smart Parking records (sessions, lots), made from real ones; plates are
pseudonymized before landing, as the connector does."""

from __future__ import annotations

from connectors.common.personal import Pseudonymizer
from connectors.smart_parking.ingest import pseudonymize
from tests.connectors.bad_input import DROP, Case, Landing, changed

PSEUDO = Pseudonymizer("corpus-key-0123456789abcdef")
LANDINGS = {
    "sessions": Landing("session_id", "updated_at", lambda r: pseudonymize(r, PSEUDO)),
    "lots": Landing("lot_id", None),
}


def cases(running) -> list[Case]:
    data = running.stand_ins["smart_parking"].data
    clock = running.config.clock.now()
    session = next(iter(data.truth("sessions", clock).values()))
    lot = next(iter(data.truth("lots", clock).values()))

    def s(n: int, name: str, changes: dict, reason, field_name) -> Case:
        record = changed(session, {"session_id": f"CORPUS-SP-{n}", **changes})
        return Case(name, "smart_parking", "sessions", [record], reason, field_name)

    return [
        s(1, "a negative fee", {"fee_fen": -100}, "out_of_range", "fee_fen"),
        s(2, "a fee in words", {"fee_fen": "free"}, "wrong_type", "fee_fen"),
        s(3, "hour 25", {"entry_time": "2026-10-02 25:61:00"}, "impossible_date", "entry_time"),
        s(4, "no lot", {"lot_id": DROP}, "missing_required_field", "lot_id"),
        Case(
            "a negative berth count",
            "smart_parking",
            "lots",
            [changed(lot, {"lot_id": "CORPUS-SP-5", "berth_count": -5})],
            "out_of_range",
            "berth_count",
        ),
        Case(
            "a lot at latitude NaN",
            "smart_parking",
            "lots",
            [changed(lot, {"lot_id": "CORPUS-SP-6", "latitude": "NaN"})],
            "out_of_range",
            "latitude",
        ),
    ]
