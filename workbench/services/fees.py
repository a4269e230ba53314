"""Consumer orders and the service fee (推广服务费, seed 002): fee = paid × rate; 30%/40% to the
platform by whether the creator was bound to an agency when the consumer paid; the rest split."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from pydantic import field_validator
from sqlalchemy import and_, or_, select

from workbench.domain.agency import FeeSplit, check_split, service_fee, split_fee
from workbench.domain.errors import DomainError, NotFound
from workbench.domain.money import Money, parse_rate
from workbench.domain.roles import Role
from workbench.i18n import _
from workbench.services.base import Actor, Command, audit, read_only, require_role
from workbench.store.models import Creator, CreatorBinding, ExclusiveItem, Merchant, Product, Sale
from workbench.store.uow import UnitOfWork


def _rate(v: str, field: str) -> Decimal:
    rate = parse_rate(v, field=field)
    if rate != rate.quantize(Decimal("0.0001")):
        raise DomainError(_("比例最多精确到 0.01%"), field=field)
    return rate


class RecordSale(Command):
    """A consumer order paid in a creator's live (simulated by support staff and the demo)."""

    product_id: int
    creator_id: int
    paid: str

    @field_validator("paid")
    @classmethod
    def _paid(cls, v: str) -> str:
        if not Money.of(v).is_positive():
            raise DomainError(_("实付金额必须大于 0"), field="paid")
        return v


class FeeQuery(Command):
    """The fee calculator's input."""

    price: str
    rate: str
    bound: bool = False
    creator_share: str = "100%"

    @field_validator("price")
    @classmethod
    def _price(cls, v: str) -> str:
        try:
            amount = Money.of(v)
        except DomainError as exc:
            raise DomainError(exc.message, field="price") from None
        if not amount.is_positive():
            raise DomainError(_("价格必须大于 0"), field="price")
        return v

    @field_validator("rate")
    @classmethod
    def _r(cls, v: str) -> str:
        _rate(v, "rate")
        return v

    @field_validator("creator_share")
    @classmethod
    def _s(cls, v: str) -> str:
        check_split(_rate(v, "creator_share"))
        return v


@dataclass(frozen=True, slots=True)
class SaleView:
    id: int
    paid_at: datetime
    product: str
    creator: str
    paid_cents: int
    bound: bool
    split: FeeSplit


def binding_at(uow: UnitOfWork, creator_id: int, at: datetime) -> CreatorBinding | None:
    """The creator's agency binding in force at `at` (confirmed before, not ended by then)."""
    return uow.session.scalar(select(CreatorBinding).where(
        CreatorBinding.creator_id == creator_id, CreatorBinding.status.in_(["active", "ended"]),
        CreatorBinding.confirmed_at <= at,
        or_(CreatorBinding.ended_at.is_(None), CreatorBinding.ended_at > at)))


def record_sale(uow: UnitOfWork, actor: Actor, cmd: RecordSale) -> SaleView:
    """Record a consumer order; the split is fixed now, from the binding in force at this moment."""
    require_role(actor, Role.SUPPORT)
    product = uow.session.get(Product, cmd.product_id)
    if product is None:
        raise NotFound(_("没有这个商品: #{id}").format(id=cmd.product_id), field="product_id")
    creator = uow.session.get(Creator, cmd.creator_id)
    if creator is None:
        raise NotFound(_("没有这个主播: #{id}").format(id=cmd.creator_id), field="creator_id")
    merchant = uow.session.get(Merchant, product.merchant_id)
    paid = Money.of(cmd.paid).cents
    commission = uow.session.scalar(select(ExclusiveItem.commission_rate).where(
        and_(ExclusiveItem.product_id == product.id, ExclusiveItem.creator_id == creator.user_id)))
    binding = binding_at(uow, creator.user_id, uow.now)
    fees = uow.rules.fees
    split = split_fee(service_fee(paid, merchant.service_fee_rate), bound=binding is not None,
                      creator_share=binding.creator_share if binding else None,
                      platform_bound=fees.platform_share_bound, platform_individual=fees.platform_share_individual)
    sale = Sale(product_id=product.id, creator_id=creator.user_id, merchant_id=product.merchant_id,
                paid_cents=paid, commission_rate=commission if commission is not None else product.commission_rate,
                paid_at=uow.now, agency_id=binding.agency_id if binding else None, fee_cents=split.fee_cents,
                platform_cents=split.platform_cents, creator_fee_cents=split.creator_cents,
                agency_fee_cents=split.agency_cents)
    uow.session.add(sale)
    uow.session.flush()
    audit(uow, actor, "sale.record", "sale", sale.id, paid=paid, fee=split.fee_cents, bound=binding is not None)
    uow.commit()
    return SaleView(sale.id, sale.paid_at, product.name, creator.nickname, paid, binding is not None, split)


@read_only
def sales(uow: UnitOfWork, actor: Actor, limit: int = 200) -> list[SaleView]:
    """Consumer orders with their fee split: a creator's own, an agency's bound ones, or all (support)."""
    stmt = (select(Sale, Product.name, Creator.nickname).join(Product, Product.id == Sale.product_id)
            .join(Creator, Creator.user_id == Sale.creator_id))
    if actor.role is Role.CREATOR:
        stmt = stmt.where(Sale.creator_id == actor.id)
    elif actor.role is Role.AGENCY:
        stmt = stmt.where(Sale.agency_id == actor.id)
    elif actor.role is Role.MERCHANT:
        stmt = stmt.where(Sale.merchant_id == actor.id)
    rows = uow.session.execute(stmt.order_by(Sale.paid_at.desc(), Sale.id.desc()).limit(limit))
    return [SaleView(s.id, s.paid_at, name, nick, s.paid_cents, s.agency_id is not None,
                     FeeSplit(s.fee_cents, s.platform_cents, s.creator_fee_cents, s.agency_fee_cents))
            for s, name, nick in rows]


@read_only
def calculate_fee(uow: UnitOfWork | None, actor: Actor, cmd: FeeQuery) -> FeeSplit:
    """The fee calculator: price × rate, then the platform's share and the split, to the fen."""
    from workbench.config import load_rules

    fees = uow.rules.fees if uow is not None else load_rules().fees
    return split_fee(service_fee(Money.of(cmd.price).cents, _rate(cmd.rate, "rate")), bound=cmd.bound,
                     creator_share=_rate(cmd.creator_share, "creator_share"),
                     platform_bound=fees.platform_share_bound, platform_individual=fees.platform_share_individual)
