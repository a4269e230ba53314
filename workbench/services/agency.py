"""Agencies and live bases (机构 / 达人直播基地): bindings, the base pool, sign-in and base data."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from pydantic import Field, field_validator
from sqlalchemy import and_, delete, func, or_, select

from workbench.domain.agency import check_sign_in, check_split, make_token, read_token
from workbench.domain.errors import Conflict, DomainError, NotFound
from workbench.domain.money import parse_rate
from workbench.domain.roles import Role
from workbench.i18n import _
from workbench.services.base import Actor, Command, audit, notify, read_only, require_role
from workbench.store.models import (
    Agency, BasePoolItem, Creator, CreatorBinding, Product, Sale, Secret, Shop, SignIn, StoreBinding, User,
)
from workbench.store.uow import UnitOfWork, expect_version


def _share(v: str, field: str = "creator_share") -> Decimal:
    return check_split(parse_rate(v, field=field), field=field)


class InviteCreator(Command):
    creator_id: int
    creator_share: str = Field(description="the creator's share of the 70%, e.g. 60%")
    strong: bool = Field(default=False, description="a strong binding (top annual contract)")

    @field_validator("creator_share")
    @classmethod
    def _v(cls, v: str) -> str:
        _share(v)
        return v


class BindingRef(Command):
    binding_id: int
    version: int | None = None  # the version the person saw; refused if it changed since


class Answer(Command):
    binding_id: int
    accept: bool
    version: int | None = None  # the version the person saw; refused if it changed since


class SetSplit(Command):
    binding_id: int
    creator_share: str
    version: int | None = None  # the version the person saw; refused if it changed since

    @field_validator("creator_share")
    @classmethod
    def _v(cls, v: str) -> str:
        _share(v)
        return v


class InviteStore(Command):
    store_id: int


class ListProduct(Command):
    product_id: int
    listed: bool


class SignInCmd(Command):
    token: str = Field(min_length=1, max_length=500)


@dataclass(frozen=True, slots=True)
class BindingView:
    id: int
    agency: str
    party: str              # the creator's nickname or the store's name
    party_id: int
    status: str
    creator_share: Decimal | None
    strong: bool
    invited_at: datetime
    confirmed_at: datetime | None
    ended_at: datetime | None
    lives: int              # a bound creator's lives (tasks and orders delivered) since binding
    version: int = 0        # hand it back in the command that acts on it


@dataclass(frozen=True, slots=True)
class PoolItemView:
    product_id: int
    name: str
    store: str
    brand: str
    experience_score: Decimal
    price_cents: int
    listed: bool


@dataclass(frozen=True, slots=True)
class BaseDay:
    day: date
    creator: str
    orders: int
    gmv_cents: int


@dataclass(frozen=True, slots=True)
class BaseData:
    base: str
    per_creator: list[tuple[str, int, int]]    # creator, orders, gmv
    per_day: list[BaseDay]
    total_orders: int
    total_gmv_cents: int


@dataclass(frozen=True, slots=True)
class BasePage:
    base_id: int
    base: str
    city: str
    signed_in_at: datetime | None
    products: list[PoolItemView]


def _registered_agency(uow: UnitOfWork, actor: Actor) -> Agency:
    require_role(actor, Role.AGENCY)
    agency = uow.session.get(Agency, actor.id)
    if agency is None or not agency.registered:
        raise DomainError(_("机构未完成工商注册, 不能绑定主播或店铺"), field="agency")
    return agency


def creator_admission(uow: UnitOfWork, creator_id: int) -> None:
    """Creators: verified and level ≥ V1; the refusal names the missing condition."""
    user, creator = uow.session.get(User, creator_id), uow.session.get(Creator, creator_id)
    if user is None or creator is None:
        raise NotFound(_("没有这个主播: #{id}").format(id=creator_id), field="creator_id")
    if not user.verified:
        raise DomainError(_("主播未完成实名认证"), field="admission")
    minimum = uow.rules.admission.creator_min_level_v
    if creator.level_v < minimum:
        raise DomainError(_("主播等级 V{level} 低于准入要求 V{min}").format(level=creator.level_v, min=minimum),
                          field="admission")


def merchant_admission(uow: UnitOfWork, merchant_id: int) -> None:
    """Merchants: a verified account and a store in normal standing; the refusal names which."""
    user = uow.session.get(User, merchant_id)
    if user is None or not user.verified:
        raise DomainError(_("商家账户未完成实名认证"), field="admission")
    normal = uow.session.scalar(select(func.count()).select_from(Shop).where(
        Shop.merchant_id == merchant_id, Shop.standing == "normal"))
    if not normal:
        raise DomainError(_("商家没有状态正常的店铺"), field="admission")


# ---- creator bindings ---------------------------------------------------------------------------

def _binding(uow: UnitOfWork, binding_id: int) -> CreatorBinding:
    b = uow.session.get(CreatorBinding, binding_id)
    if b is None:
        raise NotFound(_("没有这个绑定: #{id}").format(id=binding_id), field="binding_id")
    return b


def invite_creator(uow: UnitOfWork, actor: Actor, cmd: InviteCreator) -> int:
    agency = _registered_agency(uow, actor)
    creator_admission(uow, cmd.creator_id)
    busy = uow.session.scalar(select(CreatorBinding).where(
        CreatorBinding.creator_id == cmd.creator_id, CreatorBinding.status.in_(["invited", "active"])))
    if busy is not None:
        raise Conflict(_("这位主播已绑定机构或有待确认的邀请"), field="creator_id")
    if cmd.strong and not agency.top_annual_contract:
        raise DomainError(_("只有头部年框机构可以强绑定主播"), field="strong")
    b = CreatorBinding(agency_id=actor.id, creator_id=cmd.creator_id, strong=cmd.strong,
                       creator_share=_share(cmd.creator_share), status="invited", invited_at=uow.now)
    uow.session.add(b)
    uow.session.flush()
    audit(uow, actor, "binding.invite_creator", "creator_binding", b.id, creator=cmd.creator_id,
          share=str(b.creator_share), strong=cmd.strong)
    notify(uow, cmd.creator_id, "binding_invite", screen="binding_invites", ref_id=b.id, agency=agency.name)
    uow.commit()
    return b.id


def answer_creator_binding(uow: UnitOfWork, actor: Actor, cmd: Answer) -> int:
    """The creator confirms (the binding takes effect now) or declines."""
    require_role(actor, Role.CREATOR)
    b = _binding(uow, cmd.binding_id)
    if b.creator_id != actor.id:
        raise NotFound(_("没有这个绑定: #{id}").format(id=cmd.binding_id), field="binding_id")
    expect_version(b, cmd.version)
    if b.status != "invited":
        raise Conflict(_("这个邀请已处理"), field="binding_id")
    b.status = "active" if cmd.accept else "declined"
    b.confirmed_at = uow.now if cmd.accept else None
    audit(uow, actor, "binding.answer_creator", "creator_binding", b.id, accept=cmd.accept)
    notify(uow, b.agency_id, "binding_answered", screen="bindings", ref_id=b.id, party=actor.name,
           outcome="accepted" if cmd.accept else "declined")
    uow.commit()
    return b.id


def set_split(uow: UnitOfWork, actor: Actor, cmd: SetSplit) -> int:
    """The agency sets a bound creator's share; later consumer orders use it."""
    require_role(actor, Role.AGENCY)
    b = _binding(uow, cmd.binding_id)
    if b.agency_id != actor.id:
        raise NotFound(_("没有这个绑定: #{id}").format(id=cmd.binding_id), field="binding_id")
    expect_version(b, cmd.version)
    if b.status not in ("invited", "active"):
        raise Conflict(_("绑定已结束"), field="binding_id")
    old, b.creator_share = b.creator_share, _share(cmd.creator_share)
    audit(uow, actor, "binding.set_split", "creator_binding", b.id, old=str(old), new=str(b.creator_share))
    uow.commit()
    return b.id


