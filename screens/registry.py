"""The screens a link can open, by key. A key that is not here has no link in the UI."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.screen import Screen


def _factories() -> dict[str, Callable[..., Screen]]:
    from screens.funds import FundsScreen
    from screens.help_centre import HelpCentreScreen
    from screens.notifications import NotificationsScreen

    return {
        "funds": FundsScreen,
        "notifications": NotificationsScreen,
        "help": HelpCentreScreen,
    }


def available() -> frozenset[str]:
    return frozenset(_factories())


def make(key: str, **kwargs: Any) -> Screen:
    return _factories()[key](**kwargs)
