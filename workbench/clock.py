"""The clock: injectable everywhere; WORKBENCH_NOW fixes it for scripts, demos and tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, aware, in UTC."""


class SystemClock:
    speed = 1.0

    def now(self) -> datetime:
        return datetime.now(UTC)


class FastClock:
    """Time that passes `speed` times faster than the wall clock, from `start` (demos: watch a day
    of reminders and deadlines go by in minutes)."""

    def __init__(self, start: datetime, speed: float) -> None:
        import time

        if speed <= 0:
            raise ValueError("clock speed must be > 0")
        self.start = start.astimezone(UTC)
        self.speed = float(speed)
        self._t0 = time.monotonic()

    def now(self) -> datetime:
        import time
        from datetime import timedelta

        return self.start + timedelta(seconds=(time.monotonic() - self._t0) * self.speed)


class FixedClock:
    """A clock that stands still (or is moved by hand in tests)."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self.at = at.astimezone(UTC)

    def now(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        from datetime import timedelta

        self.at = self.at + timedelta(**delta)


def parse_instant(text: str) -> datetime:
    """ISO 8601 with an offset ("2026-06-01T10:00:00+08:00") to aware UTC."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"not an ISO 8601 time: {text!r}") from None
    if value.tzinfo is None:
        raise ValueError(f"time needs an offset, e.g. +08:00: {text!r}")
    return value.astimezone(UTC)


def clock_from(now: str | None, speed: float | None = None) -> Clock:
    """WORKBENCH_NOW fixes the clock; with a speed, time runs from there (or from now) N times faster."""
    if speed is not None:
        return FastClock(parse_instant(now) if now else datetime.now(UTC), speed)
    return FixedClock(parse_instant(now)) if now else SystemClock()