def end_creator_binding(uow: UnitOfWork, actor: Actor, cmd: BindingRef) -> int:
    """Unbinding ends it from this moment on; earlier orders keep their split."""
    require_role(actor, Role.AGENCY, Role.CREATOR)
    b = _binding(uow, cmd.binding_id)
    if actor.id not in (b.agency_id, b.creator_id):
        raise NotFound(_("没有这个绑定: #{id}").format(id=cmd.binding_id), field="binding_id")
    expect_version(b, cmd.version)
    if b.status != "active":
        raise Conflict(_("绑定未生效或已结束"), field="binding_id")
    b.status, b.ended_at = "ended", uow.now
    audit(uow, actor, "binding.end_creator", "creator_binding", b.id)
    uow.commit()
    return b.id


# ---- store bindings and the base pool -----------------------------------------------------------

def invite_store(uow: UnitOfWork, actor: Actor, cmd: InviteStore) -> int:
    agency = _registered_agency(uow, actor)
    shop = uow.session.get(Shop, cmd.store_id)
    if shop is None:
        raise NotFound(_("没有这个店铺: #{id}").format(id=cmd.store_id), field="store_id")
    merchant_admission(uow, shop.merchant_id)
    if shop.standing != "normal":
        raise DomainError(_("店铺状态异常, 不能绑定"), field="store_id")
    busy = uow.session.scalar(select(StoreBinding.id).where(
        StoreBinding.store_id == shop.id, StoreBinding.status.in_(["invited", "active"])))
    if busy is not None:
        raise Conflict(_("这个店铺已绑定基地或有待确认的邀请"), field="store_id")
    b = StoreBinding(agency_id=actor.id, store_id=shop.id, kind="live_base", status="invited", invited_at=uow.now)
    uow.session.add(b)
    uow.session.flush()
    audit(uow, actor, "binding.invite_store", "store_binding", b.id, store=shop.id)
    notify(uow, shop.merchant_id, "store_binding_invite", screen="binding_invites", ref_id=b.id,
           agency=agency.name, store=shop.name)
    uow.commit()
    return b.id


