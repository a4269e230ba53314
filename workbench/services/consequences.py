"""Consequences (操作后果): what a money-moving or destructive action would do, read from the store
before the person confirms it. Each preview takes the same command as its action (a lighter one
with the same fields will do), checks the same role and visibility, and writes nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import Field
from sqlalchemy import select

from workbench.domain.errors import Conflict, DomainError, NotFound
from workbench.domain.ledger import AccountKind
from workbench.domain.money import Money, format_money
from workbench.domain.orders import OrderStatus, check_allowed as order_allowed
from workbench.domain.roles import Role
from workbench.domain.safety import (
    Consequence, Move, freeze_moves, freeze_text, release_moves, release_text, sentence,
)
from workbench.domain.tasks import Outcome, TaskStatus, TaskSub, check_allowed as task_allowed, check_ruling
from workbench.i18n import _
from workbench.services import ledger
from workbench.services.base import Actor, Command, read_only, require_role
from workbench.store.models import (
    Agency, Complaint, Creator, CreatorBinding, Dispute, LiveTask, Merchant, Shop, SignIn, StoreBinding, TopUp,
)
from workbench.store.uow import UnitOfWork


class ComplaintPreview(Command):
    complaint_id: int
    upheld: bool


class DecisionPreview(Command):
    top_up_id: int
    approve: bool


class RulingPreview(Command):
    """A dispute ruling as typed so far: the compensation decides the split."""

    dispute_id: int
    compensation: str = "0"


def _merchant(uow: UnitOfWork, user_id: int) -> str:
    return uow.session.scalar(select(Merchant.company).where(Merchant.user_id == user_id)) or ""


def _creator(uow: UnitOfWork, user_id: int) -> str:
    return uow.session.scalar(select(Creator.nickname).where(Creator.user_id == user_id)) or ""


def _no_money() -> str:
    return _("不涉及资金")


# ---- Flow A: orders ------------------------------------------------------------------------------

@read_only
def order_pay(uow: UnitOfWork, actor: Actor, cmd: Any) -> Consequence:
    from workbench.services.orders import _own

    order = _own(uow, actor, cmd.order_id, Role.MERCHANT)
    order_allowed("pay", order.status)
    available = ledger.balance(uow, order.merchant_id, AccountKind.AVAILABLE)
    state = _("订单变为「{state}」").format(state=OrderStatus.PAID.label)
    moves = freeze_moves(order.merchant_id, _merchant(uow, order.merchant_id), order.quote_cents)
    after = _("交付后按讲解比例结算给主播 {creator}").format(creator=_creator(uow, order.creator_id))
    return Consequence("order.pay", OrderStatus.PAID.label, moves,
                       sentence(freeze_text(order.quote_cents, available), state, after), danger=False)


@read_only
def order_decline(uow: UnitOfWork, actor: Actor, cmd: Any) -> Consequence:
    from workbench.services.orders import _own

    order = _own(uow, actor, cmd.order_id, Role.MERCHANT)
    order_allowed("decline", order.status)
    state = _("订单变为「{state}」").format(state=OrderStatus.DECLINED.label)
    return Consequence("order.decline", OrderStatus.DECLINED.label, (),
                       sentence(_("不产生任何费用"), state, _("主播 {creator} 会收到通知").format(
                           creator=_creator(uow, order.creator_id))))


@read_only
def order_close(uow: UnitOfWork, actor: Actor, cmd: Any) -> Consequence:
    from workbench.services.orders import _own

    order = _own(uow, actor, cmd.order_id, Role.CREATOR)
    order_allowed("close", order.status)
    merchant, creator = _merchant(uow, order.merchant_id), _creator(uow, order.creator_id)
    state = _("订单变为「{state}」").format(state=OrderStatus.CLOSED.label)
    return Consequence("order.close", OrderStatus.CLOSED.label,
                       release_moves(order.merchant_id, merchant, order.creator_id, creator, order.quote_cents, 0),
                       sentence(release_text(order.quote_cents, 0, creator, merchant), state, _("您无收益")))


@read_only
def complaint_rule(uow: UnitOfWork, actor: Actor, cmd: Any) -> Consequence:
    require_role(actor, Role.SUPPORT)
    row = uow.session.get(Complaint, cmd.complaint_id)
    if row is None:
        raise NotFound(_("没有这个投诉: #{id}").format(id=cmd.complaint_id), field="complaint_id")
    if row.status != "open":
        raise Conflict(_("投诉已处理"), field="complaint_id")
    creator = _creator(uow, row.creator_id)
    if cmd.upheld:
        return Consequence("complaint.uphold", _("成立"), (), sentence(
            _no_money(), _("投诉变为「成立」"), _("主播 {name} 的合作数据记一次处罚").format(name=creator)))
    return Consequence("complaint.dismiss", _("不成立"), (), sentence(
        _no_money(), _("投诉变为「不成立」"), _("主播 {name} 的合作数据不受影响").format(name=creator)), danger=False)


# ---- Flow B: tasks and disputes -----------------------------------------------------------------

def _task(uow: UnitOfWork, actor: Actor, task_id: int, role: Role) -> LiveTask:
    from workbench.services.tasks import _own_task

    return _own_task(uow, actor, task_id, role)


def _task_state(status: TaskStatus, sub: TaskSub = TaskSub.NONE) -> str:
    label = status.label + (f" · {sub.label}" if sub.label else "")
    return _("任务变为「{state}」").format(state=label)


def _release(uow: UnitOfWork, action: str, task: LiveTask, to_creator: int, state: str, *more: str,
             danger: bool = True) -> Consequence:
    merchant, creator = _merchant(uow, task.merchant_id), _creator(uow, task.creator_id)
    return Consequence(action, state, release_moves(task.merchant_id, merchant, task.creator_id, creator,
                                                    task.amount_cents, to_creator),
                       sentence(release_text(task.amount_cents, to_creator, creator, merchant), state, *more),
                       danger=danger)


@read_only
def task_publish(uow: UnitOfWork, actor: Actor, cmd: Any) -> Consequence:
    """Publishing freezes quote × hours out of the merchant's available balance."""
    from workbench.domain.formatting import parse_local_minute
    from workbench.domain.tasks import check_air_time
    from workbench.services.agency import merchant_admission
    from workbench.services.funds import require_task_account_bound
    from workbench.services.tasks import _orderable_creator

    require_role(actor, Role.MERCHANT)
    merchant_admission(uow, actor.id)
    require_task_account_bound(uow, actor)
    creator = _orderable_creator(uow, cmd.creator_id)
    check_air_time(parse_local_minute(cmd.air_at, actor.zone), uow.now)
    amount = Money(creator.quote_cents).times(cmd.hours).cents
    available = ledger.balance(uow, actor.id, AccountKind.AVAILABLE)
    state = _task_state(TaskStatus.PENDING)
    per_hour = _("{quote}/小时 × {h} 小时").format(quote=format_money(creator.quote_cents), h=cmd.hours)
    return Consequence("task.publish", TaskStatus.PENDING.label, freeze_moves(actor.id, actor.name, amount),
                       sentence(freeze_text(amount, available) + f" ({per_hour})", state,
                                _("{creator} 接单前可以取消, 全额退回").format(creator=creator.nickname)),
                       danger=False)


