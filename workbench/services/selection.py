"""Pre-selection (预选品), the selection cart (带货宝), intents, exclusive pools (专属货品池) and quotes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from pydantic import Field, field_validator
from sqlalchemy import and_, delete, func, select

from workbench.domain import validate
from workbench.domain.errors import Conflict, DomainError, NotFound
from workbench.domain.money import Money, parse_rate
from workbench.domain.orders import check_quote
from workbench.domain.roles import Role
from workbench.i18n import _
from workbench.services.base import Actor, Command, audit, notify, read_only, require_role
from workbench.store.models import (
    CartItem, Creator, ExclusiveItem, Intent, Merchant, Product, Quote,
)
from workbench.store.uow import UnitOfWork

PAGE = 50


class PoolQuery(Command):
    pool: str = Field(default="custom", pattern="^(custom|hot)$")
    category: str | None = None
    sort: str = Field(default="index", pattern="^(index|sales)$")
    after: int = Field(default=0, ge=0, description="rows already shown (pages of a fixed-order list)")
    limit: int = Field(default=PAGE, ge=1, le=500)

    @field_validator("category")
    @classmethod
    def _category(cls, v: str | None) -> str | None:
        return validate.category(v) if v else None


class ProductRef(Command):
    product_id: int


class SubmitToPool(Command):
    product_id: int
    creator_id: int
    daily_price: str
    live_price: str
    commission_rate: str

    @field_validator("daily_price", "live_price")
    @classmethod
    def _price(cls, v: str, info) -> str:
        try:
            amount = Money.of(v)
        except DomainError as exc:
            raise DomainError(exc.message, field=info.field_name) from None
        if not amount.is_positive():
            raise DomainError(_("价格必须大于 0"), field=info.field_name)
        return v

    @field_validator("commission_rate")
    @classmethod
    def _rate(cls, v: str) -> str:
        parse_rate(v, field="commission_rate")
        return v


class PublishQuote(Command):
    quote: str

    @field_validator("quote")
    @classmethod
    def _quote(cls, v: str) -> str:
        try:
            Money.of(v)
        except DomainError:
            raise DomainError(_("报价应为金额, 如 1000 或 1000.00: {value}").format(value=v), field="quote") from None
        return v


@dataclass(frozen=True, slots=True)
class PoolProduct:
    id: int
    name: str
    category: str
    brand: str
    merchant: str
    price_cents: int
    sales: int
    commission_rate: Decimal
    recommend_index: int
    in_cart: bool
    score: Decimal | None = None    # 推荐分: the index weighed by the merchant's record (pools sorted by index)
    score_text: str = ""            # how it was made: "69.7 = 80 × 0.87"
    merchant_id: int = 0


@dataclass(frozen=True, slots=True)
class IntentView:
    id: int
    creator_id: int
    creator: str
    product_id: int
    product: str
    created_at: datetime
    status: str


@dataclass(frozen=True, slots=True)
class ExclusiveView:
    id: int
    product_id: int
    product: str
    category: str
    merchant: str
    creator: str
    daily_price_cents: int
    live_price_cents: int
    sales: int
    commission_rate: Decimal
    submitted_at: datetime


@dataclass(frozen=True, slots=True)
class QuoteView:
    activity: str
    amount_cents: int
    published_at: datetime


# ---- pre-selection pools and the cart --------------------------------------------------------

def _creator_categories(uow: UnitOfWork, creator_id: int) -> list[str]:
    c = uow.session.get(Creator, creator_id)
    return [x for x in (c.categories.split(",") if c else []) if x]


@read_only
def pool_products(uow: UnitOfWork, actor: Actor, cmd: PoolQuery | None = None) -> list[PoolProduct]:
    """Custom pool: products in the creator's categories (fans' demand); hot pool: best sellers anywhere.

    Sorted by recommendation, the order is 推荐分: the index weighed by the merchant's record
    (`reputation.rank_products`), each row carrying how its score was made."""
    from workbench.services import reputation

    require_role(actor, Role.CREATOR)
    cmd = cmd or PoolQuery()
    stmt = (select(Product, Merchant.company, CartItem.product_id)
            .join(Merchant, Merchant.user_id == Product.merchant_id)
            .outerjoin(CartItem, and_(CartItem.product_id == Product.id, CartItem.creator_id == actor.id)))
    if cmd.pool == "custom":
        stmt = stmt.where(Product.category.in_(_creator_categories(uow, actor.id) or [""]))
    if cmd.category:
        stmt = stmt.where(Product.category == cmd.category)
    if cmd.sort == "index":
        ranked = reputation.rank_products(uow, stmt, cmd.after + cmd.limit)[cmd.after:]
        return [PoolProduct(p.id, p.name, p.category, p.brand, company, p.price_cents, p.sales, p.commission_rate,
                            p.recommend_index, cart is not None, r.score, r.short, p.merchant_id)
                for r in ranked for p, company, cart in (r.row,)]
    rows = uow.session.execute(stmt.order_by(Product.sales.desc(), Product.id).offset(cmd.after).limit(cmd.limit))
    return [PoolProduct(p.id, p.name, p.category, p.brand, company, p.price_cents, p.sales, p.commission_rate,
                        p.recommend_index, cart is not None, merchant_id=p.merchant_id) for p, company, cart in rows]


def add_to_cart(uow: UnitOfWork, actor: Actor, cmd: ProductRef) -> int:
    """Pre-select a product: into the cart, and an intent for its merchant's to-do."""
    require_role(actor, Role.CREATOR)
    product = uow.session.get(Product, cmd.product_id)
    if product is None:
        raise NotFound(_("没有这个商品: #{id}").format(id=cmd.product_id), field="product_id")
    if uow.session.get(CartItem, (actor.id, product.id)) is not None:
        raise Conflict(_("已在带货宝中"), field="product_id")
    uow.session.add(CartItem(creator_id=actor.id, product_id=product.id, added_at=uow.now))
    open_intent = uow.session.scalar(select(Intent.id).where(
        Intent.creator_id == actor.id, Intent.product_id == product.id, Intent.status == "open"))
    if open_intent is None:
        uow.session.add(Intent(creator_id=actor.id, product_id=product.id, merchant_id=product.merchant_id,
                               created_at=uow.now))
        notify(uow, product.merchant_id, "intent_new", screen="intents", ref_id=product.id,
               product=product.name, creator=actor.name)
    audit(uow, actor, "cart.add", "product", product.id)
    uow.commit()
    return product.id


