"""The screens a link can open, by key. A key that is not here has no link in the UI."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.screen import Screen


def _factories() -> dict[str, Callable[..., Screen]]:
    from screens.creator_profile import CreatorProfileScreen
    from screens.creator_square import CreatorSquareScreen
    from screens.disputes import DisputesScreen
    from screens.funds import FundsScreen
    from screens.help_centre import HelpCentreScreen
    from screens.notifications import NotificationsScreen
    from screens.task_detail import TaskDetailScreen
    from screens.task_form import TaskFormScreen
    from screens.tasks import TasksScreen

    return {
        "funds": FundsScreen,
        "notifications": NotificationsScreen,
        "help": HelpCentreScreen,
        "creator_square": CreatorSquareScreen,
        "creator_profile": CreatorProfileScreen,
        "task_form": TaskFormScreen,
        "tasks": TasksScreen,
        "task_detail": TaskDetailScreen,
        "disputes": DisputesScreen,
    }


# Screens that need a record to show: not reachable from the palette on their own.
NEEDS_ARGUMENT = frozenset({"creator_profile", "task_form", "task_detail"})


def available() -> frozenset[str]:
    return frozenset(_factories())


def make(key: str, **kwargs: Any) -> Screen:
    return _factories()[key](**kwargs)
