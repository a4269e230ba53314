"""Products (商品): a merchant lists products in one of their stores."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from pydantic import Field, field_validator
from sqlalchemy import select

from workbench.domain import validate
from workbench.domain.errors import DomainError, NotFound
from workbench.domain.money import Money
from workbench.domain.roles import Role
from workbench.i18n import _
from workbench.services.base import Actor, Command, audit, read_only, require_role
from workbench.store.models import Product, Shop
from workbench.store.uow import UnitOfWork, expect_version


class AddProduct(Command):
    store_id: int
    name: str = Field(min_length=1, max_length=200)
    category: str
    brand: str = Field(default="", max_length=100)
    price: str
    sales: int = Field(default=0, ge=0)
    commission_rate: Decimal = Field(ge=0, le=1)
    experience_score: Decimal = Field(ge=0, le=5, decimal_places=1)
    recommend_index: int = Field(default=0, ge=0, le=100)

    @field_validator("category")
    @classmethod
    def _category(cls, v: str) -> str:
        return validate.category(v)

    @field_validator("price")
    @classmethod
    def _price(cls, v: str) -> str:
        if not Money.of(v).is_positive():
            raise DomainError(_("价格必须大于 0"), field="price")
        return v


@dataclass(frozen=True, slots=True)
class ProductView:
    id: int
    name: str
    category: str
    brand: str
    price_cents: int
    sales: int
    commission_rate: Decimal
    experience_score: Decimal
    recommend_index: int
    store: str
    version: int = 0            # hand it back in UpdateProduct, so a stale edit is refused


def add_product(uow: UnitOfWork, actor: Actor, cmd: AddProduct) -> ProductView:
    """A merchant lists a product in one of their own stores."""
    require_role(actor, Role.MERCHANT)
    shop = uow.session.get(Shop, cmd.store_id)
    if shop is None or (not actor.is_system and shop.merchant_id != actor.id):
        raise NotFound(_("没有这个店铺: #{id}").format(id=cmd.store_id), field="store_id")
    product = Product(
        merchant_id=shop.merchant_id, store_id=shop.id, name=cmd.name, category=cmd.category,
        brand=cmd.brand, price_cents=Money.of(cmd.price).cents, sales=cmd.sales,
        commission_rate=cmd.commission_rate, experience_score=cmd.experience_score,
        recommend_index=cmd.recommend_index, created_at=uow.now)
    uow.session.add(product)
    uow.session.flush()
    audit(uow, actor, "product.add", "product", product.id, name=cmd.name)
    view = product_view(product, shop.name)
    uow.commit()
    return view


def product_view(p: Product, store: str = "") -> ProductView:
    return ProductView(p.id, p.name, p.category, p.brand, p.price_cents, p.sales,
                       p.commission_rate, p.experience_score, p.recommend_index, store, p.version)


@read_only
def store_id_by_name(uow: UnitOfWork, merchant_id: int, name: str) -> int:
    sid = uow.session.scalar(select(Shop.id).where(Shop.merchant_id == merchant_id, Shop.name == name))
    if sid is None:
        raise NotFound(_("没有这个店铺: {name}").format(name=name), field="store")
    return sid


@read_only
def my_products(uow: UnitOfWork, actor: Actor) -> list[ProductView]:
    """The merchant's own products, newest first."""
    require_role(actor, Role.MERCHANT)
    rows = uow.session.execute(
        select(Product, Shop.name).join(Shop, Shop.id == Product.store_id)
        .where(Product.merchant_id == actor.id).order_by(Product.id.desc()))
    return [product_view(p, store) for p, store in rows]


class UpdateProduct(Command):
    """Change a product's brand, experience score or price; base pools follow at once."""

    product_id: int
    brand: str | None = Field(default=None, max_length=100)
    experience_score: Decimal | None = Field(default=None, ge=0, le=5, decimal_places=1)
    price: str | None = None
    version: int | None = None  # the version the merchant saw; refused if it changed since

    @field_validator("price")
    @classmethod
    def _price(cls, v: str | None) -> str | None:
        if v is not None and not Money.of(v).is_positive():
            raise DomainError(_("价格必须大于 0"), field="price")
        return v


def update_product(uow: UnitOfWork, actor: Actor, cmd: UpdateProduct) -> ProductView:
    from workbench.services.agency import resync_for_store

    require_role(actor, Role.MERCHANT)
    p = uow.session.get(Product, cmd.product_id)
    if p is None or (not actor.is_system and p.merchant_id != actor.id):
        raise NotFound(_("没有这个商品: #{id}").format(id=cmd.product_id), field="product_id")
    expect_version(p, cmd.version)
    changes = {}
    if cmd.brand is not None:
        changes["brand"], p.brand = cmd.brand, cmd.brand
    if cmd.experience_score is not None:
        changes["experience_score"], p.experience_score = str(cmd.experience_score), cmd.experience_score
    if cmd.price is not None:
        p.price_cents = Money.of(cmd.price).cents
        changes["price"] = p.price_cents
    uow.session.flush()
    resync_for_store(uow, p.store_id)
    audit(uow, actor, "product.update", "product", p.id, **changes)
    shop = uow.session.get(Shop, p.store_id)
    view = product_view(p, shop.name if shop else "")
    uow.commit()
    return view