def remove_from_cart(uow: UnitOfWork, actor: Actor, cmd: ProductRef) -> int:
    require_role(actor, Role.CREATOR)
    removed = uow.session.execute(delete(CartItem).where(
        CartItem.creator_id == actor.id, CartItem.product_id == cmd.product_id)).rowcount
    if not removed:
        raise NotFound(_("带货宝中没有这个商品: #{id}").format(id=cmd.product_id), field="product_id")
    uow.session.execute(Intent.__table__.update().where(
        Intent.creator_id == actor.id, Intent.product_id == cmd.product_id, Intent.status == "open")
        .values(status="withdrawn"))
    audit(uow, actor, "cart.remove", "product", cmd.product_id)
    uow.commit()
    return cmd.product_id


def undo_remove_from_cart(uow: UnitOfWork, actor: Actor, cmd: ProductRef) -> int:
    """Undo a removal from the cart within the undo window: the product goes back with the intent it
    had, and the merchant is not told twice. Later, `add_to_cart` adds it as new."""
    from workbench.domain.safety import UNDO_SECONDS, undo_open
    from workbench.store.models import AuditEntry

    require_role(actor, Role.CREATOR)
    last = uow.session.scalars(select(AuditEntry).where(
        AuditEntry.entity == "product", AuditEntry.entity_id == cmd.product_id, AuditEntry.actor_id == actor.id,
        AuditEntry.action.in_(["cart.add", "cart.remove", "cart.undo_remove"]))
        .order_by(AuditEntry.id.desc()).limit(1)).first()
    if last is None or last.action != "cart.remove":
        raise NotFound(_("带货宝中没有刚移出的这个商品: #{id}").format(id=cmd.product_id), field="product_id")
    if not undo_open(last.at, uow.now):
        raise Conflict(_("移出已超过 {s} 秒, 不能撤销; 请重新加入带货宝").format(s=UNDO_SECONDS), field="product_id")
    uow.session.add(CartItem(creator_id=actor.id, product_id=cmd.product_id, added_at=uow.now))
    newest = uow.session.scalars(select(Intent).where(
        Intent.creator_id == actor.id, Intent.product_id == cmd.product_id)
        .order_by(Intent.id.desc()).limit(1)).first()
    if newest is not None and newest.status == "withdrawn":   # the removal withdrew it: it comes back
        newest.status = "open"
    audit(uow, actor, "cart.undo_remove", "product", cmd.product_id, undo="cart.remove")
    uow.commit()
    return cmd.product_id


