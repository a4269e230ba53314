"""Stock plans (备货单) and the live: the 20% exclusive-pool rule, review, and delivery at live end."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pydantic import Field
from sqlalchemy import select

from workbench.domain.errors import Conflict, DomainError, NotFound
from workbench.domain.formatting import parse_local_minute
from workbench.domain.orders import OrderStatus, check_exclusive_share, exclusive_share
from workbench.domain.roles import Role
from workbench.i18n import _
from workbench.services import reminders
from workbench.services.base import Actor, Command, audit, notify, read_only, require_role
from workbench.services.orders import deliver
from workbench.store.models import (
    AuditEntry, CoopOrder, Creator, ExclusiveItem, OrderProduct, Product, StockPlan, StockPlanItem,
)
from workbench.store.uow import UnitOfWork, expect_version


class SubmitPlan(Command):
    live_at: str = Field(description="live start, YYYY-MM-DD HH:MM in your zone")
    product_ids: list[int] = Field(min_length=1)


class PlanRef(Command):
    plan_id: int
    version: int | None = None  # the version the person saw (PlanView.version); refused if it changed


class ReviewPlan(Command):
    plan_id: int
    approve: bool
    reason: str = Field(default="", max_length=300)
    version: int | None = None


class EndLive(Command):
    plan_id: int
    shown_product_ids: list[int] = Field(default_factory=list, description="products actually shown")
    version: int | None = None


@dataclass(frozen=True, slots=True)
class ShareCheck:
    exclusive: int
    total: int
    share: str
    minimum: str
    ok: bool


@dataclass(frozen=True, slots=True)
class PlanView:
    id: int
    creator: str
    live_at: datetime
    status: str
    products: list[tuple[int, str, bool, bool | None]]   # id, name, exclusive?, shown?
    share: str
    review_reason: str
    submitted_at: datetime
    version: int = 0


def status_label(status: str) -> str:
    return {"submitted": _("待审核"), "revoked": _("已撤回"), "approved": _("审核通过"),
            "rejected": _("审核驳回"), "live": _("直播中"), "ended": _("已结束")}[status]


def _exclusive_ids(uow: UnitOfWork, creator_id: int, product_ids: list[int]) -> set[int]:
    return set(uow.session.scalars(select(ExclusiveItem.product_id).where(
        ExclusiveItem.creator_id == creator_id, ExclusiveItem.product_id.in_(product_ids))))


@read_only
def check_share(uow: UnitOfWork, actor: Actor, product_ids: list[int]) -> ShareCheck:
    """The exclusive-pool share of a plan's products, shown before submitting."""
    ids = list(dict.fromkeys(product_ids))
    exclusive = len(_exclusive_ids(uow, actor.id, ids))
    share = exclusive_share(exclusive, len(ids))
    minimum = uow.rules.flow_a.exclusive_share_min
    return ShareCheck(exclusive, len(ids), f"{share * 100:.0f}%", f"{minimum * 100:.0f}%",
                      bool(ids) and share >= minimum)


def submit_plan(uow: UnitOfWork, actor: Actor, cmd: SubmitPlan) -> int:
    require_role(actor, Role.CREATOR)
    live_at = parse_local_minute(cmd.live_at, actor.zone, field="live_at")
    if live_at <= uow.now:
        raise DomainError(_("直播时间必须晚于现在"), field="live_at")
    ids = list(dict.fromkeys(cmd.product_ids))
    known = set(uow.session.scalars(select(Product.id).where(Product.id.in_(ids))))
    missing = [p for p in ids if p not in known]
    if missing:
        raise NotFound(_("没有这个商品: #{id}").format(id=missing[0]), field="product_ids")
    exclusive = _exclusive_ids(uow, actor.id, ids)
    check_exclusive_share(len(exclusive), len(ids), uow.rules.flow_a.exclusive_share_min)
    plan = StockPlan(creator_id=actor.id, live_at=live_at, status="submitted", submitted_at=uow.now)
    uow.session.add(plan)
    uow.session.flush()
    uow.session.add_all(StockPlanItem(plan_id=plan.id, product_id=p, exclusive=p in exclusive) for p in ids)
    audit(uow, actor, "stock_plan.submit", "stock_plan", plan.id, products=ids, exclusive=len(exclusive))
    reminders.deadline_set(uow, "stock_plan_review", plan.id, live_at)
    uow.commit()
    return plan.id


