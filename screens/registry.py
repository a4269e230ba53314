"""The screens a link can open, by key. A key that is not here has no link in the UI."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.screen import Screen


def _factories() -> dict[str, Callable[..., Screen]]:
    from screens.creator_profile import CreatorProfileScreen
    from screens.creator_square import CreatorSquareScreen
    from screens.deadlines import DeadlinesScreen
    from screens.disputes import DisputesScreen
    from screens.funds import FundsScreen
    from screens.help_centre import HelpCentreScreen
    from screens.notifications import NotificationsScreen
    from screens.task_detail import TaskDetailScreen
    from screens.task_form import TaskFormScreen
    from screens.tasks import TasksScreen
    from screens.base_data import BaseDataScreen
    from screens.base_page import BasePageScreen
    from screens.base_pool import BasePoolScreen
    from screens.binding_invites import BindingInvitesScreen
    from screens.bindings import BindingsScreen
    from screens.complaints import ComplaintsScreen
    from screens.fee_calc import FeeCalcScreen
    from screens.sign_in_qr import SignInQRScreen
    from screens.exclusive_pool import ExclusivePoolScreen
    from screens.income import IncomeScreen
    from screens.intents import IntentsScreen
    from screens.order_detail import OrderDetailScreen
    from screens.orders import OrdersScreen
    from screens.preselect import PreselectScreen
    from screens.record import RecordScreen
    from screens.stock_plan_form import StockPlanFormScreen
    from screens.stock_plans import StockPlansScreen
    from screens.stock_reviews import StockReviewsScreen

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
        "preselect": PreselectScreen,
        "exclusive_pool": ExclusivePoolScreen,
        "intents": IntentsScreen,
        "orders": OrdersScreen,
        "order_detail": OrderDetailScreen,
        "stock_plans": StockPlansScreen,
        "stock_plan_form": StockPlanFormScreen,
        "stock_reviews": StockReviewsScreen,
        "complaints": ComplaintsScreen,
        "income": IncomeScreen,
        "record": RecordScreen,
        "bindings": BindingsScreen,
        "binding_invites": BindingInvitesScreen,
        "base_pool": BasePoolScreen,
        "sign_in_qr": SignInQRScreen,
        "base_data": BaseDataScreen,
        "fee_calc": FeeCalcScreen,
        "base_page": BasePageScreen,
        "deadlines": DeadlinesScreen,
    }



# Screens about one record: the keyword that names it, so a link with a bare id can open them.
REF_ARG = {"order_detail": "order_id", "task_detail": "task_id"}


def ref_kwargs(key: str, ref_id: int | None) -> dict[str, int]:
    arg = REF_ARG.get(key)
    return {arg: ref_id} if arg and ref_id is not None else {}


def available() -> frozenset[str]:
    return frozenset(_factories())


def make(key: str, **kwargs: Any) -> Screen:
    return _factories()[key](**kwargs)


# Which roles each screen is for; a screen not listed here is for every role.
ROLES: dict[str, tuple[str, ...]] = {
    "creator_square": ("merchant", "support"), "creator_profile": ("merchant", "support"),
    "task_form": ("merchant",), "disputes": ("support",), "preselect": ("creator",),
    "exclusive_pool": ("creator", "merchant"), "intents": ("merchant",),
    "orders": ("creator", "merchant", "support"), "order_detail": ("creator", "merchant", "support"),
    "tasks": ("creator", "merchant", "support"), "task_detail": ("creator", "merchant", "support"),
    "stock_plans": ("creator",), "stock_plan_form": ("creator",), "stock_reviews": ("support",),
    "complaints": ("support",), "income": ("creator",), "record": ("creator", "merchant"),
    "bindings": ("agency",), "binding_invites": ("creator", "merchant"), "base_pool": ("agency",),
    "sign_in_qr": ("agency",), "base_data": ("agency",), "base_page": ("creator",),
}


def available_for(role: str | None) -> frozenset[str]:
    """The screens a user of `role` can open (links to others are not shown)."""
    return frozenset(k for k in _factories() if role in ROLES.get(k, (role,)))