@read_only
def cart(uow: UnitOfWork, actor: Actor) -> list[PoolProduct]:
    """The selection cart; the commission shown is the generic one, not the final one."""
    require_role(actor, Role.CREATOR)
    rows = uow.session.execute(
        select(Product, Merchant.company).join(CartItem, CartItem.product_id == Product.id)
        .join(Merchant, Merchant.user_id == Product.merchant_id)
        .where(CartItem.creator_id == actor.id).order_by(CartItem.added_at.desc(), Product.id))
    return [PoolProduct(p.id, p.name, p.category, p.brand, company, p.price_cents, p.sales, p.commission_rate,
                        p.recommend_index, True) for p, company in rows]


@read_only
def intents(uow: UnitOfWork, actor: Actor) -> list[IntentView]:
    """The merchant's intents from creators' pre-selections, newest first."""
    require_role(actor, Role.MERCHANT)
    rows = uow.session.execute(
        select(Intent, Creator.nickname, Product.name).join(Creator, Creator.user_id == Intent.creator_id)
        .join(Product, Product.id == Intent.product_id)
        .where(Intent.merchant_id == actor.id, Intent.status != "withdrawn")
        .order_by(Intent.status, Intent.created_at.desc(), Intent.id.desc()).limit(500))
    return [IntentView(i.id, i.creator_id, nick, i.product_id, name, i.created_at, i.status)
            for i, nick, name in rows]


# ---- exclusive pools ----------------------------------------------------------------------------

def submit_to_pool(uow: UnitOfWork, actor: Actor, cmd: SubmitToPool) -> int:
    """A merchant submits one of their products to one creator's exclusive pool."""
    require_role(actor, Role.MERCHANT)
    product = uow.session.get(Product, cmd.product_id)
    if product is None or product.merchant_id != actor.id:
        raise NotFound(_("没有这个商品: #{id}").format(id=cmd.product_id), field="product_id")
    creator = uow.session.get(Creator, cmd.creator_id)
    if creator is None:
        raise NotFound(_("没有这个主播: #{id}").format(id=cmd.creator_id), field="creator_id")
    if uow.session.scalar(select(ExclusiveItem.id).where(
            ExclusiveItem.product_id == product.id, ExclusiveItem.creator_id == creator.user_id)) is not None:
        raise Conflict(_("该商品已在这位主播的专属货品池中"), field="product_id")
    item = ExclusiveItem(
        product_id=product.id, merchant_id=actor.id, creator_id=creator.user_id,
        daily_price_cents=Money.of(cmd.daily_price).cents, live_price_cents=Money.of(cmd.live_price).cents,
        commission_rate=parse_rate(cmd.commission_rate, field="commission_rate"), submitted_at=uow.now)
    uow.session.add(item)
    uow.session.flush()
    uow.session.execute(Intent.__table__.update().where(
        Intent.creator_id == creator.user_id, Intent.product_id == product.id, Intent.status == "open")
        .values(status="submitted"))
    audit(uow, actor, "pool.submit", "exclusive_item", item.id, product=product.id, creator=creator.user_id)
    notify(uow, creator.user_id, "pool_new", screen="exclusive_pool", ref_id=item.id, product=product.name,
           merchant=actor.name)
    uow.commit()
    return item.id


