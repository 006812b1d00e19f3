"""Stand-in for __Title__: ``GET /api/v1/records`` as connectors/__source__/client.py reads it.

Records are drawn from the world (seeded): ``RECORDS_PER_DAY`` a day of the window, spread
over the day, each in a grid of the world. A record updated after the clock is not
served yet. Every call needs the API key (``X-API-Key``).
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, time, timedelta

from sandbox.clock import SHANGHAI, Clock
from sandbox.http import App, Request, Response

RECORDS_PER_DAY = 12
CATEGORIES = ("inspection", "complaint", "repair")


def _error(status: int, description: str) -> Response:
    return Response(status, {"error": description})


class __Source__StandIn:
    def __init__(self, world, start: date, end: date, clock: Clock, api_key: str | None = None) -> None:
        self.clock = clock
        self.api_key = api_key or secrets.token_urlsafe(24)
        self.records = []
        day = start
        while day < end:
            rng = world.rng("__source__", "records", day.isoformat())
            for i in range(RECORDS_PER_DAY):
                slot = 86400 // RECORDS_PER_DAY  # spread over the day: one in each slot
                at = datetime.combine(day, time(0), SHANGHAI) + timedelta(seconds=i * slot + rng.randrange(slot))
                self.records.append(
                    {
                        "id": f"{day:%Y%m%d}-{i:04d}",
                        "updated_at": at.isoformat(),
                        "grid_code": rng.choice(world.grids).code,
                        "category": rng.choice(CATEGORIES),
                        "title": f"record {i} of {day}",
                    }
                )
            day += timedelta(days=1)
        self.records.sort(key=lambda r: (r["updated_at"], r["id"]))
        self.app = App("__source__")
        self.app.route("GET", "/api/v1/records")(self.serve_records)

    def settings(self, url: str) -> dict[str, str]:
        """The GOVHUB___SOURCE___* settings that point the connector at this stand-in."""
        return {"GOVHUB___SOURCE___URL": url, "GOVHUB___SOURCE___API_KEY": self.api_key}

    def truth(self, lo: datetime, hi: datetime) -> set[str]:
        """The ids of the records updated in [lo, hi) and visible at the clock."""
        now = self.clock.now()
        return {r["id"] for r in self.records if lo <= datetime.fromisoformat(r["updated_at"]) < min(hi, now)}

    def serve_records(self, req: Request) -> Response:
        if req.headers.get("x-api-key") != self.api_key:
            return _error(401, "invalid or missing api key")
        try:
            page, size = int(req.query.get("page", "1")), int(req.query.get("page_size", "100"))
            lo = datetime.fromisoformat(req.query.get("updated_after", "1970-01-01T00:00:00+00:00"))
            hi = datetime.fromisoformat(req.query.get("updated_before", "2999-01-01T00:00:00+00:00"))
        except ValueError as exc:
            return _error(400, str(exc))
        if page < 1 or not 1 <= size <= 1000 or lo.tzinfo is None or hi.tzinfo is None:
            return _error(400, "page >= 1, page_size 1..1000, times with a zone")
        now = self.clock.now()
        rows = [r for r in self.records if lo <= datetime.fromisoformat(r["updated_at"]) < min(hi, now)]
        return Response(200, rows[(page - 1) * size : page * size])


def stand_in(world, start: date, end: date, clock: Clock) -> __Source__StandIn:
    return __Source__StandIn(world, start, end, clock)
