"""Fund account (资金账户): balances, top-ups and the movements of one user's money."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pydantic import Field, field_validator
from sqlalchemy import func, select

from workbench.domain.errors import Conflict, DomainError, NotFound
from workbench.domain.ledger import AccountKind, journal_label
from workbench.domain.money import Money
from workbench.domain.roles import Role
from workbench.i18n import _
from workbench.services import ledger
from workbench.services.base import Actor, Command, audit, notify, require_role
from workbench.store.models import Account, Journal, Merchant, Posting, TopUp
from workbench.store.uow import UnitOfWork


class TopUpCmd(Command):
    """Top up the task account: `online` is simulated inside the product; `bank` waits for support."""

    amount: str
    method: str = Field(default="online", pattern="^(online|bank)$")
    reference: str = Field(default="", max_length=64)

    @field_validator("amount")
    @classmethod
    def _amount(cls, v: str) -> str:
        if not Money.of(v).is_positive():
            raise DomainError(_("充值金额必须大于 0"), field="amount")
        return v


class DecideTopUp(Command):
    top_up_id: int
    approve: bool
    note: str = Field(default="", max_length=200)


@dataclass(frozen=True, slots=True)
class TopUpView:
    id: int
    merchant: str
    amount_cents: int
    method: str
    status: str
    reference: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class MovementView:
    at: datetime
    title: str
    memo: str
    account: str
    amount_cents: int


@dataclass(frozen=True, slots=True)
class FundView:
    available_cents: int
    frozen_cents: int
    top_ups: list[TopUpView]
    movements: list[MovementView]
    pending_reviews: list[TopUpView]


def top_up(uow: UnitOfWork, actor: Actor, cmd: TopUpCmd) -> TopUpView:
    """A merchant tops up: online payments land at once, bank transfers wait for support staff."""
    require_role(actor, Role.MERCHANT)
    amount = Money.of(cmd.amount)
    row = TopUp(merchant_id=actor.id, amount_cents=amount.cents, method=cmd.method,
                status="pending", reference=cmd.reference, created_at=uow.now)
    uow.session.add(row)
    uow.session.flush()
    if cmd.method == "online":
        _credit(uow, actor, row)
    audit(uow, actor, "funds.top_up", "top_up", row.id, amount=amount.cents, method=cmd.method)
    view = _top_up_view(uow, row)
    uow.commit()
    return view


def decide_top_up(uow: UnitOfWork, actor: Actor, cmd: DecideTopUp) -> TopUpView:
    """Support staff confirm (money lands) or reject a pending bank transfer."""
    require_role(actor, Role.SUPPORT)
    row = uow.session.get(TopUp, cmd.top_up_id)
    if row is None:
        raise NotFound(_("没有这笔充值: #{id}").format(id=cmd.top_up_id), field="top_up_id")
    if row.status != "pending":
        raise Conflict(_("这笔充值已处理"), field="top_up_id")
    if cmd.approve:
        _credit(uow, actor, row)
    else:
        if not cmd.note:
            raise DomainError(_("驳回需要填写原因"), field="note")
        row.status = "rejected"
        row.decided_at, row.decided_by = uow.now, actor.id
    audit(uow, actor, "funds.decide_top_up", "top_up", row.id, approve=cmd.approve, note=cmd.note)
    notify(uow, row.merchant_id, "top_up_confirmed" if cmd.approve else "top_up_rejected",
           screen="funds", ref_id=row.id, amount=row.amount_cents, note=cmd.note)
    view = _top_up_view(uow, row)
    uow.commit()
    return view


def _credit(uow: UnitOfWork, actor: Actor, row: TopUp) -> None:
    external = ledger.account(uow, None, AccountKind.EXTERNAL)
    available = ledger.account(uow, row.merchant_id, AccountKind.AVAILABLE)
    journal = ledger.transfer(uow, actor, "top_up", external, available, row.amount_cents,
                              memo=row.reference, ref=("top_up", row.id))
    row.status = "confirmed"
    row.decided_at, row.decided_by, row.journal_id = uow.now, actor.id, journal.id


def _top_up_view(uow: UnitOfWork, row: TopUp) -> TopUpView:
    name = uow.session.scalar(select(Merchant.company).where(Merchant.user_id == row.merchant_id))
    return TopUpView(row.id, name or "", row.amount_cents, row.method, row.status,
                     row.reference, row.created_at)


def fund_account(uow: UnitOfWork, actor: Actor, limit: int = 50) -> FundView:
    """The actor's balances, top-ups and latest movements; support also sees pending transfers."""
    pending: list[TopUpView] = []
    if actor.role is Role.SUPPORT:
        rows = uow.session.scalars(
            select(TopUp).where(TopUp.status == "pending").order_by(TopUp.created_at))
        pending = [_top_up_view(uow, r) for r in rows]
        return FundView(0, 0, [], [], pending)
    top_ups = [_top_up_view(uow, r) for r in uow.session.scalars(
        select(TopUp).where(TopUp.merchant_id == actor.id)
        .order_by(TopUp.created_at.desc(), TopUp.id.desc()).limit(limit))]
    moves = uow.session.execute(
        select(Journal.at, Journal.kind, Journal.memo, Account.kind, Posting.amount_cents)
        .join(Posting, Posting.journal_id == Journal.id)
        .join(Account, Account.id == Posting.account_id)
        .where(Account.owner_id == actor.id)
        .order_by(Journal.at.desc(), Journal.id.desc(), Posting.id).limit(limit))
    movements = [MovementView(at, journal_label(kind), memo, AccountKind(acc).label, cents)
                 for at, kind, memo, acc, cents in moves]
    return FundView(
        ledger.balance(uow, actor.id, AccountKind.AVAILABLE),
        ledger.balance(uow, actor.id, AccountKind.FROZEN),
        top_ups, movements, pending)


def pending_top_up_count(uow: UnitOfWork) -> int:
    return uow.session.scalar(select(func.count()).select_from(TopUp).where(TopUp.status == "pending")) or 0


def total_top_ups(uow: UnitOfWork, merchant_id: int) -> int:
    stmt = select(func.coalesce(func.sum(TopUp.amount_cents), 0)).where(
        TopUp.merchant_id == merchant_id, TopUp.status == "confirmed")
    return uow.session.scalar(stmt) or 0

