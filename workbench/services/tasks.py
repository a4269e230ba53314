"""Live tasks (直播任务): publish and freeze, accept or reject, go live, check, cancel, time out."""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field, field_validator
from sqlalchemy import select

from workbench.domain import validate
from workbench.domain.errors import DomainError, NotFound
from workbench.domain.formatting import parse_local_minute
from workbench.domain.ledger import AccountKind
from workbench.domain.money import Money, parse_rate
from workbench.domain.roles import Role
from workbench.domain.tasks import (
    CancelRule, Outcome, TaskStatus, TaskSub, check_air_time, check_allowed,
    merchant_cancel_rule, timeout_due,
)
from workbench.i18n import _
from workbench.services import ledger, reminders
from workbench.services.reputation import refresh_records
from workbench.services.agency import creator_admission, merchant_admission
from workbench.services.funds import require_task_account_bound
from workbench.services.base import (
    Actor, Command, audit, guarded_update, notify, party_visible, read_only, require_role,
)
from workbench.store.models import (
    Creator, Dispute, LiveTask, Product, TargetedPlan, TaskProduct,
)
from workbench.store.uow import UnitOfWork, expect_version

MAX_HOURS = 24


class PublishTask(Command):
    """The task form (任务表单)."""

    creator_id: int
    contact_name: str = Field(min_length=1, max_length=50)
    contact_phone: str
    air_at: str = Field(description="expected air time, YYYY-MM-DD HH:MM in your zone")
    return_sample: bool = False
    kind: str = Field(default="dedicated", pattern="^(dedicated|shared)$")
    hours: int = Field(ge=1, le=MAX_HOURS)
    product_ids: list[int] = Field(min_length=1)
    plan: str = Field(default="normal", pattern="^(normal|targeted)$")
    commission_rate: str | None = None

    @field_validator("contact_phone")
    @classmethod
    def _phone(cls, v: str) -> str:
        return validate.phone(v)

    @field_validator("commission_rate")
    @classmethod
    def _rate(cls, v: str | None) -> str | None:
        if v is not None and v != "":
            parse_rate(v, field="commission_rate")
        return v or None


class TaskRef(Command):
    task_id: int
    version: int | None = None  # the version the person saw (TaskRow.version); refused if it changed


class Reasoned(Command):
    task_id: int
    reason: str = Field(min_length=1, max_length=300)
    version: int | None = None  # the version the person saw; refused if it changed since


class CancelTask(Command):
    task_id: int
    reason: str = Field(min_length=1, max_length=300)
    version: int | None = None  # the version the person saw; refused if it changed since


# ---- reading one task with visibility ---------------------------------------------------------

def visible_task(uow: UnitOfWork, actor: Actor, task_id: int) -> LiveTask:
    """The task if the actor may see it; otherwise the same 'not found' as for a missing one."""
    task = uow.session.get(LiveTask, task_id)
    if task is not None and party_visible(actor, task.merchant_id, task.creator_id):
        return task
    raise NotFound(_("没有这个任务: #{id}").format(id=task_id), field="task_id")


def _own_task(uow: UnitOfWork, actor: Actor, task_id: int, role: Role, seen: int | None = None) -> LiveTask:
    require_role(actor, role)
    task = visible_task(uow, actor, task_id)
    expect_version(task, seen)
    return task


def _move(uow: UnitOfWork, task: LiveTask, action: str, status: TaskStatus, sub: TaskSub = TaskSub.NONE,
          **values) -> None:
    """Change the task's state if, and only if, it is still in the state the action starts from."""
    guarded_update(uow, task, lambda: check_allowed(action, task.status, task.sub_status),
                   _("任务刚被其他人修改, 请刷新后重试"), status=status.value, sub_status=sub.value, **values)


# ---- money ------------------------------------------------------------------------------------

def _freeze(uow: UnitOfWork, actor: Actor, task: LiveTask) -> None:
    available = ledger.account(uow, task.merchant_id, AccountKind.AVAILABLE)
    frozen = ledger.account(uow, task.merchant_id, AccountKind.FROZEN)
    ledger.transfer(uow, actor, "task_freeze", available, frozen, task.amount_cents, ref=("task", task.id))


def release(uow: UnitOfWork, actor: Actor, task: LiveTask, to_creator: int, kind: str) -> None:
    """Release the task's frozen amount exactly once: `to_creator` to the creator, the rest back."""
    frozen = ledger.account(uow, task.merchant_id, AccountKind.FROZEN)
    to_merchant = task.amount_cents - to_creator
    legs = [(frozen, -task.amount_cents)]
    if to_creator:
        legs.append((ledger.account(uow, task.creator_id, AccountKind.AVAILABLE), to_creator))
    if to_merchant:
        legs.append((ledger.account(uow, task.merchant_id, AccountKind.AVAILABLE), to_merchant))
    ledger.post(uow, actor, kind, legs, ref=("task", task.id))


# ---- use cases --------------------------------------------------------------------------------