def answer_store_binding(uow: UnitOfWork, actor: Actor, cmd: Answer) -> int:
    """The merchant confirms: qualifying products are synced into the base pool at once."""
    require_role(actor, Role.MERCHANT)
    b = uow.session.get(StoreBinding, cmd.binding_id)
    shop = uow.session.get(Shop, b.store_id) if b else None
    if b is None or shop.merchant_id != actor.id:
        raise NotFound(_("没有这个绑定: #{id}").format(id=cmd.binding_id), field="binding_id")
    expect_version(b, cmd.version)
    if b.status != "invited":
        raise Conflict(_("这个邀请已处理"), field="binding_id")
    b.status = "active" if cmd.accept else "declined"
    b.confirmed_at = uow.now if cmd.accept else None
    audit(uow, actor, "binding.answer_store", "store_binding", b.id, accept=cmd.accept)
    uow.session.flush()
    if cmd.accept:
        sync_pool(uow, b.agency_id)
    notify(uow, b.agency_id, "binding_answered", screen="bindings", ref_id=b.id, party=shop.name,
           outcome="accepted" if cmd.accept else "declined")
    uow.commit()
    return b.id


def end_store_binding(uow: UnitOfWork, actor: Actor, cmd: BindingRef) -> int:
    require_role(actor, Role.AGENCY, Role.MERCHANT)
    b = uow.session.get(StoreBinding, cmd.binding_id)
    shop = uow.session.get(Shop, b.store_id) if b else None
    if b is None or actor.id not in (b.agency_id, shop.merchant_id):
        raise NotFound(_("没有这个绑定: #{id}").format(id=cmd.binding_id), field="binding_id")
    expect_version(b, cmd.version)
    if b.status != "active":
        raise Conflict(_("绑定未生效或已结束"), field="binding_id")
    b.status, b.ended_at = "ended", uow.now
    audit(uow, actor, "binding.end_store", "store_binding", b.id)
    uow.session.flush()
    sync_pool(uow, b.agency_id)
    uow.commit()
    return b.id