def _exclusive_scope(actor: Actor):
    stmt = (select(ExclusiveItem, Product, Merchant.company, Creator.nickname)
            .join(Product, Product.id == ExclusiveItem.product_id)
            .join(Merchant, Merchant.user_id == ExclusiveItem.merchant_id)
            .join(Creator, Creator.user_id == ExclusiveItem.creator_id))
    if actor.role is Role.CREATOR:
        return stmt.where(ExclusiveItem.creator_id == actor.id)
    if actor.role is Role.MERCHANT:
        return stmt.where(ExclusiveItem.merchant_id == actor.id)
    if actor.role is Role.SUPPORT or actor.is_system:
        return stmt
    return stmt.where(False)


def _exclusive_view(item: ExclusiveItem, p: Product, company: str, nickname: str) -> ExclusiveView:
    return ExclusiveView(item.id, p.id, p.name, p.category, company, nickname, item.daily_price_cents,
                         item.live_price_cents, p.sales, item.commission_rate, item.submitted_at)


@read_only
def exclusive_pool(uow: UnitOfWork, actor: Actor) -> list[ExclusiveView]:
    """A creator's exclusive pool — only theirs; a merchant sees what they submitted."""
    rows = uow.session.execute(_exclusive_scope(actor).order_by(ExclusiveItem.id.desc()).limit(1000))
    return [_exclusive_view(*r) for r in rows]


@read_only
def exclusive_item(uow: UnitOfWork, actor: Actor, item_id: int) -> ExclusiveView:
    row = uow.session.execute(_exclusive_scope(actor).where(ExclusiveItem.id == item_id)).first()
    if row is None:
        raise NotFound(_("没有这个专属商品: #{id}").format(id=item_id), field="item_id")
    return _exclusive_view(*row)


@read_only
def exclusive_count(uow: UnitOfWork, actor: Actor) -> int:
    return uow.session.scalar(select(func.count()).select_from(_exclusive_scope(actor).subquery())) or 0


# ---- quotes -----------------------------------------------------------------------------------

def publish_quote(uow: UnitOfWork, actor: Actor, cmd: PublishQuote) -> QuoteView:
    """Publish a quote under the official activity: never 0, never below the minimum; no platform cut."""
    require_role(actor, Role.CREATOR)
    amount = Money.of(cmd.quote)
    check_quote(amount.cents, Money.of(uow.rules.flow_a.quote_min).cents)
    row = Quote(creator_id=actor.id, activity=uow.rules.flow_a.activity_name, amount_cents=amount.cents,
                published_at=uow.now)
    uow.session.add(row)
    uow.session.flush()
    audit(uow, actor, "quote.publish", "quote", row.id, amount=amount.cents)
    uow.commit()
    return QuoteView(row.activity, row.amount_cents, row.published_at)


def current_quote_row(uow: UnitOfWork, creator_id: int) -> Quote | None:
    return uow.session.scalar(select(Quote).where(Quote.creator_id == creator_id)
                              .order_by(Quote.published_at.desc(), Quote.id.desc()).limit(1))


@read_only
def current_quote(uow: UnitOfWork, actor: Actor) -> QuoteView | None:
    q = current_quote_row(uow, actor.id)
    return QuoteView(q.activity, q.amount_cents, q.published_at) if q else None

