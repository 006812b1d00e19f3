"""Artemis AK/SK request signing (Hikvision OpenAPI gateway style).

The string to sign is, newline-separated: the HTTP method; the values of Accept,
Content-MD5, Content-Type and Date, for those present; each signed ``x-ca-*`` header as
``name:value``, sorted by name; and the path including ``/artemis``. The signature is
Base64(HMAC-SHA256(app secret, string to sign)).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import uuid
from collections.abc import Mapping

SIGNED_HEADERS = ("x-ca-key", "x-ca-nonce", "x-ca-timestamp")
_STANDARD = ("accept", "content-md5", "content-type", "date")


def string_to_sign(method: str, path: str, headers: Mapping[str, str], signed: tuple[str, ...] = SIGNED_HEADERS) -> str:
    lower = {k.lower(): v for k, v in headers.items()}
    lines = [method.upper()]
    lines += [lower[h] for h in _STANDARD if h in lower]
    lines += [f"{h}:{lower[h]}" for h in sorted(signed)]
    lines.append(path)
    return "\n".join(lines)


def signature(secret: str, text: str) -> str:
    return base64.b64encode(hmac.new(secret.encode("utf-8"), text.encode("utf-8"), hashlib.sha256).digest()).decode()


def signed_headers(
    method: str,
    path: str,
    app_key: str,
    app_secret: str,
    *,
    timestamp_ms: int | None = None,
    nonce: str | None = None,
    accept: str = "application/json",
    content_type: str = "application/json;charset=UTF-8",
) -> dict[str, str]:
    """The headers of one signed request; a fresh timestamp and nonce unless given."""
    headers = {
        "Accept": accept,
        "Content-Type": content_type,
        "X-Ca-Key": app_key,
        "X-Ca-Nonce": nonce or str(uuid.uuid4()),
        "X-Ca-Timestamp": str(timestamp_ms if timestamp_ms is not None else int(time.time() * 1000)),
    }
    headers["X-Ca-Signature-Headers"] = ",".join(SIGNED_HEADERS)
    headers["X-Ca-Signature"] = signature(app_secret, string_to_sign(method, path, headers))
    return headers