def sync_pool(uow: UnitOfWork, agency_id: int) -> tuple[int, int]:
    """Make the base pool true: products of bound stores with a brand and a good enough experience
    score are in it, nothing else is. Returns (added, removed). The caller commits."""
    threshold = uow.rules.agency.experience_score_min
    qualifying = set(uow.session.scalars(
        select(Product.id).join(StoreBinding, and_(StoreBinding.store_id == Product.store_id,
                                                   StoreBinding.agency_id == agency_id,
                                                   StoreBinding.status == "active"))
        .where(Product.brand != "", Product.experience_score >= threshold)))
    present = set(uow.session.scalars(select(BasePoolItem.product_id).where(BasePoolItem.agency_id == agency_id)))
    for pid in qualifying - present:
        uow.session.add(BasePoolItem(agency_id=agency_id, product_id=pid, listed=True, synced_at=uow.now))
    gone = present - qualifying
    if gone:
        uow.session.execute(delete(BasePoolItem).where(BasePoolItem.agency_id == agency_id,
                                                       BasePoolItem.product_id.in_(gone)))
    return len(qualifying - present), len(gone)


def resync_for_store(uow: UnitOfWork, store_id: int) -> None:
    """A product of this store changed: every base bound to the store re-syncs its pool."""
    for agency_id in set(uow.session.scalars(select(StoreBinding.agency_id).where(
            StoreBinding.store_id == store_id, StoreBinding.status == "active"))):
        sync_pool(uow, agency_id)


def list_product(uow: UnitOfWork, actor: Actor, cmd: ListProduct) -> int:
    """Selection management (选品管理): list or unlist a pool product on the base page."""
    require_role(actor, Role.AGENCY)
    item = uow.session.get(BasePoolItem, (actor.id, cmd.product_id))
    if item is None:
        raise NotFound(_("基地货品池中没有这个商品: #{id}").format(id=cmd.product_id), field="product_id")
    item.listed = cmd.listed
    audit(uow, actor, "base.list_product", "product", cmd.product_id, listed=cmd.listed)
    uow.commit()
    return cmd.product_id


def _pool(uow: UnitOfWork, agency_id: int, listed_only: bool) -> list[PoolItemView]:
    stmt = (select(BasePoolItem, Product, Shop.name).join(Product, Product.id == BasePoolItem.product_id)
            .join(Shop, Shop.id == Product.store_id).where(BasePoolItem.agency_id == agency_id))
    if listed_only:
        stmt = stmt.where(BasePoolItem.listed.is_(True))
    rows = uow.session.execute(stmt.order_by(Product.experience_score.desc(), Product.id))
    return [PoolItemView(p.id, p.name, store, p.brand, p.experience_score, p.price_cents, item.listed)
            for item, p, store in rows]


@read_only
def base_pool(uow: UnitOfWork, actor: Actor) -> list[PoolItemView]:
    require_role(actor, Role.AGENCY)
    return _pool(uow, actor.id, listed_only=False)


# ---- listing bindings ---------------------------------------------------------------------------

def _lives(uow: UnitOfWork, creator_id: int, since: datetime | None, until: datetime | None) -> int:
    from workbench.store.models import LiveTask, StockPlan

    if since is None:
        return 0
    end = until or uow.now
    tasks = uow.session.scalar(select(func.count()).select_from(LiveTask).where(
        LiveTask.creator_id == creator_id, LiveTask.status == "completed", LiveTask.air_at >= since,
        LiveTask.air_at < end)) or 0
    plans = uow.session.scalar(select(func.count()).select_from(StockPlan).where(
        StockPlan.creator_id == creator_id, StockPlan.status == "ended", StockPlan.ended_at >= since,
        StockPlan.ended_at < end)) or 0
    return tasks + plans


