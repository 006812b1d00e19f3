"""The sandbox's clock and the time formats its systems speak."""

from __future__ import annotations

from datetime import datetime

from connectors.common.timezone import SHANGHAI


class Clock:
    """Wall time, or a frozen instant so a served world is reproducible."""

    def __init__(self, frozen_at: datetime | None = None) -> None:
        if frozen_at is not None and frozen_at.tzinfo is None:
            raise ValueError("a frozen clock needs a time zone")
        self.frozen_at = frozen_at

    def now(self) -> datetime:
        return self.frozen_at or datetime.now(SHANGHAI).replace(microsecond=0)


def format_local(t: datetime) -> str:
    """ISO-8601 with the +08:00 offset, whole seconds: 2026-10-01T08:30:00+08:00."""
    return t.astimezone(SHANGHAI).replace(microsecond=0).isoformat()


def parse_w3c(value: str, name: str) -> datetime:
    """A W3C datetime with a zone; naive values are refused (which zone would it be?)."""
    try:
        t = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{name} is not a W3C datetime: {value!r}") from None
    if t.tzinfo is None:
        raise ValueError(f"{name} needs a time zone offset: {value!r}")
    return t