def _plan(uow: UnitOfWork, actor: Actor, plan_id: int, seen: int | None = None) -> StockPlan:
    plan = uow.session.get(StockPlan, plan_id)
    if plan is None or not (actor.is_system or actor.role is Role.SUPPORT
                            or (actor.role is Role.CREATOR and plan.creator_id == actor.id)):
        raise NotFound(_("没有这个备货单: #{id}").format(id=plan_id), field="plan_id")
    expect_version(plan, seen)
    return plan


def _require_status(plan: StockPlan, *allowed: str) -> None:
    if plan.status not in allowed:
        raise Conflict(_("备货单当前为「{state}」").format(state=status_label(plan.status)), field="plan_id")


def revoke_plan(uow: UnitOfWork, actor: Actor, cmd: PlanRef) -> int:
    """A plan can be revoked until it is reviewed."""
    require_role(actor, Role.CREATOR)
    plan = _plan(uow, actor, cmd.plan_id, cmd.version)
    _require_status(plan, "submitted")
    plan.status = "revoked"
    audit(uow, actor, "stock_plan.revoke", "stock_plan", plan.id)
    uow.commit()
    return plan.id


def restore_plan(uow: UnitOfWork, actor: Actor, cmd: PlanRef) -> int:
    """Undo a revoke (撤销撤回): the plan goes back to review, only within the undo window, only if
    nobody touched it since, and only while its live is still ahead."""
    from workbench.domain.safety import UNDO_SECONDS, undo_open

    require_role(actor, Role.CREATOR)
    plan = _plan(uow, actor, cmd.plan_id, cmd.version)
    _require_status(plan, "revoked")
    last = uow.session.scalars(select(AuditEntry).where(
        AuditEntry.entity == "stock_plan", AuditEntry.entity_id == plan.id)
        .order_by(AuditEntry.id.desc()).limit(1)).first()
    if last is None or last.action != "stock_plan.revoke" or last.actor_id != actor.id:
        raise Conflict(_("备货单撤回后有过其他改动, 不能撤销"), field="plan_id")
    if not undo_open(last.at, uow.now):
        raise Conflict(_("撤回已超过 {s} 秒, 不能撤销; 请重新提交备货单").format(s=UNDO_SECONDS), field="plan_id")
    if plan.live_at <= uow.now:
        raise Conflict(_("直播时间已过, 不能撤销撤回"), field="plan_id")
    plan.status = "submitted"
    audit(uow, actor, "stock_plan.restore", "stock_plan", plan.id, undo="stock_plan.revoke")
    uow.commit()
    return plan.id


def review_plan(uow: UnitOfWork, actor: Actor, cmd: ReviewPlan) -> int:
    require_role(actor, Role.SUPPORT)
    plan = _plan(uow, actor, cmd.plan_id, cmd.version)
    _require_status(plan, "submitted")
    if not cmd.approve and not cmd.reason:
        raise DomainError(_("驳回需要填写原因"), field="reason")
    plan.status = "approved" if cmd.approve else "rejected"
    plan.reviewed_at, plan.reviewed_by, plan.review_reason = uow.now, actor.id, cmd.reason
    audit(uow, actor, "stock_plan.review", "stock_plan", plan.id, approve=cmd.approve, reason=cmd.reason)
    notify(uow, plan.creator_id, "plan_approved" if cmd.approve else "plan_rejected", screen="stock_plans",
           ref_id=plan.id, plan=plan.id, reason=cmd.reason)
    uow.commit()
    return plan.id


def start_live(uow: UnitOfWork, actor: Actor, cmd: PlanRef) -> int:
    require_role(actor, Role.CREATOR)
    plan = _plan(uow, actor, cmd.plan_id, cmd.version)
    _require_status(plan, "approved")
    plan.status, plan.started_at = "live", uow.now
    audit(uow, actor, "stock_plan.start_live", "stock_plan", plan.id)
    uow.commit()
    return plan.id


