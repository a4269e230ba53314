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


def parse_local_minute(text: str, zone: str, field: str = "air_at") -> datetime:
    """"2026-06-03 20:00" in the user's zone (or ISO 8601 with an offset) to aware UTC."""
    from datetime import UTC

    from workbench.domain.errors import DomainError
    from workbench.i18n import _

    raw = text.strip().replace("T", " ")
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise DomainError(_("时间格式应为 YYYY-MM-DD HH:MM: {value}").format(value=text), field=field) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(zone))
    return value.astimezone(UTC)