def _orderable_creator(uow: UnitOfWork, creator_id: int) -> Creator:
    """A creator who can be ordered now: admitted (verified, level ≥ V1) and not resting."""
    creator_admission(uow, creator_id)
    creator = uow.session.get(Creator, creator_id)
    if creator.resting:
        raise DomainError(_("{name} 休息中, 暂不接单").format(name=creator.nickname), field="creator_id")
    return creator


def publish_task(uow: UnitOfWork, actor: Actor, cmd: PublishTask) -> int:
    """Publish a task and freeze quote × hours; refused with the shortfall when the balance is short."""
    require_role(actor, Role.MERCHANT)
    merchant_admission(uow, actor.id)
    require_task_account_bound(uow, actor)
    creator = _orderable_creator(uow, cmd.creator_id)
    air_at = parse_local_minute(cmd.air_at, actor.zone)
    check_air_time(air_at, uow.now)
    rate: Decimal | None = None
    if cmd.plan == "targeted":
        if cmd.commission_rate is None:
            raise DomainError(_("定向计划需要填写佣金率"), field="commission_rate")
        rate = parse_rate(cmd.commission_rate, field="commission_rate")
    owned = set(uow.session.scalars(select(Product.id).where(
        Product.id.in_(cmd.product_ids), Product.merchant_id == actor.id)))
    missing = [p for p in cmd.product_ids if p not in owned]
    if missing:
        raise NotFound(_("没有这个商品: #{id}").format(id=missing[0]), field="product_ids")
    amount = Money(creator.quote_cents).times(cmd.hours)
    task = LiveTask(
        merchant_id=actor.id, creator_id=creator.user_id, contact_name=cmd.contact_name,
        contact_phone=cmd.contact_phone, air_at=air_at, return_sample=cmd.return_sample, kind=cmd.kind,
        hours=cmd.hours, quote_cents=creator.quote_cents, amount_cents=amount.cents, plan=cmd.plan,
        commission_rate=rate, status=TaskStatus.PENDING.value, sub_status="", created_at=uow.now)
    uow.session.add(task)
    uow.session.flush()
    uow.session.add_all(TaskProduct(task_id=task.id, product_id=p) for p in dict.fromkeys(cmd.product_ids))
    _freeze(uow, actor, task)
    audit(uow, actor, "task.publish", "task", task.id, creator=creator.user_id, hours=cmd.hours,
          amount=amount.cents, kind=cmd.kind, plan=cmd.plan)
    notify(uow, creator.user_id, "task_new", screen="tasks", ref_id=task.id, task=task.id,
           amount=amount.cents)
    uow.commit()
    return task.id


def accept_task(uow: UnitOfWork, actor: Actor, cmd: TaskRef) -> int:
    """The creator accepts: the task goes in progress; a targeted plan is created now, not before."""
    task = _own_task(uow, actor, cmd.task_id, Role.CREATOR, cmd.version)
    hours = uow.rules.flow_b.acceptance_timeout_hours
    if task.status == TaskStatus.PENDING and uow.now >= timeout_due(task.created_at, hours):
        # timed out, even if the sweep that cancels and refunds it has not run yet
        raise DomainError(_("达人 {hours} 小时内未接单").format(hours=hours), field="task")
    _move(uow, task, "accept", TaskStatus.IN_PROGRESS, TaskSub.WAITING_AIR,
          accepted_at=uow.now, last_action_at=uow.now)
    reminders.deadline_set(uow, "air_time", task.id, task.air_at, task.creator_id)
    if task.plan == "targeted":
        uow.session.add(TargetedPlan(task_id=task.id, merchant_id=task.merchant_id, creator_id=task.creator_id,
                                     commission_rate=task.commission_rate, created_at=uow.now))
    audit(uow, actor, "task.accept", "task", task.id)
    notify(uow, task.merchant_id, "task_accepted", screen="tasks", ref_id=task.id, task=task.id)
    uow.commit()
    return task.id


def reject_task(uow: UnitOfWork, actor: Actor, cmd: Reasoned) -> int:
    """The creator rejects: nothing is created, the merchant gets the whole amount back."""
    task = _own_task(uow, actor, cmd.task_id, Role.CREATOR, cmd.version)
    _move(uow, task, "reject", TaskStatus.CANCELLED, TaskSub.CREATOR_REJECTED,
          closed_at=uow.now, cancel_reason=cmd.reason)
    release(uow, actor, task, 0, "task_refund")
    audit(uow, actor, "task.reject", "task", task.id, reason=cmd.reason)
    notify(uow, task.merchant_id, "task_rejected", screen="tasks", ref_id=task.id, task=task.id,
           reason=cmd.reason, amount=task.amount_cents)
    uow.commit()
    return task.id


def go_live(uow: UnitOfWork, actor: Actor, cmd: TaskRef) -> int:
    task = _own_task(uow, actor, cmd.task_id, Role.CREATOR, cmd.version)
    _move(uow, task, "go_live", TaskStatus.IN_PROGRESS, TaskSub.LIVE, last_action_at=uow.now)
    audit(uow, actor, "task.go_live", "task", task.id)
    notify(uow, task.merchant_id, "task_live", screen="tasks", ref_id=task.id, task=task.id)
    uow.commit()
    return task.id


