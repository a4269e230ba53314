"""Reading live tasks: the filtered list, one task's detail with its timeline, the cancel preview."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from pydantic import Field, field_validator, model_validator
from sqlalchemy import and_, or_, select

from workbench.domain.errors import DomainError
from workbench.domain.roles import Role
from workbench.domain.tasks import SUBS_OF, TaskStatus, TaskSub, state_label
from workbench.i18n import _
from workbench.services.base import Actor, Command, read_only
from workbench.services.tasks import visible_task
from workbench.store.models import (
    AuditEntry, Creator, Dispute, LiveTask, Merchant, Product, TargetedPlan, TaskProduct, User,
)
from workbench.store.uow import UnitOfWork

PAGE = 50


class TaskQuery(Command):
    status: str | None = Field(default=None, pattern="^(pending|in_progress|disputed|completed|cancelled)$")
    sub_status: str | None = None
    after_id: int | None = Field(default=None, description="keyset: the tasks after this one in the sort")
    limit: int = Field(default=PAGE, ge=1, le=500)
    sort: str = Field(default="newest", description="newest, air (soonest air time first) or amount (highest first)")
    view: str | None = Field(default=None, description="a saved view's name: its filter and sort")

    @field_validator("sort")
    @classmethod
    def _sort(cls, v: str) -> str:
        from workbench.services.views import check_sort

        return check_sort("tasks", v)

    @model_validator(mode="after")
    def _sub_of_status(self) -> "TaskQuery":
        if self.sub_status:
            if not self.status:
                raise DomainError(_("按子状态筛选前请先选状态"), field="sub_status")
            subs = {s.value for s in SUBS_OF[TaskStatus(self.status)]}
            if self.sub_status not in subs:
                raise DomainError(_("子状态与状态不符: {sub}").format(sub=self.sub_status), field="sub_status")
        return self


@dataclass(frozen=True, slots=True)
class TaskRow:
    id: int
    merchant: str
    creator: str
    air_at: datetime
    hours: int
    amount_cents: int
    status: str
    sub_status: str
    state: str
    version: int = 0


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    at: datetime
    who: str
    what: str
    note: str


@dataclass(frozen=True, slots=True)
class TaskDetail:
    row: TaskRow
    contact_name: str
    contact_phone: str
    kind: str
    return_sample: bool
    quote_cents: int
    plan: str
    commission_rate: Decimal | None
    targeted_plan: bool
    products: list[tuple[int, str, str]]
    cancel_reason: str
    dispute: str
    timeline: list[TimelineEntry]
    actions: list[str]


def _scope(actor: Actor):
    stmt = select(LiveTask)
    if actor.role is Role.MERCHANT:
        stmt = stmt.where(LiveTask.merchant_id == actor.id)
    elif actor.role is Role.CREATOR:
        stmt = stmt.where(LiveTask.creator_id == actor.id)
    elif actor.role is not Role.SUPPORT and not actor.is_system:
        stmt = stmt.where(False)
    return stmt


def _names(uow: UnitOfWork, tasks: list[LiveTask]) -> tuple[dict[int, str], dict[int, str]]:
    mids = {t.merchant_id for t in tasks}
    cids = {t.creator_id for t in tasks}
    merchants: dict[int, str] = {}
    creators: dict[int, str] = {}
    if mids:
        merchants = {uid: name for uid, name in uow.session.execute(
            select(Merchant.user_id, Merchant.company).where(Merchant.user_id.in_(mids)))}
    if cids:
        creators = {uid: name for uid, name in uow.session.execute(
            select(Creator.user_id, Creator.nickname).where(Creator.user_id.in_(cids)))}
    return merchants, creators


def _row(t: LiveTask, merchants: dict[int, str], creators: dict[int, str]) -> TaskRow:
    return TaskRow(t.id, merchants.get(t.merchant_id, ""), creators.get(t.creator_id, ""), t.air_at, t.hours,
                   t.amount_cents, t.status, t.sub_status, state_label(t.status, t.sub_status), t.version)


@read_only
def list_tasks(uow: UnitOfWork, actor: Actor, cmd: TaskQuery | None = None) -> list[TaskRow]:
    """The actor's tasks filtered by status and sub-status, in the chosen sort, a page at a time
    (a keyset on (sort key, id), no OFFSET)."""
    from workbench.services.views import apply_view

    cmd = apply_view(uow, actor, "tasks", cmd or TaskQuery())
    stmt = _scope(actor)
    if cmd.status:
        stmt = stmt.where(LiveTask.status == cmd.status)
        if cmd.sub_status:
            if TaskSub(cmd.sub_status) not in SUBS_OF[TaskStatus(cmd.status)]:
                raise DomainError(_("子状态与状态不符: {sub}").format(sub=cmd.sub_status), field="sub_status")
            stmt = stmt.where(LiveTask.sub_status == cmd.sub_status)
    elif cmd.sub_status:
        raise DomainError(_("按子状态筛选前请先选状态"), field="sub_status")
    key = {"newest": None, "air": LiveTask.air_at, "amount": LiveTask.amount_cents}[cmd.sort]
    descending = cmd.sort != "air"
    if cmd.after_id:
        if key is None:
            stmt = stmt.where(LiveTask.id < cmd.after_id)
        else:
            value = uow.session.scalar(select(key).where(LiveTask.id == cmd.after_id))
            if value is None:   # no such task: nothing comes after it
                return []
            stmt = stmt.where(or_(key < value, and_(key == value, LiveTask.id < cmd.after_id)) if descending
                              else or_(key > value, and_(key == value, LiveTask.id > cmd.after_id)))
    order = [LiveTask.id.desc() if descending else LiveTask.id.asc()]
    if key is not None:
        order.insert(0, key.desc() if descending else key.asc())
    tasks = list(uow.session.scalars(stmt.order_by(*order).limit(cmd.limit)))
    merchants, creators = _names(uow, tasks)
    return [_row(t, merchants, creators) for t in tasks]


def _actions(actor: Actor, t: LiveTask) -> list[str]:
    """The actions the actor can take on the task now (the screen shows only these)."""
    s, sub = t.status, t.sub_status
    if actor.role is Role.CREATOR:
        if s == TaskStatus.PENDING:
            return ["accept", "reject"]
        if s == TaskStatus.IN_PROGRESS and sub == TaskSub.WAITING_AIR:
            return ["go_live", "creator_cancel"]
        if s == TaskStatus.IN_PROGRESS and sub == TaskSub.LIVE:
            return ["end_live"]
    if actor.role is Role.MERCHANT:
        if s == TaskStatus.IN_PROGRESS and sub == TaskSub.AWAITING_CHECK:
            return ["check", "merchant_cancel"]
        if s in (TaskStatus.PENDING, TaskStatus.IN_PROGRESS):
            return ["merchant_cancel"]
    if actor.role is Role.SUPPORT and s == TaskStatus.DISPUTED:
        return ["rule"]
    return []


def _timeline_label(action: str) -> str:
    labels = {
        "task.publish": _("发布任务, 冻结费用"), "task.accept": _("接单"), "task.reject": _("拒绝任务"),
        "task.go_live": _("开播"), "task.end_live": _("下播, 待验收"), "task.check": _("验收通过, 费用付给达人"),
        "task.cancel": _("取消任务"), "task.time_out": _("超时未接单, 自动取消"), "dispute.rule": _("平台裁决"),
    }
    return labels.get(action, action)


@read_only
def task_detail(uow: UnitOfWork, actor: Actor, task_id: int) -> TaskDetail:
    t = visible_task(uow, actor, task_id)
    merchants, creators = _names(uow, [t])
    products = [(p.id, p.name, p.category) for p in uow.session.scalars(
        select(Product).join(TaskProduct, TaskProduct.product_id == Product.id)
        .where(TaskProduct.task_id == t.id).order_by(Product.id))]
    rows = uow.session.execute(
        select(AuditEntry, User.name).outerjoin(User, User.id == AuditEntry.actor_id)
        .where(AuditEntry.entity == "task", AuditEntry.entity_id == t.id)
        .order_by(AuditEntry.at, AuditEntry.id))
    timeline = []
    for entry, name in rows:
        detail = json.loads(entry.detail)
        note = detail.get("reason") or detail.get("ruling") or ""
        timeline.append(TimelineEntry(entry.at, name or _("系统"), _timeline_label(entry.action), note))
    dispute = uow.session.scalar(select(Dispute).where(Dispute.task_id == t.id))
    dispute_text = ""
    if dispute is not None:
        dispute_text = (_("待平台小二裁决") if dispute.status == "open"
                        else _("已裁决: {ruling}").format(ruling=dispute.ruling))
    targeted = uow.session.scalar(select(TargetedPlan.id).where(TargetedPlan.task_id == t.id)) is not None
    return TaskDetail(
        _row(t, merchants, creators), t.contact_name, t.contact_phone, t.kind, t.return_sample, t.quote_cents,
        t.plan, t.commission_rate, targeted, products, t.cancel_reason, dispute_text, timeline, _actions(actor, t))
