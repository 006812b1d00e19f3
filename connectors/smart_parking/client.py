"""Client for the Smart Parking platform: OAuth2 client credentials and cursor paging.

The bearer token is fetched once and reused until it is about to expire; a 401 in the
middle of a run (the token expired early, or was revoked) fetches a new one and repeats
the request, up to ``TOKEN_TRIES`` times. Collections are read with ``updated_since`` and the opaque
``next_cursor`` until it is null.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator

from connectors.common.errors import HttpStatusError, SourceError
from connectors.common.http import RetryingSession
from connectors.common.ingest import Page

COLLECTIONS = ("lots", "sessions", "violations")
TOKEN_TRIES = 3  # a request refused with 401 this often, each time with a fresh token, fails


DEFAULT_LIFETIME = 60.0  # seconds a token is taken to live when the server does not say


def token_lifetime(expires_in) -> float:
    """A token's lifetime in seconds from `expires_in`: a number (RFC 6749), or a string of
    one as some servers send it; missing, not a number or not positive: DEFAULT_LIFETIME (a
    token renewed early costs one request; one used past its end costs a 401 and a retry)."""
    if isinstance(expires_in, bool):
        return DEFAULT_LIFETIME
    try:
        lifetime = float(expires_in.strip() if isinstance(expires_in, str) else expires_in)
    except (TypeError, ValueError):
        return DEFAULT_LIFETIME
    return lifetime if math.isfinite(lifetime) and lifetime > 0 else DEFAULT_LIFETIME


class SmartParkingClient:
    def __init__(
        self,
        base_url: str,
        client_id: str,
        client_secret: str,
        session: RetryingSession | None = None,
        page_size: int = 1000,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.client_id = client_id
        self._client_secret = client_secret
        self.http = session or RetryingSession("smart_parking")
        self.page_size = page_size
        self._token: str | None = None
        self._expires = 0.0
        self.tokens_fetched = 0

    def _fetch_token(self) -> str:
        answer = self.http.request_json(
            "POST",
            f"{self.base_url}/oauth/token",
            "token",
            data={"grant_type": "client_credentials"},
            auth=(self.client_id, self._client_secret),
        )
        token = answer.get("access_token") if isinstance(answer, dict) else None
        if not token:
            raise SourceError("smart_parking: the token endpoint answered without an access_token")
        self._token = token
        lifetime = token_lifetime(answer.get("expires_in"))
        # renew a little before expiry: 30 s, or a fifth of a short lifetime
        self._expires = time.monotonic() + lifetime - min(30.0, lifetime / 5)
        self.tokens_fetched += 1
        return token

    def _bearer(self) -> dict[str, str]:
        if self._token is None or time.monotonic() > self._expires:
            self._fetch_token()
        return {"Authorization": f"Bearer {self._token}", "Accept": "application/json"}

    def get(self, path: str, params: dict, what: str):
        for attempt in range(TOKEN_TRIES):
            try:
                return self.http.request_json(
                    "GET", f"{self.base_url}{path}", what, params=params, prepare=self._bearer
                )
            except HttpStatusError as exc:
                if exc.status != 401 or attempt + 1 == TOKEN_TRIES:
                    raise
                self._token = None  # expired or revoked under us: a fresh token, another try
                self.http.retries += 1

    def check_connection(self) -> None:
        self.get("/api/v1/lots", {"limit": 1}, "lots (connection check)")

    def pages(self, collection: str, updated_since: str) -> Iterator[Page]:
        """Every record of `collection` updated at or after `updated_since` (local time)."""
        if collection not in COLLECTIONS:
            raise ValueError(f"unknown Smart Parking collection {collection!r}")
        cursor = None
        n = 0
        while True:
            params = {"updated_since": updated_since, "limit": self.page_size}
            if cursor:
                params["cursor"] = cursor
            n += 1
            answer = self.get(f"/api/v1/{collection}", params, f"{collection} page {n}")
            if not isinstance(answer, dict) or not isinstance(answer.get("items"), list):
                raise SourceError(f"smart_parking: {collection} answered without an items list")
            yield Page(answer["items"], {"collection": collection, **params})
            cursor = answer.get("next_cursor")
            if not cursor:
                return
