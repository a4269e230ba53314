"""Cooperation orders (直播通订单): invite, pay, accept, ship, schedule or close, deliver, overdue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pydantic import Field, field_validator, model_validator
from sqlalchemy import func, select

from workbench.domain.errors import Conflict, DomainError, NotFound
from workbench.domain.formatting import parse_local_minute
from workbench.domain.ledger import AccountKind
from workbench.domain.orders import (
    OrderStatus, Record, below_thresholds, check_allowed, check_schedule, deadlines,
    latest_after_schedule, rate,
)
from workbench.domain.roles import Role
from workbench.i18n import _
from workbench.services import ledger, reminders
from workbench.services.reputation import refresh_records
from workbench.services.base import (
    Actor, Command, audit, guarded_update, notify, party_visible, read_only, require_role,
)
from workbench.services.selection import current_quote_row
from workbench.store.models import (
    Complaint, CoopOrder, Creator, ExclusiveItem, Merchant, OrderProduct, Product,
)
from workbench.store.uow import UnitOfWork, expect_version

PAGE = 50
# The deadline an order's list sorts on, by the state that has one (as `_due` shows it).
DUE_COLUMN = {"sample_shipped": "window_ends_at", "scheduled": "latest_delivery_at",
              "confirmed": "latest_delivery_at"}


class Invite(Command):
    """The creator invites exclusive-pool products of one merchant, attaching the current quote."""

    item_ids: list[int] = Field(min_length=1, description="exclusive-pool item ids")


class OrderRef(Command):
    order_id: int
    version: int | None = None  # the version the person saw (OrderRow.version); refused if it changed


class ShipSample(Command):
    order_id: int
    tracking: str = Field(min_length=1, max_length=64, description="the sample's tracking number")
    version: int | None = None  # the version the person saw; refused if it changed since


class Schedule(Command):
    order_id: int
    live_at: str = Field(description="YYYY-MM-DD HH:MM in your zone")
    version: int | None = None  # the version the person saw; refused if it changed since


class CloseOrder(Command):
    order_id: int
    reason: str = Field(min_length=1, max_length=300)
    return_tracking: str = Field(min_length=1, max_length=64, description="the returned sample's tracking number")
    version: int | None = None  # the version the person saw; refused if it changed since


class Complain(Command):
    order_id: int
    reason: str = Field(min_length=1, max_length=300)
    version: int | None = None  # the version the person saw; refused if it changed since


class RuleComplaint(Command):
    complaint_id: int
    upheld: bool
    reason: str = Field(min_length=1, max_length=300)
    version: int | None = None  # the version the person saw; refused if it changed since


class OrderQuery(Command):
    status: str | None = None
    after_id: int | None = Field(default=None, description="keyset: the orders after this one in the sort")
    limit: int = Field(default=PAGE, ge=1, le=500)
    sort: str = Field(default="newest", description="newest, oldest, due (needs a status with a deadline) or quote")
    view: str | None = Field(default=None, description="a saved view's name: its filter and sort")

    @field_validator("status")
    @classmethod
    def _status(cls, v: str | None) -> str | None:
        if v:
            try:
                OrderStatus(v)
            except ValueError:
                raise DomainError(_("未知状态: {value}").format(value=v), field="status") from None
        return v or None

    @field_validator("sort")
    @classmethod
    def _sort(cls, v: str) -> str:
        from workbench.services.views import check_sort

        return check_sort("orders", v)

    @model_validator(mode="after")
    def _due_needs_a_deadline(self) -> "OrderQuery":
        if self.sort == "due" and self.status not in DUE_COLUMN:
            raise DomainError(_("按截止排序需先筛选有截止时间的状态: 已寄样、已排期或已确认"), field="sort")
        return self


@dataclass(frozen=True, slots=True)
class OrderRow:
    id: int
    merchant: str
    creator: str
    products: str
    quote_cents: int
    status: str
    state: str
    due_at: datetime | None
    version: int = 0


@dataclass(frozen=True, slots=True)
class OrderDetail:
    row: OrderRow
    merchant_contact: str | None      # the creator sees it once they accepted
    sample_tracking: str
    window_ends_at: datetime | None
    cap_at: datetime | None
    live_at: datetime | None
    latest_delivery_at: datetime | None
    settled_cents: int
    close_reason: str
    return_tracking: str
    complaint: str
    products: list[tuple[int, str, bool | None]]
    timeline: list[tuple[datetime, str, str, str]]
    actions: list[str]


@dataclass(frozen=True, slots=True)
class RecordView:
    user: str
    role: Role
    success: str
    response: str
    completion: str
    counts: dict[str, int]
    frozen_reasons: list[str]
    definitions: list[str]


# ---- visibility and state changes --------------------------------------------------------------

def visible_order(uow: UnitOfWork, actor: Actor, order_id: int) -> CoopOrder:
    order = uow.session.get(CoopOrder, order_id)
    if order is not None and party_visible(actor, order.merchant_id, order.creator_id):
        return order
    raise NotFound(_("没有这个订单: #{id}").format(id=order_id), field="order_id")


def _own(uow: UnitOfWork, actor: Actor, order_id: int, role: Role, seen: int | None = None) -> CoopOrder:
    require_role(actor, role)
    order = visible_order(uow, actor, order_id)
    expect_version(order, seen)
    return order


def _move(uow: UnitOfWork, order: CoopOrder, action: str, status: OrderStatus, **values) -> None:
    """Conditional update: applies only if the order is still in the state the action starts from."""
    guarded_update(uow, order, lambda: check_allowed(action, order.status), _("订单刚被其他人修改, 请刷新后重试"),
                   status=status.value, **values)


def _settle(uow: UnitOfWork, actor: Actor, order: CoopOrder, to_creator: int, kind: str) -> None:
    """Release the held quote exactly once: `to_creator` to the creator, the rest back to the merchant."""
    frozen = ledger.account(uow, order.merchant_id, AccountKind.FROZEN)
    legs = [(frozen, -order.quote_cents)]
    if to_creator:
        legs.append((ledger.account(uow, order.creator_id, AccountKind.AVAILABLE), to_creator))
    if order.quote_cents - to_creator:
        legs.append((ledger.account(uow, order.merchant_id, AccountKind.AVAILABLE), order.quote_cents - to_creator))
    ledger.post(uow, actor, kind, legs, ref=("order", order.id))


# ---- cooperation record -------------------------------------------------------------------------

def _counts(uow: UnitOfWork, column, user_id: int) -> dict[str, int]:
    rows = uow.session.execute(select(CoopOrder.status, func.count()).where(column == user_id)
                               .group_by(CoopOrder.status))
    return {status: n for status, n in rows}


def record_of(uow: UnitOfWork, user_id: int, role: Role) -> tuple[Record, dict[str, int]]:
    """The three rates of 我的直播通数据 for a creator or a merchant (definitions in `RECORD_TEXT`)."""
    if role is Role.CREATOR:
        c = _counts(uow, CoopOrder.creator_id, user_id)
        penalties = uow.session.scalar(select(func.count()).select_from(Complaint).where(
            Complaint.creator_id == user_id, Complaint.status == "upheld")) or 0
        delivered, overdue, closed = c.get("delivered", 0), c.get("overdue", 0), c.get("closed", 0)
        finished = delivered + overdue + closed
        received = sum(n for s, n in c.items() if s not in ("invited", "declined"))
        answered = received - c.get("paid", 0)
        counts = {"delivered": delivered, "overdue": overdue, "closed": closed, "received": received,
                  "answered": answered, "penalties": penalties}
        return Record(rate(delivered, finished + penalties), rate(answered, received),
                      rate(delivered, delivered + overdue), finished, penalties), counts
    c = _counts(uow, CoopOrder.merchant_id, user_id)
    delivered, overdue, closed = c.get("delivered", 0), c.get("overdue", 0), c.get("closed", 0)
    finished = delivered + overdue + closed
    invited = sum(c.values())
    answered = invited - c.get("invited", 0)
    accepted = sum(n for s, n in c.items() if s not in ("invited", "declined", "paid"))
    shipped = accepted - c.get("accepted", 0)
    counts = {"delivered": delivered, "overdue": overdue, "closed": closed, "invited": invited,
              "answered": answered, "accepted": accepted, "shipped": shipped}
    return Record(rate(delivered, finished), rate(answered, invited), rate(shipped, accepted), finished, 0), counts


def _check_record(uow: UnitOfWork, user_id: int, role: Role) -> None:
    fa = uow.rules.flow_a
    record, _counts_ = record_of(uow, user_id, role)
    low = below_thresholds(record, fa.min_success_rate, fa.min_response_rate, fa.min_completion_rate,
                           fa.record_min_samples)
    if low:
        raise DomainError(_("合作数据过低, 新的邀约/下单已冻结: {why}").format(why="; ".join(low)), field="record")


def _pct(value) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


@read_only
def cooperation_record(uow: UnitOfWork, actor: Actor, user_id: int | None = None) -> RecordView:
    """我的直播通数据: the rates with their definitions, and why new cooperation is frozen if it is."""
    from workbench.store.models import User

    if user_id is None or actor.role is not Role.SUPPORT:
        require_role(actor, Role.MERCHANT, Role.CREATOR)   # only they have a record of their own
    uid = user_id if (user_id is not None and actor.role is Role.SUPPORT) else actor.id
    user = uow.session.get(User, uid)
    if user is None or user.role not in ("creator", "merchant"):
        raise NotFound(_("没有这个用户: {handle}").format(handle=uid), field="user_id")
    role = Role(user.role)
    record, counts = record_of(uow, uid, role)
    fa = uow.rules.flow_a
    low = below_thresholds(record, fa.min_success_rate, fa.min_response_rate, fa.min_completion_rate,
                           fa.record_min_samples)
    if role is Role.CREATOR:
        definitions = [
            _("合作成功率 = 已交付 / (已交付 + 逾期 + 关闭 + 成立的投诉)"),
            _("合作响应率 = 已处理的订单 (接单或之后的状态) / 收到的已付款订单"),
            _("任务完成率 = 已交付 / (已交付 + 逾期)"),
        ]
    else:
        definitions = [
            _("合作成功率 = 已交付 / (已交付 + 逾期 + 关闭)"),
            _("合作响应率 = 已答复的邀约 (付款或拒绝) / 收到的邀约"),
            _("任务完成率 = 已寄样 / 主播已接的订单"),
        ]
    definitions.append(_("低于 成功率 {s} / 响应率 {r} / 完成率 {c} 时冻结新的邀约与下单; 完成 {n} 单前不评判").format(
        s=_pct(fa.min_success_rate), r=_pct(fa.min_response_rate), c=_pct(fa.min_completion_rate),
        n=fa.record_min_samples))
    return RecordView(user.name, role, _pct(record.success), _pct(record.response), _pct(record.completion),
                      counts, low, definitions)


# ---- the flow -----------------------------------------------------------------------------------

def invite(uow: UnitOfWork, actor: Actor, cmd: Invite) -> int:
    """Invite exclusive-pool products (one merchant) with the current quote; the merchant decides."""
    require_role(actor, Role.CREATOR)
    items = list(uow.session.scalars(select(ExclusiveItem).where(
        ExclusiveItem.id.in_(cmd.item_ids), ExclusiveItem.creator_id == actor.id)))
    found = {i.id for i in items}
    missing = [i for i in cmd.item_ids if i not in found]
    if missing:   # someone else's pool answers exactly like a missing item
        raise NotFound(_("没有这个专属商品: #{id}").format(id=missing[0]), field="item_ids")
    if len({i.merchant_id for i in items}) != 1:
        raise DomainError(_("一次邀约只能包含同一商家的商品"), field="item_ids")
    quote = current_quote_row(uow, actor.id)
    if quote is None:
        raise DomainError(_("请先在官方活动下发布报价"), field="quote")
    _check_record(uow, actor.id, Role.CREATOR)
    merchant_id = items[0].merchant_id
    order = CoopOrder(merchant_id=merchant_id, creator_id=actor.id, quote_cents=quote.amount_cents,
                      status=OrderStatus.INVITED.value, invited_at=uow.now)
    uow.session.add(order)
    uow.session.flush()
    uow.session.add_all(OrderProduct(order_id=order.id, product_id=i.product_id, exclusive_item_id=i.id)
                        for i in items)
    audit(uow, actor, "order.invite", "order", order.id, quote=quote.amount_cents, items=sorted(found))
    notify(uow, merchant_id, "order_invited", screen="orders", ref_id=order.id, order=order.id,
           creator=actor.name, amount=quote.amount_cents)
    uow.commit()
    return order.id


def pay(uow: UnitOfWork, actor: Actor, cmd: OrderRef) -> int:
    """The merchant confirms an invitation and pays the quote (held until delivery)."""
    order = _own(uow, actor, cmd.order_id, Role.MERCHANT, cmd.version)
    check_allowed("pay", order.status)
    _check_record(uow, actor.id, Role.MERCHANT)
    available = ledger.account(uow, actor.id, AccountKind.AVAILABLE)
    frozen = ledger.account(uow, actor.id, AccountKind.FROZEN)
    _move(uow, order, "pay", OrderStatus.PAID, paid_at=uow.now)
    ledger.transfer(uow, actor, "order_hold", available, frozen, order.quote_cents, ref=("order", order.id))
    audit(uow, actor, "order.pay", "order", order.id, amount=order.quote_cents)
    notify(uow, order.creator_id, "order_paid", screen="orders", ref_id=order.id, order=order.id,
           amount=order.quote_cents)
    refresh_records(uow, [order.merchant_id])   # an invitation answered
    uow.commit()
    return order.id


def decline(uow: UnitOfWork, actor: Actor, cmd: OrderRef) -> int:
    order = _own(uow, actor, cmd.order_id, Role.MERCHANT, cmd.version)
    _move(uow, order, "decline", OrderStatus.DECLINED, closed_at=uow.now)
    audit(uow, actor, "order.decline", "order", order.id)
    notify(uow, order.creator_id, "order_declined", screen="orders", ref_id=order.id, order=order.id)
    refresh_records(uow, [order.merchant_id])   # an invitation answered
    uow.commit()
    return order.id


def accept(uow: UnitOfWork, actor: Actor, cmd: OrderRef) -> int:
    order = _own(uow, actor, cmd.order_id, Role.CREATOR, cmd.version)
    _move(uow, order, "accept", OrderStatus.ACCEPTED, accepted_at=uow.now)
    audit(uow, actor, "order.accept", "order", order.id)
    notify(uow, order.merchant_id, "order_accepted", screen="orders", ref_id=order.id, order=order.id)
    uow.commit()
    return order.id


def ship_sample(uow: UnitOfWork, actor: Actor, cmd: ShipSample) -> int:
    """The merchant ships the sample: the creator's 5-day window starts, the 27-day cap is set."""
    order = _own(uow, actor, cmd.order_id, Role.MERCHANT, cmd.version)
    check_allowed("ship_sample", order.status)   # an unpaid order has no agreement date to count from
    fa = uow.rules.flow_a
    d = deadlines(order.paid_at, uow.now, fa.schedule_window_days, fa.delivery_cap_days)
    _move(uow, order, "ship_sample", OrderStatus.SAMPLE_SHIPPED, shipped_at=uow.now, sample_tracking=cmd.tracking,
          window_ends_at=d.window_ends_at, cap_at=d.cap_at)
    audit(uow, actor, "order.ship_sample", "order", order.id, tracking=cmd.tracking)
    notify(uow, order.creator_id, "order_shipped", screen="orders", ref_id=order.id, order=order.id,
           tracking=cmd.tracking)
    refresh_records(uow, [order.merchant_id])   # a sample shipped
    uow.commit()
    return order.id


