"""Live tasks (直播任务, Douyin 星图): states, the cancellation rule and the acceptance timeout."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo

from workbench.domain.errors import Conflict, DomainError
from workbench.i18n import _


class TaskStatus(StrEnum):
    PENDING = "pending"            # 待接单
    IN_PROGRESS = "in_progress"    # 进行中
    DISPUTED = "disputed"          # 争议中
    COMPLETED = "completed"        # 已完成
    CANCELLED = "cancelled"        # 已取消

    @property
    def label(self) -> str:
        return {
            TaskStatus.PENDING: _("待接单"),
            TaskStatus.IN_PROGRESS: _("进行中"),
            TaskStatus.DISPUTED: _("争议中"),
            TaskStatus.COMPLETED: _("已完成"),
            TaskStatus.CANCELLED: _("已取消"),
        }[self]


class TaskSub(StrEnum):
    NONE = ""
    WAITING_AIR = "waiting_air"                # 待开播
    LIVE = "live"                              # 直播中
    AWAITING_CHECK = "awaiting_check"          # 待验收
    CREATOR_REJECTED = "creator_rejected"      # 达人拒绝
    CREATOR_CANCELLED = "creator_cancelled"    # 达人取消
    MERCHANT_CANCELLED = "merchant_cancelled"  # 商家取消
    TIMED_OUT = "timed_out"                    # 达人超时未接单

    @property
    def label(self) -> str:
        return {
            TaskSub.NONE: "",
            TaskSub.WAITING_AIR: _("待开播"),
            TaskSub.LIVE: _("直播中"),
            TaskSub.AWAITING_CHECK: _("待验收"),
            TaskSub.CREATOR_REJECTED: _("达人拒绝"),
            TaskSub.CREATOR_CANCELLED: _("达人取消"),
            TaskSub.MERCHANT_CANCELLED: _("商家取消"),
            TaskSub.TIMED_OUT: _("达人超时"),
        }[self]


SUBS_OF: dict[TaskStatus, tuple[TaskSub, ...]] = {
    TaskStatus.PENDING: (TaskSub.NONE,),
    TaskStatus.IN_PROGRESS: (TaskSub.WAITING_AIR, TaskSub.LIVE, TaskSub.AWAITING_CHECK),
    TaskStatus.DISPUTED: (TaskSub.NONE,),
    TaskStatus.COMPLETED: (TaskSub.NONE,),
    TaskStatus.CANCELLED: (TaskSub.CREATOR_REJECTED, TaskSub.CREATOR_CANCELLED,
                           TaskSub.MERCHANT_CANCELLED, TaskSub.TIMED_OUT),
}


class LiveKind(StrEnum):
    DEDICATED = "dedicated"  # 专场
    SHARED = "shared"        # 拼场

    @property
    def label(self) -> str:
        return _("专场") if self is LiveKind.DEDICATED else _("拼场")


def state_label(status: str, sub: str) -> str:
    s = TaskStatus(status).label
    return f"{s} · {TaskSub(sub).label}" if sub else s


# ---- transitions ---------------------------------------------------------------------------

# Which (status, sub-status) each action starts from: the one table the services check against.
ALLOWED: dict[str, tuple[tuple[TaskStatus, TaskSub], ...]] = {
    "accept": ((TaskStatus.PENDING, TaskSub.NONE),),
    "reject": ((TaskStatus.PENDING, TaskSub.NONE),),
    "go_live": ((TaskStatus.IN_PROGRESS, TaskSub.WAITING_AIR),),
    "end_live": ((TaskStatus.IN_PROGRESS, TaskSub.LIVE),),
    "check": ((TaskStatus.IN_PROGRESS, TaskSub.AWAITING_CHECK),),
    "creator_cancel": ((TaskStatus.IN_PROGRESS, TaskSub.WAITING_AIR),),
    "merchant_cancel": ((TaskStatus.PENDING, TaskSub.NONE), (TaskStatus.IN_PROGRESS, TaskSub.WAITING_AIR),
                        (TaskStatus.IN_PROGRESS, TaskSub.LIVE), (TaskStatus.IN_PROGRESS, TaskSub.AWAITING_CHECK)),
    "time_out": ((TaskStatus.PENDING, TaskSub.NONE),),
    "rule": ((TaskStatus.DISPUTED, TaskSub.NONE),),
}


def action_label(action: str) -> str:
    return {
        "accept": _("接单"), "reject": _("拒绝"), "go_live": _("开播"), "end_live": _("下播"),
        "check": _("验收"), "creator_cancel": _("取消"), "merchant_cancel": _("取消"),
        "time_out": _("超时取消"), "rule": _("裁决"),
    }[action]


def check_allowed(action: str, status: str, sub: str) -> None:
    """Refuse an action the task's state does not allow, saying what state it is in."""
    if (TaskStatus(status), TaskSub(sub)) not in ALLOWED[action]:
        raise Conflict(_("任务当前为「{state}」, 不能{action}").format(
            state=state_label(status, sub), action=action_label(action)), field="task")


# ---- cancellation (seed 003) -------------------------------------------------------------------

class Outcome(StrEnum):
    REFUND = "refund"            # the whole frozen amount back to the merchant
    COMPENSATE = "compensate"    # the configured share to the creator, the rest back
    DISPUTE = "dispute"          # support staff decide


@dataclass(frozen=True, slots=True)
class CancelRule:
    outcome: Outcome
    to_creator_cents: int
    to_merchant_cents: int
    why: str


def _same_local_day(a: datetime, b: datetime, zone: str) -> bool:
    tz = ZoneInfo(zone)
    return a.astimezone(tz).date() == b.astimezone(tz).date()


def merchant_cancel_rule(*, status: str, sub: str, amount_cents: int, air_at: datetime,
                         last_action_at: datetime | None, now: datetime, zone: str,
                         no_action_days: int, air_day_share: Decimal) -> CancelRule:
    """What a merchant's cancellation does, shown before confirming and applied on confirm."""
    check_allowed("merchant_cancel", status, sub)
    if status == TaskStatus.PENDING:
        return CancelRule(Outcome.REFUND, 0, amount_cents, _("达人尚未接单: 全额退款"))
    if _same_local_day(now, air_at, zone) or sub == TaskSub.LIVE:
        to_creator = int((Decimal(amount_cents) * air_day_share).to_integral_value())
        return CancelRule(Outcome.COMPENSATE, to_creator, amount_cents - to_creator,
                          _("执行当天取消: {pct}% 赔付达人").format(pct=int(air_day_share * 100)))
    if last_action_at is not None and now - last_action_at >= timedelta(days=no_action_days):
        return CancelRule(Outcome.REFUND, 0, amount_cents,
                          _("接单后 {days} 天无任务动作: 全额退款").format(days=no_action_days))
    return CancelRule(Outcome.DISPUTE, 0, 0, _("其他情况: 进入争议, 由平台小二裁定赔付"))


def timeout_due(created_at: datetime, hours: int) -> datetime:
    """When a pending task times out (达人超时未接单)."""
    return created_at + timedelta(hours=hours)


def check_air_time(air_at: datetime, now: datetime) -> None:
    if air_at.second or air_at.microsecond:
        raise DomainError(_("期望播出时间精确到分钟"), field="air_at")
    if air_at <= now:
        raise DomainError(_("期望播出时间必须晚于现在"), field="air_at")


def check_ruling(compensation_cents: int, frozen_cents: int) -> None:
    if compensation_cents < 0 or compensation_cents > frozen_cents:
        raise DomainError(_("赔付金额必须在 ¥0.00 到冻结金额之间"), field="compensation")
