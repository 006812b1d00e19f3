"""Reading GOVHUB_* settings from the environment: fail at start, naming the variable.

Secrets are only ever read here and handed to clients; they are never echoed in messages.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from urllib.parse import urlsplit

from connectors.common.errors import ConfigError


def _env(env: Mapping[str, str] | None) -> Mapping[str, str]:
    return os.environ if env is None else env


def require_url(name: str, env: Mapping[str, str] | None = None) -> str:
    value = _env(env).get(name, "").strip()
    if not value:
        raise ConfigError(f"{name} is not set: give the source's base URL, e.g. https://host:port")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"{name} is not an http(s) URL: {value!r}")
    return value.rstrip("/")


def require_secret(name: str, env: Mapping[str, str] | None = None) -> str:
    value = _env(env).get(name, "")
    if not value.strip():
        raise ConfigError(f"{name} is not set (a secret: set it in the environment, never in a file)")
    return value


def optional_int(name: str, default: int, lo: int, hi: int, env: Mapping[str, str] | None = None) -> int:
    raw = _env(env).get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if not lo <= value <= hi:
        raise ConfigError(f"{name} must be between {lo} and {hi}, got {value}")
    return value