def schedule(uow: UnitOfWork, actor: Actor, cmd: Schedule) -> int:
    order = _own(uow, actor, cmd.order_id, Role.CREATOR, cmd.version)
    check_allowed("schedule", order.status)
    live_at = parse_local_minute(cmd.live_at, actor.zone, field="live_at")
    # An auto-confirmed order already has its latest delivery time (seed 001): a live may not move it later.
    cap = order.latest_delivery_at if order.status == OrderStatus.CONFIRMED else order.cap_at
    check_schedule(live_at, uow.now, order.window_ends_at, cap, order.status)
    latest = latest_after_schedule(live_at, uow.rules.flow_a.scheduled_grace_hours, cap)
    _move(uow, order, "schedule", OrderStatus.SCHEDULED, live_at=live_at, latest_delivery_at=latest)
    reminders.deadline_set(uow, "latest_delivery", order.id, latest, order.creator_id)
    audit(uow, actor, "order.schedule", "order", order.id, live_at=live_at.isoformat())
    notify(uow, order.merchant_id, "order_scheduled", screen="orders", ref_id=order.id, order=order.id)
    uow.commit()
    return order.id


def close(uow: UnitOfWork, actor: Actor, cmd: CloseOrder) -> int:
    """The creator closes inside the window (fake or damaged sample...), returning the sample; refund."""
    order = _own(uow, actor, cmd.order_id, Role.CREATOR, cmd.version)
    check_allowed("close", order.status)
    if uow.now > order.window_ends_at:
        raise DomainError(_("5 天内才能关闭订单, 已超过 {days} 天").format(
            days=uow.rules.flow_a.schedule_window_days), field="order")
    _move(uow, order, "close", OrderStatus.CLOSED, closed_at=uow.now, close_reason=cmd.reason,
          return_tracking=cmd.return_tracking)
    _settle(uow, actor, order, 0, "order_refund")
    audit(uow, actor, "order.close", "order", order.id, reason=cmd.reason, return_tracking=cmd.return_tracking)
    notify(uow, order.merchant_id, "order_closed", screen="orders", ref_id=order.id, order=order.id,
           reason=cmd.reason, tracking=cmd.return_tracking)
    uow.commit()
    return order.id