@read_only
def task_check(uow: UnitOfWork, actor: Actor, cmd: Any) -> Consequence:
    task = _task(uow, actor, cmd.task_id, Role.MERCHANT)
    task_allowed("check", task.status, task.sub_status)
    return _release(uow, "task.check", task, task.amount_cents, _task_state(TaskStatus.COMPLETED), _("不可撤回"),
                    danger=False)


@read_only
def task_reject(uow: UnitOfWork, actor: Actor, cmd: Any) -> Consequence:
    task = _task(uow, actor, cmd.task_id, Role.CREATOR)
    task_allowed("reject", task.status, task.sub_status)
    return _release(uow, "task.reject", task, 0, _task_state(TaskStatus.CANCELLED, TaskSub.CREATOR_REJECTED),
                    _("不会创建定向计划"))


@read_only
def task_cancel(uow: UnitOfWork, actor: Actor, cmd: Any) -> Consequence:
    """The cancellation rule of DOMAIN.md (Flow B 6) for this task now, as money and state."""
    from workbench.services.tasks import _cancel_rule, visible_task

    require_role(actor, Role.MERCHANT, Role.CREATOR)
    task = visible_task(uow, actor, cmd.task_id)
    rule = _cancel_rule(uow, actor, task)
    if rule.outcome is Outcome.DISPUTE:
        merchant = _merchant(uow, task.merchant_id)
        return Consequence("task.cancel", TaskStatus.DISPUTED.label, (), sentence(
            _("冻结 {amount} 暂不退还商家 {merchant}, 等待小二裁决").format(
                amount=format_money(task.amount_cents), merchant=merchant),
            _task_state(TaskStatus.DISPUTED), rule.why))
    sub = TaskSub.CREATOR_CANCELLED if actor.role is Role.CREATOR else TaskSub.MERCHANT_CANCELLED
    return _release(uow, "task.cancel", task, rule.to_creator_cents, _task_state(TaskStatus.CANCELLED, sub), rule.why)


