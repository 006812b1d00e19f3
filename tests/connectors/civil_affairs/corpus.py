"""Bad civil-affairs rows (recipients, payments, visits), made from real ones of the
register; names, ID numbers and phones become pseudonyms and their checks before landing,
as the connector does."""

from __future__ import annotations

from connectors.civil_affairs.ingest import PERSONAL, _jsonable
from connectors.common.personal import Pseudonymizer, protect
from tests.connectors.bad_input import Case, Landing, changed

PSEUDO = Pseudonymizer("corpus-key-0123456789abcdef")


def _prepare(row: dict) -> dict:
    return protect({k: _jsonable(v) for k, v in row.items()}, PSEUDO, PERSONAL)


LANDINGS = {
    "recipients": Landing("dx_id", "update_time", _prepare),
    "payments": Landing("ff_id", "update_time", _prepare),
    "visits": Landing("zf_id", "update_time", _prepare),
}


def cases(running) -> list[Case]:
    rows = running.stand_ins["civil_affairs"].rows
    recipient = rows["recipients"][0]
    payment = rows["payments"][0] if rows["payments"] else None
    visit = rows["visits"][0]
    good_id = recipient["sfzh"]
    wrong_digit = good_id[:17] + ("0" if good_id[17] != "0" else "1")

    def r(n: int, name: str, changes: dict, reason, field_name) -> Case:
        record = changed(recipient, {"dx_id": f"CORPUS-CA-{n}", **changes})
        return Case(name, "civil_affairs", "recipients", [record], reason, field_name)

    out = [
        r(1, "an ID number with a wrong check digit", {"sfzh": wrong_digit}, "invalid_id_check_digit", "sfzh"),
        r(2, "an ID number of five digits", {"sfzh": "12345"}, "malformed_id_number", "sfzh"),
        r(3, "an assistance category outside the five", {"jzlb": "XX"}, "unknown_code", "jzlb"),
        Case(
            "a visit on 30 February",
            "civil_affairs",
            "visits",
            [changed(visit, {"zf_id": "CORPUS-CA-4", "zfsj": "2026-02-30 10:00:00"})],
            "impossible_date",
            "zfsj",
        ),
    ]
    if payment:
        out.append(
            Case(
                "a payment of less than nothing",
                "civil_affairs",
                "payments",
                [changed(payment, {"ff_id": "CORPUS-CA-5", "ffje_fen": -1})],
                "out_of_range",
                "ffje_fen",
            )
        )
    return out