def deliver(uow: UnitOfWork, actor: Actor, order: CoopOrder, shown: int, ordered: int) -> int:
    """Delivery recorded when a live ends: proportional settlement (等比例结算). Caller commits."""
    from workbench.domain.orders import proportional

    paid = proportional(order.quote_cents, shown, ordered)
    _move(uow, order, "deliver", OrderStatus.DELIVERED, closed_at=uow.now, settled_cents=paid)
    _settle(uow, actor, order, paid, "order_settle")
    audit(uow, actor, "order.deliver", "order", order.id, shown=shown, ordered=ordered, paid=paid)
    notify(uow, order.creator_id, "order_delivered", screen="income", ref_id=order.id, order=order.id, amount=paid)
    notify(uow, order.merchant_id, "order_delivered_merchant", screen="orders", ref_id=order.id, order=order.id,
           amount=paid, shown=shown, ordered=ordered)
    return paid


def complain(uow: UnitOfWork, actor: Actor, cmd: Complain) -> int:
    order = _own(uow, actor, cmd.order_id, Role.MERCHANT, cmd.version)
    check_allowed("complain", order.status)
    if uow.session.scalar(select(Complaint.id).where(Complaint.order_id == order.id)) is not None:
        raise Conflict(_("这个订单已投诉过"), field="order_id")
    row = Complaint(order_id=order.id, merchant_id=order.merchant_id, creator_id=order.creator_id,
                    reason=cmd.reason, filed_at=uow.now)
    uow.session.add(row)
    uow.session.flush()
    audit(uow, actor, "order.complain", "order", order.id, complaint=row.id, reason=cmd.reason)
    uow.commit()
    return row.id


