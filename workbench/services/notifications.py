"""Notifications (通知): rendered in the reader's language, marked read by their owner."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING
from datetime import datetime

from sqlalchemy import func, select, update

from workbench.domain.errors import NotFound
from workbench.domain.money import format_money
from workbench.i18n import _, pick
from workbench.services.base import Actor, audit, read_only
from workbench.store.models import Notification
from workbench.store.uow import UnitOfWork

if TYPE_CHECKING:
    from workbench.services.notification_commands import MarkRead, NoteIds, NotificationQuery

COMMANDS = ("NotificationQuery", "NoteIds", "MarkRead")


def __getattr__(name: str):
    """The commands live in `notification_commands`: pydantic is loaded when one is first used,
    not by the session's poll, which reads this module at rest."""
    if name in COMMANDS:
        from workbench.services import notification_commands

        return getattr(notification_commands, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _templates() -> dict[str, str]:
    return {
        "welcome": _("欢迎使用工作台, {name}"),
        "top_up_confirmed": _("充值 {amount} 已到账"),
        "top_up_rejected": _("充值 {amount} 被驳回: {note}"),
        "task_new": _("新任务 #{task}: 冻结 {amount}, 请及时接单"),
        "task_accepted": _("任务 #{task} 已被接单"),
        "task_rejected": _("任务 #{task} 被拒绝: {reason}; {amount} 已退回"),
        "task_live": _("任务 #{task} 开播了"),
        "task_to_check": _("任务 #{task} 已下播, 请验收"),
        "task_paid": _("任务 #{task} 验收通过, {amount} 已到账"),
        "task_disputed": _("任务 #{task} 的取消进入争议: {reason}"),
        "task_cancelled": _("任务 #{task} 已取消: {reason} ({rule})"),
        "task_timed_out": _("任务 #{task} 超时未接单, {amount} 已退回"),
        "dispute_ruled": _("任务 #{task} 争议已裁决: 达人获赔 {amount}。{ruling}"),
        "intent_new": _("{creator} 预选了 {product}, 可提报到其专属货品池"),
        "pool_new": _("{merchant} 把 {product} 提报到您的专属货品池"),
        "order_invited": _("{creator} 邀约订单 #{order}, 报价 {amount}, 请确认并付款"),
        "order_paid": _("订单 #{order} 已付款 {amount}, 请接单"),
        "order_declined": _("订单 #{order} 的邀约被商家拒绝"),
        "order_accepted": _("订单 #{order} 主播已接单, 请寄样"),
        "order_shipped": _("订单 #{order} 样品已寄出 ({tracking}), 请在 5 天内排期或关闭"),
        "order_scheduled": _("订单 #{order} 已排期"),
        "order_closed": _("订单 #{order} 被主播关闭: {reason}; 退回样品运单 {tracking}"),
        "order_delivered": _("订单 #{order} 已交付, 结算 {amount}"),
        "order_delivered_merchant": _("订单 #{order} 已交付: 讲解 {shown}/{ordered} 个商品, 结算 {amount}"),
        "order_auto_confirmed": _("订单 #{order} 5 天内未排期, 已自动确认, 15 天内须交付"),
        "order_overdue": _("订单 #{order} 已逾期, {amount} 已退回; 可以发起投诉"),
        "order_overdue_creator": _("订单 #{order} 已逾期, 计入您的合作数据"),
        "complaint_ruled": _("订单 #{order} 的投诉已处理 ({outcome}): {ruling}"),
        "sample_reported": _("{creator} 报告了订单 #{order} 的样品问题: {detail}; 等待平台处理"),
        "sample_upheld": _("订单 #{order} 的样品问题经平台认定成立, 计入商家信誉: {ruling}"),
        "sample_dismissed": _("订单 #{order} 的样品问题经平台认定不成立: {ruling}"),
        "plan_approved": _("备货单 #{plan} 审核通过"),
        "reminder_schedule_window": _("提醒: 订单 #{ref} 须在 {deadline} 前排期或关闭 (还剩约 {hours} 小时)"),
        "reminder_latest_delivery": _("提醒: 订单 #{ref} 最晚交付时间 {deadline} (还剩约 {hours} 小时), 请按时开播讲解"),
        "reminder_acceptance_timeout": _("提醒: 任务 #{ref} 将在 {deadline} 超时, 请尽快接单或拒绝"),
        "reminder_air_time": _("提醒: 任务 #{ref} 将于 {deadline} 开播, 请备好样品与直播间"),
        "reminder_stock_plan_review": _("提醒: 备货单 #{ref} 的直播 {deadline} 开始, 仍待审核, 请尽快审核"),
        "binding_invite": _("{agency} 邀请您绑定, 请确认"),
        "store_binding_invite": _("{agency} 邀请 {store} 进行直播基地合作, 请确认"),
        "binding_answered": _("{party} 已答复绑定邀请 ({outcome})"),
        "base_signed_in": _("{creator} 在基地签到"),
        "plan_rejected": _("备货单 #{plan} 被驳回: {reason}"),
        "webhook_test": _("测试消息: 工作台的 Webhook 推送已连通"),
        "rating_received_order": _("{who} 对订单 #{ref} 给了您 {score} 星评价"),
        "rating_received_task": _("{who} 对任务 #{ref} 给了您 {score} 星评价"),
    }


@dataclass(frozen=True, slots=True)
class NotificationView:
    id: int
    at: datetime
    kind: str
    text: str
    screen: str | None
    ref_id: int | None
    read: bool


def render(kind: str, params_json: str) -> str:
    params = json.loads(params_json or "{}")
    if kind == "notice":  # a free-text notice carries both languages
        return pick(params.get("text_zh", ""), params.get("text_en", ""))
    if "amount" in params and isinstance(params["amount"], int):
        params["amount"] = format_money(params["amount"])
    template = _templates().get(kind, kind)
    try:
        text = template.format(**params)
    except (KeyError, IndexError):
        return template
    if params.get("late"):   # sent after its time (nothing was running): say how late
        text += _(" (迟发 {m} 分钟)").format(m=params["late"])
    return text


@read_only
def unread_count(uow: UnitOfWork, actor: Actor) -> int:
    """Unread notifications in the inbox; hidden ones do not count."""
    stmt = select(func.count()).select_from(Notification).where(
        Notification.user_id == actor.id, Notification.read_at.is_(None), Notification.hidden_at.is_(None))
    return uow.session.scalar(stmt) or 0


@read_only
def list_notifications(uow: UnitOfWork, actor: Actor, limit: int = 100, hidden: bool = False,
                       unread_only: bool = False, sort: str = "newest") -> list[NotificationView]:
    """The inbox, newest first (or oldest first); with `hidden`, the notifications the reader hid
    instead; with `unread_only`, only those not read yet (a saved view's filter)."""
    from workbench.services.views import check_sort

    shown = Notification.hidden_at.is_not(None) if hidden else Notification.hidden_at.is_(None)
    stmt = select(Notification).where(Notification.user_id == actor.id, shown)
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    order = ((Notification.at.asc(), Notification.id.asc()) if check_sort("notifications", sort) == "oldest"
             else (Notification.at.desc(), Notification.id.desc()))
    rows = uow.session.scalars(stmt.order_by(*order).limit(limit))
    return [NotificationView(n.id, n.at, n.kind, render(n.kind, n.params), n.screen, n.ref_id,
                             n.read_at is not None) for n in rows]


@read_only
def inbox(uow: UnitOfWork, actor: Actor, cmd: NotificationQuery | None = None) -> list[NotificationView]:
    """The inbox as a list with a filter, a sort and saved views (`workbench notifications list`)."""
    from workbench.services.views import apply_view

    from workbench.services.notification_commands import NotificationQuery

    cmd = apply_view(uow, actor, "notifications", cmd or NotificationQuery())
    return list_notifications(uow, actor, unread_only=cmd.read == "unread", sort=cmd.sort)


@read_only
def hidden_notifications(uow: UnitOfWork, actor: Actor) -> list[NotificationView]:
    """The notifications the reader hid, newest first (to bring one back)."""
    return list_notifications(uow, actor, hidden=True)


def _owned(uow: UnitOfWork, actor: Actor, ids: list[int]) -> list[Notification]:
    """The actor's own notifications; someone else's id answers like a missing one."""
    rows = {n.id: n for n in uow.session.scalars(select(Notification).where(
        Notification.id.in_(ids), Notification.user_id == actor.id))}
    missing = [i for i in ids if i not in rows]
    if missing:
        raise NotFound(_("没有这条通知: #{id}").format(id=missing[0]), field="ids")
    return [rows[i] for i in dict.fromkeys(ids)]


def hide(uow: UnitOfWork, actor: Actor, cmd: NoteIds) -> int:
    """Hide notifications from the inbox and the unread count (隐藏); nothing is deleted, `unhide`
    brings them back."""
    notes = [n for n in _owned(uow, actor, cmd.ids) if n.hidden_at is None]
    for n in notes:
        n.hidden_at = uow.now
    if notes:
        audit(uow, actor, "notification.hide", "notification", notes[0].id if len(notes) == 1 else None,
              ids=[n.id for n in notes])
    uow.commit()
    return len(notes)


def unhide(uow: UnitOfWork, actor: Actor, cmd: NoteIds) -> int:
    """Bring hidden notifications back to the inbox (the undo of `hide`, also later from the hidden list)."""
    notes = [n for n in _owned(uow, actor, cmd.ids) if n.hidden_at is not None]
    for n in notes:
        n.hidden_at = None
    if notes:
        audit(uow, actor, "notification.unhide", "notification", notes[0].id if len(notes) == 1 else None,
              ids=[n.id for n in notes])
    uow.commit()
    return len(notes)


def mark_read(uow: UnitOfWork, actor: Actor, cmd: MarkRead) -> int:
    """Mark the actor's notifications read; someone else's ids answer 'not found'."""
    stmt = update(Notification).where(Notification.user_id == actor.id,
                                      Notification.read_at.is_(None))
    if cmd.ids is not None:
        owned = set(uow.session.scalars(select(Notification.id).where(
            Notification.id.in_(cmd.ids), Notification.user_id == actor.id)))
        missing = [i for i in cmd.ids if i not in owned]
        if missing:
            raise NotFound(_("没有这条通知: #{id}").format(id=missing[0]), field="ids")
        stmt = stmt.where(Notification.id.in_(cmd.ids))
    count = uow.session.execute(stmt.values(read_at=uow.now)).rowcount
    if count:
        audit(uow, actor, "notification.read", "notification", None, count=count, ids=cmd.ids)
    uow.commit()
    return count


@read_only
def store_version(uow: UnitOfWork) -> int:
    """A number that grows with every change to the store, by any process (each change is audited)."""
    from workbench.store.models import AuditEntry

    return uow.session.scalar(select(func.max(AuditEntry.id))) or 0


@read_only
def news(uow: UnitOfWork, actor: Actor, after_id: int) -> tuple[int, int, list[NotificationView]]:
    """The unread count, the newest notification id, and the notifications newer than `after_id`
    (for toasts; with `after_id` < 0 nothing is new yet: the session has just opened)."""
    newest = uow.session.scalar(select(func.max(Notification.id)).where(Notification.user_id == actor.id)) or 0
    if after_id < 0:
        return unread_count(uow, actor), newest, []
    rows = uow.session.scalars(select(Notification).where(
        Notification.user_id == actor.id, Notification.id > after_id).order_by(Notification.id).limit(20))
    fresh = [NotificationView(n.id, n.at, n.kind, render(n.kind, n.params), n.screen, n.ref_id,
                              n.read_at is not None) for n in rows]
    return unread_count(uow, actor), newest, fresh
