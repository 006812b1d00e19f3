"""Reading GOVHUB_* settings from the environment: fail at start, naming the variable.

Secrets are only ever read here and handed to clients; they are never echoed in messages.

Inside `every_problem()`, a missing or malformed setting does not stop the reading: each
is noted (`problem()` stands in a harmless value) and the block ends with one ConfigError
listing them all, so that one run names every variable to fix.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar
from urllib.parse import urlsplit

from connectors.common.errors import ConfigError

T = TypeVar("T")
_PROBLEMS: ContextVar[list[str] | None] = ContextVar("govhub_settings_problems", default=None)
# what a secret reads as while its problem is noted: long enough for every check after it
STAND_IN_SECRET = "not-set-" * 4


def _env(env: Mapping[str, str] | None) -> Mapping[str, str]:
    return os.environ if env is None else env


def problem(message: str, stand_in: T) -> T:
    """A setting that is missing or malformed: raises ConfigError, or inside
    `every_problem()` notes `message` and returns `stand_in` so that the reading goes on."""
    noted = _PROBLEMS.get()
    if noted is None:
        raise ConfigError(message)
    if message not in noted:
        noted.append(message)
    return stand_in


@contextmanager
def every_problem() -> Iterator[None]:
    """Read settings in the block; at its end, one ConfigError lists every problem noted."""
    outer = _PROBLEMS.get()
    token = _PROBLEMS.set([] if outer is None else outer)
    try:
        yield
    finally:
        noted = _PROBLEMS.get() or []
        _PROBLEMS.reset(token)
    if outer is None and noted:
        if len(noted) == 1:
            raise ConfigError(noted[0])
        raise ConfigError(f"{len(noted)} settings to fix:\n" + "\n".join(f"  - {m}" for m in noted))


def require_url(name: str, env: Mapping[str, str] | None = None) -> str:
    value = _env(env).get(name, "").strip()
    if not value:
        return problem(f"{name} is not set: give the source's base URL, e.g. https://host:port", "http://not-set")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return problem(f"{name} is not an http(s) URL: {value!r}", "http://not-set")
    return value.rstrip("/")


def require_secret(name: str, env: Mapping[str, str] | None = None) -> str:
    value = _env(env).get(name, "")
    if not value.strip():
        return problem(f"{name} is not set (a secret: set it in the environment, never in a file)", STAND_IN_SECRET)
    return value


def optional_int(name: str, default: int, lo: int, hi: int, env: Mapping[str, str] | None = None) -> int:
    raw = _env(env).get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        return problem(f"{name} must be a whole number, got {raw!r}", default)
    if not lo <= value <= hi:
        return problem(f"{name} must be between {lo} and {hi}, got {value}", default)
    return value