@dataclass(frozen=True, slots=True)
class ComplaintRow:
    id: int
    order_id: int
    merchant: str
    creator: str
    reason: str
    filed_at: datetime
    status: str
    ruling: str
    version: int = 0        # hand it back in RuleComplaint


@read_only
def complaints(uow: UnitOfWork, actor: Actor, open_only: bool = True) -> list[ComplaintRow]:
    stmt = (select(Complaint, Merchant.company, Creator.nickname)
            .join(Merchant, Merchant.user_id == Complaint.merchant_id)
            .join(Creator, Creator.user_id == Complaint.creator_id))
    if actor.role is Role.MERCHANT:
        stmt = stmt.where(Complaint.merchant_id == actor.id)
    elif actor.role is Role.CREATOR:
        stmt = stmt.where(Complaint.creator_id == actor.id)
    elif actor.role is not Role.SUPPORT:
        return []
    if open_only:
        stmt = stmt.where(Complaint.status == "open")
    rows = uow.session.execute(stmt.order_by(Complaint.filed_at, Complaint.id))
    return [ComplaintRow(c.id, c.order_id, m, n, c.reason, c.filed_at, c.status, c.ruling, c.version) for c, m, n in rows]


def rule_complaint(uow: UnitOfWork, actor: Actor, cmd: RuleComplaint) -> int:
    """Support staff uphold (the creator's record is penalised) or dismiss a complaint."""
    require_role(actor, Role.SUPPORT)
    row = uow.session.get(Complaint, cmd.complaint_id)
    if row is None:
        raise NotFound(_("没有这个投诉: #{id}").format(id=cmd.complaint_id), field="complaint_id")
    expect_version(row, cmd.version)
    if row.status != "open":
        raise Conflict(_("投诉已处理"), field="complaint_id")
    row.status = "upheld" if cmd.upheld else "dismissed"
    row.ruled_at, row.ruled_by, row.ruling = uow.now, actor.id, cmd.reason
    audit(uow, actor, "complaint.rule", "order", row.order_id, complaint=row.id, upheld=cmd.upheld,
          ruling=cmd.reason)
    for uid in (row.merchant_id, row.creator_id):
        notify(uow, uid, "complaint_ruled", screen="orders", ref_id=row.order_id, order=row.order_id,
               outcome="upheld" if cmd.upheld else "dismissed", ruling=cmd.reason)
    uow.commit()
    return row.id


