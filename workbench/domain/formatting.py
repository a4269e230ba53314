"""How figures and times read to a person, in the current language."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from workbench.i18n import language


def count(n: int) -> str:
    """Large counts the way each language reads them: 125.0万 / 1.25M."""
    if language() == "en":
        if n >= 1_000_000:
            return f"{n / 1_000_000:.2f}M"
        if n >= 10_000:
            return f"{n / 1_000:.1f}K"
        return f"{n:,}"
    if n >= 100_000_000:
        return f"{n / 100_000_000:.2f}亿"
    if n >= 10_000:
        return f"{n / 10_000:.1f}万"
    return f"{n:,}"


def local_time(at: datetime, zone: str, with_date: bool = True) -> str:
    """A stored UTC instant in the user's zone, to the minute."""
    local = at.astimezone(ZoneInfo(zone))
    return local.strftime("%Y-%m-%d %H:%M" if with_date else "%H:%M")


def percent(part: int, whole: int) -> str:
    return "—" if whole == 0 else f"{part * 100 / whole:.0f}%"