@read_only
def creator_bindings(uow: UnitOfWork, actor: Actor) -> list[BindingView]:
    """An agency's creator bindings (with each bound creator's lives), or a creator's invitations."""
    stmt = (select(CreatorBinding, Agency.name, Creator.nickname)
            .join(Agency, Agency.user_id == CreatorBinding.agency_id)
            .join(Creator, Creator.user_id == CreatorBinding.creator_id))
    if actor.role is Role.AGENCY:
        stmt = stmt.where(CreatorBinding.agency_id == actor.id)
    elif actor.role is Role.CREATOR:
        stmt = stmt.where(CreatorBinding.creator_id == actor.id)
    elif actor.role is not Role.SUPPORT:
        return []
    rows = uow.session.execute(stmt.order_by(CreatorBinding.id.desc()))
    return [BindingView(b.id, agency, nick, b.creator_id, b.status, b.creator_share, b.strong, b.invited_at,
                        b.confirmed_at, b.ended_at,
                        _lives(uow, b.creator_id, b.confirmed_at, b.ended_at) if b.status in ("active", "ended") else 0,
                        b.version)
            for b, agency, nick in rows]


@read_only
def store_bindings(uow: UnitOfWork, actor: Actor) -> list[BindingView]:
    stmt = (select(StoreBinding, Agency.name, Shop.name, Shop.merchant_id)
            .join(Agency, Agency.user_id == StoreBinding.agency_id).join(Shop, Shop.id == StoreBinding.store_id))
    if actor.role is Role.AGENCY:
        stmt = stmt.where(StoreBinding.agency_id == actor.id)
    elif actor.role is Role.MERCHANT:
        stmt = stmt.where(Shop.merchant_id == actor.id)
    elif actor.role is not Role.SUPPORT:
        return []
    rows = uow.session.execute(stmt.order_by(StoreBinding.id.desc()))
    return [BindingView(b.id, agency, shop, b.store_id, b.status, None, False, b.invited_at, b.confirmed_at,
                        b.ended_at, 0, b.version) for b, agency, shop, _m in rows]


# ---- sign-in ------------------------------------------------------------------------------------

def _secret(uow: UnitOfWork) -> bytes:
    """The token-signing key, created (and committed) the first time any base needs it."""
    row = uow.session.get(Secret, "sign_in")
    if row is None:
        row = Secret(name="sign_in", value=secrets.token_hex(32))
        uow.session.add(row)
        uow.commit()
    return bytes.fromhex(row.value)


def sign_in_token(uow: UnitOfWork, actor: Actor) -> str:
    """A signed token for the base's sign-in QR code, valid for the configured minutes."""
    _registered_agency(uow, actor)
    # Issuing a token changes nothing in the store (so open screens are not told to reload).
    return make_token(actor.id, uow.now, uow.rules.agency.sign_in_token_minutes, _secret(uow))


def base_sign_in(uow: UnitOfWork, actor: Actor, cmd: SignInCmd) -> BasePage:
    """A creator signs in at a base by its token (scanned from the QR code or pasted)."""
    require_role(actor, Role.CREATOR)
    creator_admission(uow, actor.id)
    base_id = read_token(cmd.token, _secret(uow), uow.now)
    base = uow.session.get(Agency, base_id)
    if base is None or base.kind != "base":
        raise DomainError(_("签到码不属于任何直播基地"), field="token")
    creator = uow.session.get(Creator, actor.id)
    current = uow.session.scalar(select(SignIn).where(SignIn.creator_id == actor.id, SignIn.ended_at.is_(None)))
    strong = uow.session.scalar(select(CreatorBinding).where(
        CreatorBinding.creator_id == actor.id, CreatorBinding.status == "active", CreatorBinding.strong.is_(True)))
    name = lambda aid: uow.session.scalar(select(Agency.name).where(Agency.user_id == aid)) or ""  # noqa: E731
    history = set(uow.session.scalars(select(SignIn.agency_id).where(SignIn.creator_id == actor.id)))
    check_sign_in(level_l=creator.level_l, max_free_level=uow.rules.agency.free_sign_in_max_level,
                  target_base=base_id, strong_base=strong.agency_id if strong else None,
                  strong_base_name=name(strong.agency_id) if strong else "",
                  current_base=current.agency_id if current else None,
                  current_base_name=name(current.agency_id) if current else "",
                  signed_here_before=base_id in history, first_sign_in=not history)
    row = SignIn(creator_id=actor.id, agency_id=base_id, signed_in_at=uow.now)
    uow.session.add(row)
    uow.session.flush()
    audit(uow, actor, "base.sign_in", "sign_in", row.id, base=base_id)
    notify(uow, base_id, "base_signed_in", screen="base_data", ref_id=row.id, creator=creator.nickname)
    uow.commit()
    return BasePage(base_id, base.name, base.city, row.signed_in_at, _pool(uow, base_id, listed_only=True))


