"""Cooperation orders (直播通合作订单, Taobao): states, deadlines, settlement and records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from workbench.domain.errors import Conflict, DomainError
from workbench.i18n import _


class OrderStatus(StrEnum):
    INVITED = "invited"                # 邀约中: the merchant decides
    DECLINED = "declined"              # 商家拒绝
    PAID = "paid"                      # 已付款: the creator accepts
    ACCEPTED = "accepted"              # 已接单: the merchant ships the sample
    SAMPLE_SHIPPED = "sample_shipped"  # 已寄样: the 5-day window runs
    SCHEDULED = "scheduled"            # 已排期
    CONFIRMED = "confirmed"            # 自动确认: delivery due within 15 days
    DELIVERED = "delivered"            # 已交付, settled
    CLOSED = "closed"                  # 主播关闭, refunded
    OVERDUE = "overdue"                # 已逾期, refunded, counted against the creator

    @property
    def label(self) -> str:
        return {
            OrderStatus.INVITED: _("邀约中"), OrderStatus.DECLINED: _("商家拒绝"), OrderStatus.PAID: _("待接单"),
            OrderStatus.ACCEPTED: _("待寄样"), OrderStatus.SAMPLE_SHIPPED: _("已寄样, 待排期"),
            OrderStatus.SCHEDULED: _("已排期"), OrderStatus.CONFIRMED: _("自动确认, 待交付"),
            OrderStatus.DELIVERED: _("已交付"), OrderStatus.CLOSED: _("已关闭"), OrderStatus.OVERDUE: _("已逾期"),
        }[self]


OPEN = (OrderStatus.INVITED, OrderStatus.PAID, OrderStatus.ACCEPTED, OrderStatus.SAMPLE_SHIPPED,
        OrderStatus.SCHEDULED, OrderStatus.CONFIRMED)

ALLOWED: dict[str, tuple[OrderStatus, ...]] = {
    "pay": (OrderStatus.INVITED,),
    "decline": (OrderStatus.INVITED,),
    "accept": (OrderStatus.PAID,),
    "ship_sample": (OrderStatus.ACCEPTED,),
    "schedule": (OrderStatus.SAMPLE_SHIPPED, OrderStatus.CONFIRMED),
    "close": (OrderStatus.SAMPLE_SHIPPED,),
    "auto_confirm": (OrderStatus.SAMPLE_SHIPPED,),
    "deliver": (OrderStatus.SCHEDULED, OrderStatus.CONFIRMED),
    "overdue": (OrderStatus.SCHEDULED, OrderStatus.CONFIRMED),
    "complain": (OrderStatus.OVERDUE,),
}


def action_label(action: str) -> str:
    return {
        "pay": _("确认并付款"), "decline": _("拒绝邀约"), "accept": _("接单"), "ship_sample": _("寄样"),
        "schedule": _("排期"), "close": _("关闭订单"), "auto_confirm": _("自动确认"), "deliver": _("交付"),
        "overdue": _("逾期"), "complain": _("投诉"),
    }[action]


def check_allowed(action: str, status: str) -> None:
    if OrderStatus(status) not in ALLOWED[action]:
        raise Conflict(_("订单当前为「{state}」, 不能{action}").format(
            state=OrderStatus(status).label, action=action_label(action)), field="order")


@dataclass(frozen=True, slots=True)
class Deadlines:
    window_ends_at: datetime     # schedule or close before this (5 days after the sample ships)
    cap_at: datetime             # never deliver later than this (27 days after the merchant agreed)


def deadlines(agreed_at: datetime, shipped_at: datetime, window_days: int, cap_days: int) -> Deadlines:
    return Deadlines(shipped_at + timedelta(days=window_days), agreed_at + timedelta(days=cap_days))


def latest_after_schedule(live_at: datetime, grace_hours: int, cap_at: datetime) -> datetime:
    return min(live_at + timedelta(hours=grace_hours), cap_at)


def latest_after_auto_confirm(window_ends_at: datetime, days: int, cap_at: datetime) -> datetime:
    return min(window_ends_at + timedelta(days=days), cap_at)


def check_schedule(live_at: datetime, now: datetime, window_ends_at: datetime, cap_at: datetime,
                   status: str) -> None:
    if live_at <= now:
        raise DomainError(_("直播时间必须晚于现在"), field="live_at")
    if status == OrderStatus.SAMPLE_SHIPPED and now > window_ends_at:
        raise DomainError(_("5 天排期时间已过"), field="live_at")
    if live_at > cap_at:
        raise DomainError(_("直播时间不能晚于最晚交付时间 {cap}").format(cap=cap_at.isoformat(" ", "minutes")),
                          field="live_at")


def check_quote(cents: int, minimum_cents: int) -> None:
    """A quote is never 0 and never below the activity's minimum (报价)."""
    if cents <= 0:
        raise DomainError(_("报价不能为 0"), field="quote")
    if cents < minimum_cents:
        raise DomainError(_("报价不能低于 ¥{min}").format(min=f"{minimum_cents // 100:,}"), field="quote")


def proportional(quote_cents: int, shown: int, ordered: int) -> int:
    """Proportional settlement (等比例结算): the share of the quote for the products shown."""
    if ordered <= 0 or shown < 0 or shown > ordered:
        raise ValueError("shown must be between 0 and ordered")
    exact = Decimal(quote_cents) * shown / ordered
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def exclusive_share(exclusive: int, total: int) -> Decimal:
    return Decimal(0) if total == 0 else (Decimal(exclusive) / Decimal(total))


def check_exclusive_share(exclusive: int, total: int, minimum: Decimal) -> None:
    """At least `minimum` of a live's products come from the exclusive pool (备货 20% 规则)."""
    share = exclusive_share(exclusive, total)
    if total == 0:
        raise DomainError(_("请选择直播商品"), field="product_ids")
    if share < minimum:
        raise DomainError(_("专属货品池商品占比 {share} 低于 {min}").format(
            share=f"{share * 100:.0f}%", min=f"{minimum * 100:.0f}%"), field="product_ids")


# ---- cooperation record (我的直播通数据) ------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Record:
    success: Decimal | None       # None: too few finished cooperations to judge
    response: Decimal | None
    completion: Decimal | None
    finished: int
    penalties: int


def rate(part: int, whole: int) -> Decimal | None:
    return None if whole == 0 else Decimal(part) / Decimal(whole)


def below_thresholds(record: Record, min_success: Decimal, min_response: Decimal, min_completion: Decimal,
                     min_samples: int) -> list[str]:
    """Which of the three rates are below the line (nothing is judged before `min_samples`)."""
    if record.finished < min_samples:
        return []
    low = []
    for name, value, line in ((_("合作成功率"), record.success, min_success),
                              (_("合作响应率"), record.response, min_response),
                              (_("任务完成率"), record.completion, min_completion)):
        if value is not None and value < line:
            low.append(_("{name} {value} 低于 {line}").format(name=name, value=f"{value * 100:.0f}%",
                                                           line=f"{line * 100:.0f}%"))
    return low