def settlement(uow: UnitOfWork, actor: Actor, plan_id: int, shown_product_ids: list[int],
               seen: int | None = None) -> tuple[list[tuple[CoopOrder, int]], StockPlan]:
    """What ending the live with these products shown settles: each order whose products were shown,
    with what it pays the creator in proportion (等比例结算). Reads only; `end_live` applies it."""
    from workbench.domain.orders import proportional

    require_role(actor, Role.CREATOR)
    plan = _plan(uow, actor, plan_id, seen)
    _require_status(plan, "live")
    items = set(uow.session.scalars(select(StockPlanItem.product_id).where(StockPlanItem.plan_id == plan.id)))
    strangers = [p for p in shown_product_ids if p not in items]
    if strangers:
        raise DomainError(_("商品 #{id} 不在这份备货单里").format(id=strangers[0]), field="shown_product_ids")
    shown = set(shown_product_ids)
    orders = uow.session.scalars(select(CoopOrder).where(
        CoopOrder.creator_id == plan.creator_id,
        CoopOrder.status.in_([OrderStatus.SCHEDULED.value, OrderStatus.CONFIRMED.value]),
        CoopOrder.latest_delivery_at > uow.now,   # past it the order is overdue, even before the sweep says so
    ).order_by(CoopOrder.id))
    settled = []
    for order in list(orders):
        lines = list(uow.session.scalars(select(OrderProduct.product_id).where(OrderProduct.order_id == order.id)))
        hit = [p for p in lines if p in shown]
        if hit:
            settled.append((order, proportional(order.quote_cents, len(hit), len(lines))))
    return settled, plan


def end_live(uow: UnitOfWork, actor: Actor, cmd: EndLive) -> dict[str, int]:
    """The live ends: delivery is recorded for every order whose products were shown, and settled
    in proportion to the ordered products shown (等比例结算). Nothing is delivered by hand."""
    settled, plan = settlement(uow, actor, cmd.plan_id, cmd.shown_product_ids, cmd.version)
    shown = set(cmd.shown_product_ids)
    for item in uow.session.scalars(select(StockPlanItem).where(StockPlanItem.plan_id == plan.id)):
        item.shown = item.product_id in shown
    plan.status, plan.ended_at = "ended", uow.now
    audit(uow, actor, "stock_plan.end_live", "stock_plan", plan.id, shown=sorted(shown))
    delivered = paid = 0
    for order, _to_creator in settled:
        lines = list(uow.session.scalars(select(OrderProduct).where(OrderProduct.order_id == order.id)))
        for line in lines:
            line.shown = line.product_id in shown
        paid += deliver(uow, actor, order, sum(1 for line in lines if line.shown), len(lines))
        delivered += 1
    uow.commit()
    return {"delivered": delivered, "paid_cents": paid}


def _view(uow: UnitOfWork, plan: StockPlan) -> PlanView:
    rows = list(uow.session.execute(
        select(Product.id, Product.name, StockPlanItem.exclusive, StockPlanItem.shown)
        .join(StockPlanItem, StockPlanItem.product_id == Product.id)
        .where(StockPlanItem.plan_id == plan.id).order_by(Product.id)))
    exclusive = sum(1 for r in rows if r[2])
    nickname = uow.session.scalar(select(Creator.nickname).where(Creator.user_id == plan.creator_id)) or ""
    return PlanView(plan.id, nickname, plan.live_at, plan.status, [tuple(r) for r in rows],
                    f"{exclusive_share(exclusive, len(rows)) * 100:.0f}%", plan.review_reason, plan.submitted_at,
                    plan.version)


@read_only
def list_plans(uow: UnitOfWork, actor: Actor, to_review: bool = False) -> list[PlanView]:
    """A creator's plans; support staff see the plans waiting for review (or all)."""
    stmt = select(StockPlan)
    if actor.role is Role.CREATOR:
        stmt = stmt.where(StockPlan.creator_id == actor.id)
    elif actor.role is not Role.SUPPORT:
        return []
    if to_review:
        stmt = stmt.where(StockPlan.status == "submitted")
    plans = uow.session.scalars(stmt.order_by(StockPlan.submitted_at.desc(), StockPlan.id.desc()).limit(200))
    return [_view(uow, p) for p in plans]


@read_only
def plans_to_review(uow: UnitOfWork, actor: Actor) -> list[PlanView]:
    require_role(actor, Role.SUPPORT)
    return list_plans(uow, actor, to_review=True)