@read_only
def dispute_rule(uow: UnitOfWork, actor: Actor, cmd: Any) -> Consequence:
    """A ruling as typed so far: the compensation to the creator, the rest back to the merchant."""
    require_role(actor, Role.SUPPORT)
    dispute = uow.session.get(Dispute, cmd.dispute_id)
    if dispute is None:
        raise NotFound(_("没有这个争议: #{id}").format(id=cmd.dispute_id), field="dispute_id")
    if dispute.status != "open":
        raise Conflict(_("争议已裁决"), field="dispute_id")
    task = uow.session.get(LiveTask, dispute.task_id)
    compensation = Money.of(cmd.compensation or "0")
    try:
        check_ruling(compensation.cents, task.amount_cents)
    except DomainError as exc:
        raise DomainError(exc.message, field="compensation") from None
    return _release(uow, "dispute.rule", task, compensation.cents,
                    _task_state(TaskStatus.CANCELLED, TaskSub.MERCHANT_CANCELLED), _("争议变为「已裁决」"))


# ---- funds ---------------------------------------------------------------------------------------

@read_only
def top_up_decide(uow: UnitOfWork, actor: Actor, cmd: Any) -> Consequence:
    require_role(actor, Role.SUPPORT)
    row = uow.session.get(TopUp, cmd.top_up_id)
    if row is None:
        raise NotFound(_("没有这笔充值: #{id}").format(id=cmd.top_up_id), field="top_up_id")
    if row.status != "pending":
        raise Conflict(_("这笔充值已处理"), field="top_up_id")
    merchant = _merchant(uow, row.merchant_id)
    amount = format_money(row.amount_cents)
    if cmd.approve:
        return Consequence("top_up.confirm", _("已到账"), (Move(row.merchant_id, merchant, AccountKind.AVAILABLE,
                                                                 row.amount_cents),),
                           sentence(_("{amount} 进入商家 {merchant} 的可用余额").format(amount=amount, merchant=merchant),
                                    _("充值变为「已到账」")), danger=False)
    return Consequence("top_up.reject", _("已驳回"), (), sentence(
        _("{amount} 不会入账").format(amount=amount), _("充值变为「已驳回」"), _("商家会收到驳回原因")))


# ---- agencies and bases -------------------------------------------------------------------------

@read_only
def binding_end_creator(uow: UnitOfWork, actor: Actor, cmd: Any) -> Consequence:
    require_role(actor, Role.AGENCY, Role.CREATOR)
    b = uow.session.get(CreatorBinding, cmd.binding_id)
    if b is None or actor.id not in (b.agency_id, b.creator_id):
        raise NotFound(_("没有这个绑定: #{id}").format(id=cmd.binding_id), field="binding_id")
    if b.status != "active":
        raise Conflict(_("绑定未生效或已结束"), field="binding_id")
    agency = uow.session.scalar(select(Agency.name).where(Agency.user_id == b.agency_id)) or ""
    return Consequence("binding.end_creator", _("已结束"), (), sentence(
        _no_money(), _("与 {creator} 的绑定变为「已结束」").format(creator=_creator(uow, b.creator_id)),
        _("之后付款的订单不再分成给 {agency}; 之前的订单不受影响").format(agency=agency)))


