"""The screens a link can open, by key. A key that is not here has no link in the UI."""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from textual.screen import Screen


# key -> "module:Class". Modules are imported when a screen is first opened, not at start-up:
# importing all of them would load every service (and plotext, qrcode, urllib) before the first
# paint. To add a screen, add its line here.
SCREENS: dict[str, str] = {
    "funds": "screens.funds:FundsScreen",
    "notifications": "screens.notifications:NotificationsScreen",
    "help": "screens.help_centre:HelpCentreScreen",
    "creator_square": "screens.creator_square:CreatorSquareScreen",
    "creator_profile": "screens.creator_profile:CreatorProfileScreen",
    "task_form": "screens.task_form:TaskFormScreen",
    "tasks": "screens.tasks:TasksScreen",
    "task_detail": "screens.task_detail:TaskDetailScreen",
    "disputes": "screens.disputes:DisputesScreen",
    "preselect": "screens.preselect:PreselectScreen",
    "exclusive_pool": "screens.exclusive_pool:ExclusivePoolScreen",
    "intents": "screens.intents:IntentsScreen",
    "orders": "screens.orders:OrdersScreen",
    "order_detail": "screens.order_detail:OrderDetailScreen",
    "stock_plans": "screens.stock_plans:StockPlansScreen",
    "stock_plan_form": "screens.stock_plan_form:StockPlanFormScreen",
    "stock_reviews": "screens.stock_reviews:StockReviewsScreen",
    "complaints": "screens.complaints:ComplaintsScreen",
    "income": "screens.income:IncomeScreen",
    "record": "screens.record:RecordScreen",
    "bindings": "screens.bindings:BindingsScreen",
    "binding_invites": "screens.binding_invites:BindingInvitesScreen",
    "base_pool": "screens.base_pool:BasePoolScreen",
    "sign_in_qr": "screens.sign_in_qr:SignInQRScreen",
    "base_data": "screens.base_data:BaseDataScreen",
    "fee_calc": "screens.fee_calc:FeeCalcScreen",
    "base_page": "screens.base_page:BasePageScreen",
    "deadlines": "screens.deadlines:DeadlinesScreen",
    "reports": "screens.reports:ReportsScreen",
    "report": "screens.report:ReportScreen",
    "merchant_profile": "screens.merchant_profile:MerchantProfileScreen",
    "sample_reports": "screens.sample_reports:SampleReportsScreen",
}


def _factory(key: str) -> Callable[..., Screen]:
    module, _, name = SCREENS[key].partition(":")
    return getattr(import_module(module), name)


# Screens about one record: the keyword that names it, so a link with a bare id can open them.
REF_ARG = {"order_detail": "order_id", "task_detail": "task_id", "merchant_profile": "merchant_id"}


def ref_kwargs(key: str, ref_id: int | None) -> dict[str, int]:
    arg = REF_ARG.get(key)
    return {arg: ref_id} if arg and ref_id is not None else {}


def available() -> frozenset[str]:
    return frozenset(SCREENS)


def make(key: str, **kwargs: Any) -> Screen:
    return _factory(key)(**kwargs)


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
    "reports": ("creator", "merchant", "support"), "report": ("creator", "merchant", "support"),
    "sample_reports": ("support", "creator", "merchant"),
}


def available_for(role: str | None) -> frozenset[str]:
    """The screens a user of `role` can open (links to others are not shown)."""
    return frozenset(k for k in SCREENS if role in ROLES.get(k, (role,)))