# ---- reading ------------------------------------------------------------------------------------

def _scope(actor: Actor):
    stmt = select(CoopOrder)
    if actor.role is Role.MERCHANT:
        return stmt.where(CoopOrder.merchant_id == actor.id)
    if actor.role is Role.CREATOR:
        return stmt.where(CoopOrder.creator_id == actor.id)
    if actor.role is Role.SUPPORT or actor.is_system:
        return stmt
    return stmt.where(False)


def _due(o: CoopOrder) -> datetime | None:
    if o.status == OrderStatus.SAMPLE_SHIPPED:
        return o.window_ends_at
    if o.status in (OrderStatus.SCHEDULED, OrderStatus.CONFIRMED):
        return o.latest_delivery_at
    return None


def _rows(uow: UnitOfWork, orders: list[CoopOrder]) -> list[OrderRow]:
    ids = [o.id for o in orders]
    names: dict[int, list[str]] = {}
    if ids:
        for oid, name in uow.session.execute(
                select(OrderProduct.order_id, Product.name).join(Product, Product.id == OrderProduct.product_id)
                .where(OrderProduct.order_id.in_(ids)).order_by(Product.id)):
            names.setdefault(oid, []).append(name)
    mids = {o.merchant_id for o in orders}
    cids = {o.creator_id for o in orders}
    merchants = {u: n for u, n in uow.session.execute(
        select(Merchant.user_id, Merchant.company).where(Merchant.user_id.in_(mids)))} if mids else {}
    creators = {u: n for u, n in uow.session.execute(
        select(Creator.user_id, Creator.nickname).where(Creator.user_id.in_(cids)))} if cids else {}
    return [OrderRow(o.id, merchants.get(o.merchant_id, ""), creators.get(o.creator_id, ""),
                     "、".join(names.get(o.id, [])), o.quote_cents, o.status, OrderStatus(o.status).label, _due(o),
                     o.version)
            for o in orders]