@read_only
def binding_end_store(uow: UnitOfWork, actor: Actor, cmd: Any) -> Consequence:
    require_role(actor, Role.AGENCY, Role.MERCHANT)
    b = uow.session.get(StoreBinding, cmd.binding_id)
    shop = uow.session.get(Shop, b.store_id) if b else None
    if b is None or actor.id not in (b.agency_id, shop.merchant_id):
        raise NotFound(_("没有这个绑定: #{id}").format(id=cmd.binding_id), field="binding_id")
    if b.status != "active":
        raise Conflict(_("绑定未生效或已结束"), field="binding_id")
    return Consequence("binding.end_store", _("已结束"), (), sentence(
        _no_money(), _("与 {store} 的绑定变为「已结束」").format(store=shop.name),
        _("店铺的商品移出基地货品池; 之前的订单不受影响")))


@read_only
def base_end(uow: UnitOfWork, actor: Actor, _cmd: Any = None) -> Consequence:
    require_role(actor, Role.CREATOR)
    current = uow.session.scalar(select(SignIn).where(SignIn.creator_id == actor.id, SignIn.ended_at.is_(None)))
    if current is None:
        raise Conflict(_("当前没有在任何基地签到"), field="sign_in")
    base = uow.session.scalar(select(Agency.name).where(Agency.user_id == current.agency_id)) or ""
    return Consequence("base.end", _("已结束"), (), sentence(
        _no_money(), _("与 {base} 的合作结束").format(base=base), _("之后可以在其他基地签到")))


# ---- stock plans: the live's end settles its orders ----------------------------------------------

class EndLivePreview(Command):
    plan_id: int
    shown_product_ids: list[int] = Field(default_factory=list)


@read_only
def plan_end_live(uow: UnitOfWork, actor: Actor, cmd: Any) -> Consequence:
    from workbench.services.stock import settlement

    orders, plan = settlement(uow, actor, cmd.plan_id, cmd.shown_product_ids)
    moves: list[Move] = []
    paid = back = 0
    for order, to_creator in orders:
        merchant, creator = _merchant(uow, order.merchant_id), _creator(uow, order.creator_id)
        moves += release_moves(order.merchant_id, merchant, order.creator_id, creator, order.quote_cents, to_creator)
        paid, back = paid + to_creator, back + order.quote_cents - to_creator
    money = (_("交付 {n} 个订单: {paid} 结算给您, {back} 退回商家").format(
        n=len(orders), paid=format_money(paid), back=format_money(back)) if orders
        else _("没有订单的商品被讲解: 不结算任何订单"))
    return Consequence("stock_plan.end_live", _("已结束"), tuple(moves),
                       sentence(money, _("备货单 #{id} 变为「已结束」").format(id=plan.id), _("不可撤回")),
                       danger=False)


# The preview of each use case, for the CLI's question and the TUI's confirmation.
def _previews() -> dict[Callable[..., Any], Callable[..., Consequence]]:
    from workbench.services import agency, disputes, funds, orders, stock, tasks

    return {
        orders.pay: order_pay, orders.decline: order_decline, orders.close: order_close,
        orders.rule_complaint: complaint_rule, tasks.publish_task: task_publish, tasks.check_task: task_check,
        tasks.reject_task: task_reject, tasks.cancel_task: task_cancel, disputes.rule_dispute: dispute_rule,
        funds.decide_top_up: top_up_decide, agency.end_creator_binding: binding_end_creator,
        agency.end_store_binding: binding_end_store, agency.end_base_cooperation: base_end,
        stock.end_live: plan_end_live,
    }


def preview_of(use_case: Callable[..., Any]) -> Callable[..., Consequence] | None:
    """The preview for a use case, or None when it moves no money and destroys nothing."""
    return _previews().get(use_case)
