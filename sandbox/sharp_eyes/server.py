"""Stand-in for the Sharp Eyes platform: a Hikvision Artemis style API.

Every call is a POST with a JSON body under ``/artemis/api/...``, signed with AK/SK:
``X-Ca-Key``, ``X-Ca-Timestamp`` (ms), ``X-Ca-Nonce``, ``X-Ca-Signature-Headers`` and
``X-Ca-Signature`` = Base64(HMAC-SHA256(secret, string-to-sign)). The string to sign is
the method, then Accept, Content-MD5, Content-Type and Date (those present), then each
signed header as ``name:value`` sorted by name, then the path, separated by newlines. A bad
signature, a timestamp more than 15 minutes off, or a nonce seen before answers 401.

Answers use the Artemis envelope ``{"code": "0", "msg": "success", "data": ...}``; a
``code`` other than "0" is an error even under HTTP 200. Paged data is
``{"total", "pageNo", "pageSize", "list"}``, pageNo from 1, pageSize at most 1000.

- ``/artemis/api/resource/v1/cameras``: camera resources (WGS-84, as strings).
- ``/artemis/api/els/v1/events/search``: linkage events with ``startTime`` in
  [startTime, endTime) (ISO-8601 with +08:00, both required, at most 7 days apart).
- ``/artemis/api/els/v1/events/handle/search``: handling records of the alarms pushed to
  a grid worker, by push time, same window rules.
"""

from __future__ import annotations

import base64
import bisect
import hashlib
import hmac
import threading
import time
from datetime import date, datetime, timedelta

from sandbox.clock import SHANGHAI, Clock
from sandbox.defects import impossible_local_time
from sandbox.faults import FaultPlan, OffsetListings
from sandbox.http import App, Request, Response, ResponseCache
from sandbox.sharp_eyes.alarms import NEW_EVENT_TYPE, RULE_NAMES, Alarm, SharpEyesAlarms

MAX_PAGE_SIZE = 1000
# how the platform says it is too busy to answer now (HTTP 200)
BUSY = ("0x02401004", "系统繁忙，请稍后重试")
GATEWAYS = ("string_code", "number_code")
MAX_WINDOW = timedelta(days=7)
TIMESTAMP_TOLERANCE_MS = 15 * 60 * 1000
BAD_LEVEL = 7  # an eventLevel outside 1-3
SIGNED_REQUIRED = {"x-ca-key", "x-ca-timestamp", "x-ca-nonce"}


def artemis_time(t: datetime) -> str:
    """2026-10-01T08:30:00.000+08:00, as Artemis writes instants."""
    t = t.astimezone(SHANGHAI)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}+08:00"


def _parse_time(value, name: str) -> datetime:
    if not isinstance(value, str):
        raise ValueError(f"{name} is required")
    try:
        t = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{name} is not ISO-8601: {value!r}") from None
    if t.tzinfo is None:
        raise ValueError(f"{name} needs a zone offset: {value!r}")
    return t


def _envelope(data, code: str = "0", msg: str = "success", status: int = 200) -> Response:
    return Response(status, {"code": code, "msg": msg, "data": data})