def end_live(uow: UnitOfWork, actor: Actor, cmd: TaskRef) -> int:
    task = _own_task(uow, actor, cmd.task_id, Role.CREATOR, cmd.version)
    _move(uow, task, "end_live", TaskStatus.IN_PROGRESS, TaskSub.AWAITING_CHECK, last_action_at=uow.now)
    audit(uow, actor, "task.end_live", "task", task.id)
    notify(uow, task.merchant_id, "task_to_check", screen="tasks", ref_id=task.id, task=task.id)
    uow.commit()
    return task.id


def check_task(uow: UnitOfWork, actor: Actor, cmd: TaskRef) -> int:
    """The merchant's check (初验) passes: the frozen amount goes to the creator."""
    task = _own_task(uow, actor, cmd.task_id, Role.MERCHANT, cmd.version)
    _move(uow, task, "check", TaskStatus.COMPLETED, TaskSub.NONE, closed_at=uow.now, last_action_at=uow.now)
    release(uow, actor, task, task.amount_cents, "task_settle")
    audit(uow, actor, "task.check", "task", task.id, amount=task.amount_cents)
    notify(uow, task.creator_id, "task_paid", screen="funds", ref_id=task.id, task=task.id,
           amount=task.amount_cents)
    refresh_records(uow, [task.merchant_id])   # a check done (paid)
    uow.commit()
    return task.id


@read_only
def cancel_preview(uow: UnitOfWork, actor: Actor, cmd: TaskRef) -> CancelRule:
    """What cancelling would do now, to show before the user confirms."""
    task = visible_task(uow, actor, cmd.task_id)
    return _cancel_rule(uow, actor, task)


def _cancel_rule(uow: UnitOfWork, actor: Actor, task: LiveTask) -> CancelRule:
    if actor.role is Role.CREATOR:
        check_allowed("creator_cancel", task.status, task.sub_status)
        return CancelRule(Outcome.REFUND, 0, task.amount_cents, _("达人取消: 达人无收益, 全额退还商家"))
    if actor.role is Role.MERCHANT:
        fb = uow.rules.flow_b
        return merchant_cancel_rule(
            status=task.status, sub=task.sub_status, amount_cents=task.amount_cents, air_at=task.air_at,
            last_action_at=task.last_action_at, now=uow.now, zone=actor.zone,
            no_action_days=fb.no_action_refund_days, air_day_share=fb.air_day_compensation)
    raise NotFound(_("没有这个任务: #{id}").format(id=task.id), field="task_id")


def cancel_task(uow: UnitOfWork, actor: Actor, cmd: CancelTask) -> CancelRule:
    """Cancel with a reason. The rule decides: refund, compensation, or a dispute for support."""
    require_role(actor, Role.MERCHANT, Role.CREATOR)
    task = visible_task(uow, actor, cmd.task_id)
    expect_version(task, cmd.version)
    rule = _cancel_rule(uow, actor, task)
    other = task.creator_id if actor.role is Role.MERCHANT else task.merchant_id
    # a task waiting for its check counts against the merchant once past the window; leaving it moves the record
    was_awaiting_check = (task.status, task.sub_status) == (TaskStatus.IN_PROGRESS.value,
                                                            TaskSub.AWAITING_CHECK.value)
    if rule.outcome is Outcome.DISPUTE:
        _move(uow, task, "merchant_cancel", TaskStatus.DISPUTED, TaskSub.NONE, cancel_reason=cmd.reason)
        uow.session.add(Dispute(task_id=task.id, opened_at=uow.now, opened_by=actor.id, reason=cmd.reason))
        audit(uow, actor, "task.cancel", "task", task.id, reason=cmd.reason, outcome=rule.outcome.value)
        notify(uow, other, "task_disputed", screen="tasks", ref_id=task.id, task=task.id, reason=cmd.reason)
        if was_awaiting_check:
            refresh_records(uow, [task.merchant_id])
        uow.commit()
        return rule
    if actor.role is Role.CREATOR:
        _move(uow, task, "creator_cancel", TaskStatus.CANCELLED, TaskSub.CREATOR_CANCELLED,
              closed_at=uow.now, cancel_reason=cmd.reason)
    else:
        _move(uow, task, "merchant_cancel", TaskStatus.CANCELLED, TaskSub.MERCHANT_CANCELLED,
              closed_at=uow.now, cancel_reason=cmd.reason)
    release(uow, actor, task, rule.to_creator_cents,
            "task_compensate" if rule.to_creator_cents else "task_refund")
    audit(uow, actor, "task.cancel", "task", task.id, reason=cmd.reason, outcome=rule.outcome.value,
          to_creator=rule.to_creator_cents, to_merchant=rule.to_merchant_cents)
    notify(uow, other, "task_cancelled", screen="tasks", ref_id=task.id, task=task.id, reason=cmd.reason,
           rule=rule.why)
    if was_awaiting_check:
        refresh_records(uow, [task.merchant_id])
    uow.commit()
    return rule