def end_base_cooperation(uow: UnitOfWork, actor: Actor) -> int:
    require_role(actor, Role.CREATOR)
    current = uow.session.scalar(select(SignIn).where(SignIn.creator_id == actor.id, SignIn.ended_at.is_(None)))
    if current is None:
        raise Conflict(_("当前没有在任何基地签到"), field="sign_in")
    current.ended_at = uow.now
    audit(uow, actor, "base.end_cooperation", "sign_in", current.id, base=current.agency_id)
    uow.commit()
    return current.agency_id


@read_only
def base_page(uow: UnitOfWork, actor: Actor) -> BasePage | None:
    """The creator's base page: the base they are signed in at, with its listed products."""
    require_role(actor, Role.CREATOR)
    current = uow.session.scalar(select(SignIn).where(SignIn.creator_id == actor.id, SignIn.ended_at.is_(None)))
    if current is None:
        return None
    base = uow.session.get(Agency, current.agency_id)
    return BasePage(base.user_id, base.name, base.city, current.signed_in_at, _pool(uow, base.user_id, True))


# ---- base data ----------------------------------------------------------------------------------

@read_only
def base_data(uow: UnitOfWork, actor: Actor, days: int = 30) -> BaseData:
    """GMV and orders of bound stores' products made by bound creators during the binding."""
    require_role(actor, Role.AGENCY)
    agency = uow.session.get(Agency, actor.id)
    cb, sb = CreatorBinding, StoreBinding
    stmt = (select(Sale.paid_at, Sale.paid_cents, Creator.nickname)
            .join(Product, Product.id == Sale.product_id)
            .join(Creator, Creator.user_id == Sale.creator_id)
            .join(cb, and_(cb.creator_id == Sale.creator_id, cb.agency_id == actor.id,
                           cb.status.in_(["active", "ended"]), cb.confirmed_at <= Sale.paid_at,
                           or_(cb.ended_at.is_(None), cb.ended_at > Sale.paid_at)))
            .join(sb, and_(sb.store_id == Product.store_id, sb.agency_id == actor.id,
                           sb.status.in_(["active", "ended"]), sb.confirmed_at <= Sale.paid_at,
                           or_(sb.ended_at.is_(None), sb.ended_at > Sale.paid_at)))
            .where(Sale.paid_at >= uow.now - timedelta(days=days)))
    tz = ZoneInfo(actor.zone)
    per_creator: dict[str, list[int]] = {}
    per_day: dict[tuple[date, str], list[int]] = {}
    for paid_at, cents, nick in uow.session.execute(stmt):
        per_creator.setdefault(nick, [0, 0])
        per_creator[nick][0] += 1
        per_creator[nick][1] += cents
        key = (paid_at.astimezone(tz).date(), nick)
        per_day.setdefault(key, [0, 0])
        per_day[key][0] += 1
        per_day[key][1] += cents
    creators = sorted(((n, o, g) for n, (o, g) in per_creator.items()), key=lambda t: -t[2])
    daily = [BaseDay(d, n, o, g) for (d, n), (o, g) in sorted(per_day.items())]
    return BaseData(agency.name if agency else "", creators, daily, sum(c[1] for c in creators),
                    sum(c[2] for c in creators))