@read_only
def list_orders(uow: UnitOfWork, actor: Actor, cmd: OrderQuery | None = None) -> list[OrderRow]:
    """The actor's orders in the chosen sort, a page at a time: a keyset on (sort key, id), no OFFSET."""
    from workbench.services.views import apply_view

    cmd = apply_view(uow, actor, "orders", cmd or OrderQuery())
    stmt = _scope(actor)
    if cmd.status:
        stmt = stmt.where(CoopOrder.status == cmd.status)
    if cmd.sort in ("newest", "oldest"):
        descending, key = cmd.sort == "newest", None
    else:
        descending = cmd.sort == "quote"
        key = CoopOrder.quote_cents if cmd.sort == "quote" else getattr(CoopOrder, DUE_COLUMN[cmd.status])
    if cmd.after_id:
        stmt = stmt.where(_after(uow, key, cmd.after_id, descending))
    order = [CoopOrder.id.desc() if descending else CoopOrder.id.asc()]
    if key is not None:
        order.insert(0, key.desc() if descending else key.asc())
    return _rows(uow, list(uow.session.scalars(stmt.order_by(*order).limit(cmd.limit))))


def _after(uow: UnitOfWork, key, after_id: int, descending: bool):
    """The keyset condition "after this order" on (key, id); the key's value is read from the order."""
    from sqlalchemy import and_, or_

    if key is None:
        return CoopOrder.id < after_id if descending else CoopOrder.id > after_id
    value = uow.session.scalar(select(key).where(CoopOrder.id == after_id))
    if value is None:   # no such order (or no deadline): nothing comes after it
        return CoopOrder.id.is_(None)
    if descending:
        return or_(key < value, and_(key == value, CoopOrder.id < after_id))
    return or_(key > value, and_(key == value, CoopOrder.id > after_id))


