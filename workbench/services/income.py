"""Income (收入): slot-fee bill lines and commission estimates per day and per consumer order."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select

from workbench.domain.ledger import AccountKind, journal_label
from workbench.domain.money import estimate_commission
from workbench.domain.roles import Role
from workbench.i18n import _
from workbench.services.base import Actor, read_only, require_role
from workbench.store.models import Account, Journal, Posting, Product, Sale
from workbench.store.uow import UnitOfWork

SLOT_FEE_KINDS = ("order_settle", "task_settle", "task_compensate", "dispute_ruling")


@dataclass(frozen=True, slots=True)
class BillLine:
    at: datetime
    kind: str
    ref: str
    amount_cents: int


@dataclass(frozen=True, slots=True)
class CommissionLine:
    sale_id: int
    paid_at: datetime
    product: str
    paid_cents: int
    rate: Decimal
    estimate_cents: int


@dataclass(frozen=True, slots=True)
class CommissionDay:
    day: date
    orders: int
    paid_cents: int
    estimate_cents: int


@dataclass(frozen=True, slots=True)
class IncomeView:
    creator: str
    bill: list[BillLine]
    per_order: list[CommissionLine]
    per_day: list[CommissionDay]
    slot_fees_cents: int
    commission_cents: int


estimate = estimate_commission


@read_only
def income(uow: UnitOfWork, actor: Actor, limit: int = 1000) -> IncomeView:
    require_role(actor, Role.CREATOR)
    rows = uow.session.execute(
        select(Journal.at, Journal.kind, Journal.ref_type, Journal.ref_id, Posting.amount_cents)
        .join(Posting, Posting.journal_id == Journal.id).join(Account, Account.id == Posting.account_id)
        .where(Account.owner_id == actor.id, Account.kind == AccountKind.AVAILABLE.value,
               Journal.kind.in_(SLOT_FEE_KINDS), Posting.amount_cents > 0)
        .order_by(Journal.at.desc(), Journal.id.desc()).limit(limit))
    refs = {"order": _("订单 #{id}"), "task": _("任务 #{id}")}
    bill = [BillLine(at, journal_label(kind), refs.get(rt or "", "#{id}").format(id=rid), cents)
            for at, kind, rt, rid, cents in rows]
    sales = uow.session.execute(
        select(Sale, Product.name).join(Product, Product.id == Sale.product_id)
        .where(Sale.creator_id == actor.id).order_by(Sale.paid_at.desc(), Sale.id.desc()).limit(limit))
    per_order = [CommissionLine(s.id, s.paid_at, name, s.paid_cents, s.commission_rate,
                                estimate(s.paid_cents, s.commission_rate)) for s, name in sales]
    days: dict[date, list[CommissionLine]] = defaultdict(list)
    tz = ZoneInfo(actor.zone)
    for line in per_order:
        days[line.paid_at.astimezone(tz).date()].append(line)
    per_day = [CommissionDay(d, len(ls), sum(x.paid_cents for x in ls), sum(x.estimate_cents for x in ls))
               for d, ls in sorted(days.items(), reverse=True)]
    return IncomeView(actor.name, bill, per_order, per_day, sum(b.amount_cents for b in bill),
                      sum(x.estimate_cents for x in per_order))
