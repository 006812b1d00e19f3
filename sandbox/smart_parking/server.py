"""Stand-in for the Smart Parking platform: OAuth2 client credentials, cursor paging.

- ``POST /oauth/token`` (``grant_type=client_credentials``; client id and secret by HTTP
  Basic or in the form) answers ``{"access_token", "token_type": "bearer", "expires_in"}``.
  Tokens expire after ``token_seconds``; a request with an expired or unknown token gets
  401 ``{"error": "invalid_token"}``.
- ``GET /api/v1/<lots|sessions|violations>?updated_since=...&cursor=...&limit=...``
  answers ``{"items": [...], "next_cursor": "..." | null}`` in (updated_at, id) order.
  ``updated_since`` is a local time ``yyyy-MM-dd HH:mm:ss`` (ISO also accepted), inclusive;
  the cursor is opaque and continues after the last item of the page; limit ≤ 1000.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from datetime import datetime
from urllib.parse import parse_qs

from sandbox.clock import SHANGHAI, Clock
from sandbox.faults import FaultPlan
from sandbox.http import App, Request, Response, ResponseCache
from sandbox.smart_parking.data import ParkingData

MAX_LIMIT = 1000


def _parse_local(value: str) -> datetime:
    t = datetime.fromisoformat(value.strip().replace(" ", "T", 1))
    return t.replace(tzinfo=SHANGHAI) if t.tzinfo is None else t


class SmartParkingStandIn:
    def __init__(
        self,
        world,
        start,
        end,
        clock: Clock,
        client_id: str,
        client_secret: str,
        token_seconds: float = 600.0,
        data: ParkingData | None = None,
        defects: bool = True,
        faults: FaultPlan | None = None,
        cache: ResponseCache | None = None,
        expires_in: str = "number",
    ) -> None:
        """`faults` (sandbox.faults): tokens revoked in the middle of a run, and a page that
        starts with the last record of the page before (the cursor taken inclusively).
        `expires_in`: the token lifetime as a JSON number (RFC 6749), or as a "string", as
        some OAuth2 servers write it."""
        if expires_in not in ("number", "string"):
            raise ValueError(f"expires_in is written as a number or a string, not {expires_in!r}")
        self.expires_in_as = expires_in
        self.clock = clock
        self.faults = faults or FaultPlan("smart_parking")
        self.cache = cache or ResponseCache()
        self._page_ends: dict[str, dict] = {}  # next_cursor -> the record it continues after
        self.client_id = client_id
        self._client_secret = client_secret
        self.token_seconds = token_seconds
        self.data = data or ParkingData(world, start, end, defects)
        self._tokens: dict[str, float] = {}
        self.tokens_issued = 0
        self._lock = threading.Lock()
        self.app = App("smart_parking")
        self.app.route("POST", "/oauth/token")(self.token)
        for name in ("lots", "sessions", "violations"):
            self.app.route("GET", f"/api/v1/{name}")(self._collection(name))

    def token(self, req: Request) -> Response:
        form = {k: v[0] for k, v in parse_qs(req.body.decode("utf-8")).items()}
        cid, secret = form.get("client_id"), form.get("client_secret")
        auth = req.headers.get("authorization", "")
        if auth.lower().startswith("basic "):
            try:
                cid, secret = base64.b64decode(auth[6:]).decode("utf-8").split(":", 1)
            except (ValueError, UnicodeDecodeError):
                return Response(401, {"error": "invalid_client"})
        if form.get("grant_type") != "client_credentials":
            return Response(400, {"error": "unsupported_grant_type"})
        if cid != self.client_id or secret != self._client_secret:
            return Response(401, {"error": "invalid_client"})
        tok = secrets.token_urlsafe(24)
        with self._lock:
            now = time.monotonic()
            self._tokens = {t: exp for t, exp in self._tokens.items() if exp > now}
            self._tokens[tok] = now + self.token_seconds
            self.tokens_issued += 1
        lifetime = int(self.token_seconds)
        expires_in = str(lifetime) if self.expires_in_as == "string" else lifetime
        return Response(200, {"access_token": tok, "token_type": "bearer", "expires_in": expires_in})

    def revoke_tokens(self) -> None:
        """Invalidate every token issued so far (as an expiry or a key rotation would)."""
        with self._lock:
            self._tokens.clear()

    def _authorized(self, req: Request) -> bool:
        auth = req.headers.get("authorization", "")
        if not auth.lower().startswith("bearer "):
            return False
        with self._lock:
            exp = self._tokens.get(auth[7:].strip())
        return exp is not None and exp > time.monotonic()

    def _collection(self, name: str):
        def handler(req: Request) -> Response:
            req_key = FaultPlan.request_key(req.method, req.path, req.query)
            if self.faults.active and self.faults.draw(("token_expired",), f"oauth {req_key}"):
                self.revoke_tokens()
            if not self._authorized(req):
                return Response(401, {"error": "invalid_token"})
            return self.cache.get(req, lambda: self._page(name, req, req_key))

        return handler

    def _page(self, name: str, req: Request, req_key: str) -> Response:
        """A page of a collection (after the token was checked)."""
        try:
            since = _parse_local(req.query.get("updated_since", "1970-01-01 00:00:00"))
            limit = int(req.query.get("limit", "100"))
            if not 1 <= limit <= MAX_LIMIT:
                raise ValueError(f"limit must be between 1 and {MAX_LIMIT}")
            cursor = None
            if req.query.get("cursor"):
                t, rid = json.loads(base64.urlsafe_b64decode(req.query["cursor"].encode()))
                cursor = (datetime.fromisoformat(t), rid)
        except (ValueError, TypeError, json.JSONDecodeError) as exc:
            return Response(400, {"error": "invalid_request", "error_description": str(exc)})
        items = self.data.index[name].after(since, cursor, self.clock.now(), limit)
        next_cursor = None
        if len(items) == limit:
            last = items[-1]
            key = (_parse_local(last["updated_at"]).isoformat(), last[_ID[name]])
            next_cursor = base64.urlsafe_b64encode(json.dumps(key).encode()).decode()
            if self.faults.on("duplicate_across_pages"):
                with self._lock:
                    self._page_ends[next_cursor] = last
        repeat = None
        if cursor is not None and self.faults.draw(("duplicate_across_pages",), f"{req_key}#repeat"):
            with self._lock:
                repeat = self._page_ends.get(req.query["cursor"])
        return Response(200, {"items": [repeat, *items] if repeat else items, "next_cursor": next_cursor})


_ID = {"lots": "lot_id", "sessions": "session_id", "violations": "violation_id"}