def _actions(actor: Actor, o: CoopOrder, complained: bool) -> list[str]:
    s = o.status
    if actor.role is Role.MERCHANT:
        return {"invited": ["pay", "decline"], "accepted": ["ship_sample"],
                "overdue": [] if complained else ["complain"]}.get(s, [])
    if actor.role is Role.CREATOR:
        return {"paid": ["accept"], "sample_shipped": ["schedule", "close"], "confirmed": ["schedule"]}.get(s, [])
    return []


@read_only
def order_detail(uow: UnitOfWork, actor: Actor, order_id: int) -> OrderDetail:
    from workbench.store.models import AuditEntry, User

    o = visible_order(uow, actor, order_id)
    row = _rows(uow, [o])[0]
    contact = None
    if actor.role is not Role.CREATOR or o.accepted_at is not None:
        m = uow.session.get(Merchant, o.merchant_id)
        contact = f"{m.contact_name} · {m.contact_phone}"
    products = [(pid, name, shown) for pid, name, shown in uow.session.execute(
        select(Product.id, Product.name, OrderProduct.shown).join(OrderProduct, OrderProduct.product_id == Product.id)
        .where(OrderProduct.order_id == o.id).order_by(Product.id))]
    complaint = uow.session.scalar(select(Complaint).where(Complaint.order_id == o.id))
    complaint_text = ""
    if complaint is not None:
        complaint_text = {"open": _("投诉处理中: {reason}"), "upheld": _("投诉成立: {reason}"),
                          "dismissed": _("投诉不成立: {reason}")}[complaint.status].format(
            reason=complaint.ruling or complaint.reason)
    labels = {
        "order.invite": _("主播发起邀约"), "order.pay": _("商家确认并付款"), "order.decline": _("商家拒绝邀约"),
        "order.accept": _("主播接单"), "order.ship_sample": _("商家寄样"), "order.schedule": _("主播排期"),
        "order.close": _("主播关闭订单"), "order.auto_confirm": _("5 天未处理, 自动确认"),
        "order.deliver": _("直播结束, 自动交付并结算"), "order.overdue": _("超过最晚交付时间, 订单逾期"),
        "order.complain": _("商家投诉"), "complaint.rule": _("平台处理投诉"),
    }
    timeline = []
    for entry, name in uow.session.execute(
            select(AuditEntry, User.name).outerjoin(User, User.id == AuditEntry.actor_id)
            .where(AuditEntry.entity == "order", AuditEntry.entity_id == o.id)
            .order_by(AuditEntry.at, AuditEntry.id)):
        import json
        d = json.loads(entry.detail)
        note = d.get("reason") or d.get("ruling") or d.get("tracking") or ""
        timeline.append((entry.at, name or _("系统"), labels.get(entry.action, entry.action), note))
    return OrderDetail(row, contact, o.sample_tracking, o.window_ends_at, o.cap_at, o.live_at, o.latest_delivery_at,
                       o.settled_cents, o.close_reason, o.return_tracking, complaint_text, products, timeline,
                       _actions(actor, o, complaint is not None))