class SharpEyesStandIn:
    def __init__(
        self,
        world,
        start: date,
        end: date,
        clock: Clock,
        app_key: str,
        app_secret: str,
        alarms: SharpEyesAlarms | None = None,
        faults: FaultPlan | None = None,
        cache: ResponseCache | None = None,
        gateway: str = "string_code",
    ) -> None:
        """`faults` (sandbox.faults): envelope errors, valid signatures refused, and lists
        that drift or repeat records while they are paged. `gateway`: how the envelope's
        `code` is written: "string_code" (``"0"``, ``"0x02401007"``) or, as some gateway
        versions answer, "number_code" (``0``, ``38801415``)."""
        if gateway not in GATEWAYS:
            raise ValueError(f"a Sharp Eyes gateway is one of {', '.join(GATEWAYS)}, not {gateway!r}")
        self.numeric_code = gateway == "number_code"
        self.world = world
        self.faults = faults or FaultPlan("sharp_eyes")
        self.cache = cache or ResponseCache()
        self._listings = OffsetListings(self.faults) if self.faults.active else None
        self.clock = clock
        self.app_key = app_key
        self._secret = app_secret.encode("utf-8")
        self.alarms = alarms or SharpEyesAlarms(world, start, end)
        self._by_start = sorted(self.alarms.alarms, key=lambda a: (a.start, a.alarm_id))
        self._start_times = [a.start for a in self._by_start]
        self._pushed = sorted((a for a in self.alarms.alarms if a.pushed_at), key=lambda a: (a.pushed_at, a.alarm_id))
        self._push_times = [a.pushed_at for a in self._pushed]
        # The rows of the last window asked for, so paging through it does not rebuild them.
        self._window_rows: dict[tuple, list] = {}
        self._nonces: dict[str, float] = {}
        self._lock = threading.Lock()
        self.app = App("sharp_eyes")
        r = self.app.route
        r("POST", "/artemis/api/resource/v1/cameras")(self._signed(self.cameras))
        r("POST", "/artemis/api/els/v1/events/search")(self._signed(self.events))
        r("POST", "/artemis/api/els/v1/events/handle/search")(self._signed(self.handling))

    # --- AK/SK ------------------------------------------------------------------------
    def _verify(self, req: Request) -> str | None:
        """None when the request is properly signed, else why not."""
        h = req.headers
        if h.get("x-ca-key") != self.app_key:
            return "unknown app key"
        signed = [n.strip().lower() for n in (h.get("x-ca-signature-headers") or "").split(",") if n.strip()]
        if not SIGNED_REQUIRED <= set(signed):
            return "x-ca-key, x-ca-timestamp and x-ca-nonce must be signed"
        try:
            ts = int(h.get("x-ca-timestamp", ""))
        except ValueError:
            return "bad timestamp"
        if abs(time.time() * 1000 - ts) > TIMESTAMP_TOLERANCE_MS:
            return "timestamp expired"
        lines = [req.method]
        for name in ("accept", "content-md5", "content-type", "date"):
            if name in h:
                lines.append(h[name])
        for name in sorted(signed):
            lines.append(f"{name}:{h.get(name, '')}")
        lines.append(req.path)
        expected = base64.b64encode(
            hmac.new(self._secret, "\n".join(lines).encode("utf-8"), hashlib.sha256).digest()
        ).decode("ascii")
        if not hmac.compare_digest(expected, h.get("x-ca-signature", "")):
            return "signature mismatch"
        nonce = h.get("x-ca-nonce", "")
        now = time.time()
        with self._lock:
            for n, seen in list(self._nonces.items()):
                if now - seen > TIMESTAMP_TOLERANCE_MS / 1000:
                    del self._nonces[n]
            if nonce in self._nonces:
                return "nonce already used"
            self._nonces[nonce] = now
        return None

    def _signed(self, fn):
        def wrapped(req: Request) -> Response:
            out = answer(req)
            if self.numeric_code and isinstance(out.body, dict) and isinstance(out.body.get("code"), str):
                out = Response(out.status, {**out.body, "code": int(out.body["code"], 0)}, out.headers)
            return out

        def answer(req: Request) -> Response:
            why = self._verify(req)
            fault = None
            if not why and self.faults.active:
                key = FaultPlan.request_key(req.method, req.path, {}, req.body)
                fault = self.faults.draw(("signature_rejected", "envelope_error"), f"artemis {key}")
            if why or fault == "signature_rejected":
                return _envelope(
                    None, code="0x02401007", msg=f"authentication failed: {why or 'signature mismatch'}", status=401
                )
            if fault == "envelope_error":
                return _envelope(None, code=BUSY[0], msg=BUSY[1])

            def produce() -> Response:
                try:
                    return fn(req.json() or {}, req.path)
                except ValueError as exc:
                    return _envelope(None, code="0x00072001", msg=str(exc))

            return self.cache.get(req, produce)

        return wrapped

    def _page(self, body: dict, rows: list, path: str) -> Response:
        page_no, page_size = body.get("pageNo", 1), body.get("pageSize", 20)
        if (
            not isinstance(page_no, int)
            or not isinstance(page_size, int)
            or page_no < 1
            or not 1 <= page_size <= MAX_PAGE_SIZE
        ):
            raise ValueError(f"pageNo must be >= 1 and pageSize between 1 and {MAX_PAGE_SIZE}")
        if self._listings is not None:
            listing = f"{path} {sorted((k, str(v)) for k, v in body.items() if k != 'pageNo')}"
            chunk, total = self._listings.page(listing, rows, page_no, page_size)
        else:
            chunk, total = rows[(page_no - 1) * page_size : page_no * page_size], len(rows)
        return _envelope({"total": total, "pageNo": page_no, "pageSize": page_size, "list": chunk})

    def _window(self, body: dict) -> tuple[datetime, datetime]:
        lo, hi = _parse_time(body.get("startTime"), "startTime"), _parse_time(body.get("endTime"), "endTime")
        if hi <= lo:
            raise ValueError("endTime must be after startTime")
        if hi - lo > MAX_WINDOW:
            raise ValueError("the time window may not exceed 7 days")
        return lo, hi

    # --- endpoints ----------------------------------------------------------------------
    def cameras(self, body: dict, path: str) -> Response:
        now = artemis_time(self.clock.now())
        return self._page(
            body,
            [
                {
                    "cameraIndexCode": c.index_code,
                    "cameraName": c.name,
                    "regionIndexCode": c.region_index_code,
                    "longitude": f"{c.lon:.6f}",
                    "latitude": f"{c.lat:.6f}",
                    "status": 1 if c.online else 0,
                    "updateTime": now,
                }
                for c in self.alarms.cameras
            ],
            path,
        )

    def _rows(self, kind: str, lo: datetime, hi: datetime, now: datetime, build) -> list:
        key = (kind, lo, hi, now)
        with self._lock:
            rows = self._window_rows.get(key)
        if rows is None:
            rows = build()
            with self._lock:
                self._window_rows = {k: v for k, v in self._window_rows.items() if k[0] != kind}
                self._window_rows[key] = rows
        return rows

    def events(self, body: dict, path: str) -> Response:
        lo, hi = self._window(body)
        now = self.clock.now()

        def build() -> list:
            rows = []
            first = bisect.bisect_left(self._start_times, lo)
            last = bisect.bisect_left(self._start_times, min(hi, now + timedelta(microseconds=1)))
            for a in self._by_start[first:last]:
                rows.append(self._event(a, now))
                if a.rereported:
                    rows.append(self._event(a, now, remark="重复上报"))
            return rows

        return self._page(body, self._rows("events", lo, hi, now, build), path)

    def _event(self, a: Alarm, now: datetime, remark: str | None = None) -> dict:
        closed = a.closed_at is not None and a.closed_at <= now
        event = {
            "id": a.alarm_id,
            "ruleName": RULE_NAMES[a.event_type],
            "eventType": a.event_type,
            "eventTypeName": a.type_name,
            "eventLevel": a.level,
            "startTime": artemis_time(a.start),
            "endTime": artemis_time(a.end),
            "handleStatus": 1 if closed else 0,
            "remark": remark or (a.remark if closed else ""),
            "eventLogSrcList": [
                {
                    "resIndexCode": a.camera.index_code,
                    "resName": a.camera.name,
                    "resType": "camera",
                    "regionIndexCode": a.camera.region_index_code,
                    "locationName": a.camera.name,
                }
            ],
        }
        if a.defect == "unknown_code":
            event["eventLevel"] = BAD_LEVEL
        elif a.defect == "impossible_date":
            # an Artemis instant in its usual shape (milliseconds, +08:00) naming no real moment
            ms = f".{a.start.microsecond // 1000:03d}+08:00"
            event["startTime"] = impossible_local_time(a.start, a.alarm_id, "T", ms)
        elif a.defect == "unmapped_code":
            code, name = NEW_EVENT_TYPE
            event.update(ruleName=f"{name}联动规则", eventType=code, eventTypeName=name)
        return event

    def handling(self, body: dict, path: str) -> Response:
        lo, hi = self._window(body)
        now = self.clock.now()
        rows = self._rows("handling", lo, hi, now, lambda: self._handling_rows(lo, hi, now))
        return self._page(body, rows, path)

    def _handling_rows(self, lo: datetime, hi: datetime, now: datetime) -> list:
        rows = []
        first = bisect.bisect_left(self._push_times, lo)
        last = bisect.bisect_left(self._push_times, min(hi, now + timedelta(microseconds=1)))
        for a in self._pushed[first:last]:
            arrived = a.arrived_at if a.arrived_at and a.arrived_at <= now else None
            finished = a.closed_at if a.closed_at and a.closed_at <= now else None
            result = None
            if finished:
                result = a.outcome or "timeout"
            rows.append(
                {
                    "eventId": a.alarm_id,
                    "handlerId": a.assigned_staff_id,
                    "pushTime": artemis_time(a.pushed_at),
                    "arriveTime": artemis_time(arrived) if arrived else None,
                    "handleResult": result,
                    "finishTime": artemis_time(finished) if finished else None,
                    "remark": a.remark if finished else "",
                }
            )
        return rows
