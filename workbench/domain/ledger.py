"""Double-entry rules (复式记账): every movement balances, no owned account goes negative."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from enum import StrEnum

from workbench.domain.errors import DomainError
from workbench.domain.money import format_money
from workbench.i18n import _


class AccountKind(StrEnum):
    AVAILABLE = "available"          # a user's spendable money
    FROZEN = "frozen"                # a user's money held for a cooperation
    EXTERNAL = "external"            # the outside world: bank, payment gateway
    PLATFORM_REVENUE = "platform_revenue"

    @property
    def label(self) -> str:
        return {
            AccountKind.AVAILABLE: _("可用余额"),
            AccountKind.FROZEN: _("冻结金额"),
            AccountKind.EXTERNAL: _("外部"),
            AccountKind.PLATFORM_REVENUE: _("平台收入"),
        }[self]


def check_balanced(amounts: Iterable[int]) -> None:
    """An entry's postings must sum to zero and none may be zero."""
    values = list(amounts)
    if len(values) < 2 or any(v == 0 for v in values):
        raise ValueError("a ledger entry needs at least two non-zero postings")
    if sum(values) != 0:
        raise ValueError(f"unbalanced ledger entry: {values}")


def check_covers(kind: str, balance_cents: int, change_cents: int) -> None:
    """Refuse a movement that would take an owned account below zero, naming the shortfall."""
    if kind == AccountKind.EXTERNAL:
        return
    after = balance_cents + change_cents
    if after < 0:
        label = AccountKind(kind).label if kind in AccountKind._value2member_map_ else kind
        raise DomainError(
            _("{account}不足: 还差 {short}").format(account=label, short=format_money(-after)),
            field="amount",
        )


def journal_label(kind: str) -> str:
    """What a kind of ledger entry is called, in the reader's language."""
    labels = {
        "top_up": _("充值"),
        "task_freeze": _("发布任务冻结"),
        "task_settle": _("任务验收结算"),
        "task_refund": _("任务退款"),
        "task_compensate": _("取消赔付"),
        "dispute_ruling": _("争议裁决"),
        "order_hold": _("订单付款冻结"),
        "order_settle": _("订单交付结算"),
        "order_refund": _("订单退款"),
    }
    return labels.get(kind, kind)


def income_slot(at: datetime) -> datetime:
    """The UTC quarter-hour `at` falls in: the ledger keeps what reached each available account per
    slot (IncomeSlot), so a month's income is a sum over slots rather than over postings."""
    at = at.astimezone(UTC)
    return at.replace(minute=at.minute - at.minute % 15, second=0, microsecond=0)
