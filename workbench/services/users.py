"""Users and profiles (用户与资料): registration, sign-in as a user, the user list."""

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
from workbench.store.models import Agency, Creator, Merchant, Shop, User
from workbench.store.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class UserView:
    id: int
    handle: str
    name: str
    role: Role
    verified: bool
    detail: str


class StoreIn(Command):
    name: str = Field(min_length=1, max_length=200)
    platform: str = Field(pattern="^(taobao|douyin)$")
    standing: str = Field(default="normal", pattern="^(normal|restricted)$")


class _Register(Command):
    handle: str
    name: str = Field(min_length=1, max_length=100)
    verified: bool = False

    @field_validator("handle")
    @classmethod
    def _handle(cls, v: str) -> str:
        return validate.handle(v)


class RegisterMerchant(_Register):
    company: str = Field(min_length=1, max_length=200)
    contact_name: str = Field(min_length=1, max_length=50)
    contact_phone: str
    service_fee_rate: Decimal = Field(ge=0, le=1)
    stores: list[StoreIn] = Field(default_factory=list)

    @field_validator("contact_phone")
    @classmethod
    def _phone(cls, v: str) -> str:
        return validate.phone(v)


class RegisterCreator(_Register):
    nickname: str = Field(min_length=1, max_length=100)
    level_v: int = Field(ge=0, le=7)
    level_l: int = Field(ge=0, le=7)
    fans: int = Field(ge=0)
    avg_viewers: int = Field(ge=0)
    quote: str
    resting: bool = False
    categories: list[str] = Field(default_factory=list)
    bio: str = ""

    @field_validator("categories")
    @classmethod
    def _categories(cls, v: list[str]) -> list[str]:
        return [validate.category(c, field="categories") for c in v]

    @field_validator("quote")
    @classmethod
    def _quote(cls, v: str) -> str:
        if not Money.of(v).is_positive():
            raise DomainError(_("报价必须大于 0"), field="quote")
        return v


class RegisterAgency(_Register):
    kind: str = Field(pattern="^(mcn|base)$")
    city: str = ""
    registered: bool = False
    top_annual_contract: bool = False


class RegisterSupport(_Register):
    pass


def _new_user(uow: UnitOfWork, cmd: _Register, role: Role) -> User:
    if uow.session.scalar(select(User.id).where(User.handle == cmd.handle)) is not None:
        raise DomainError(_("登录名已被使用: {handle}").format(handle=cmd.handle), field="handle")
    user = User(handle=cmd.handle, name=cmd.name, role=role.value, verified=cmd.verified,
                created_at=uow.now)
    uow.session.add(user)
    uow.session.flush()
    return user


def register(uow: UnitOfWork, actor: Actor,
             cmd: RegisterMerchant | RegisterCreator | RegisterAgency | RegisterSupport) -> UserView:
    """Register a user with their profile (support staff or the system only)."""
    require_role(actor, Role.SUPPORT)
    if isinstance(cmd, RegisterMerchant):
        user = _new_user(uow, cmd, Role.MERCHANT)
        merchant = Merchant(user_id=user.id, company=cmd.company, contact_name=cmd.contact_name,
                            contact_phone=cmd.contact_phone, service_fee_rate=cmd.service_fee_rate)
        merchant.stores = [Shop(name=s.name, platform=s.platform, standing=s.standing)
                           for s in cmd.stores]
        uow.session.add(merchant)
    elif isinstance(cmd, RegisterCreator):
        user = _new_user(uow, cmd, Role.CREATOR)
        uow.session.add(Creator(
            user_id=user.id, nickname=cmd.nickname, level_v=cmd.level_v, level_l=cmd.level_l,
            fans=cmd.fans, avg_viewers=cmd.avg_viewers, quote_cents=Money.of(cmd.quote).cents,
            resting=cmd.resting, categories=",".join(cmd.categories), bio=cmd.bio))
    elif isinstance(cmd, RegisterAgency):
        user = _new_user(uow, cmd, Role.AGENCY)
        uow.session.add(Agency(user_id=user.id, name=cmd.name, kind=cmd.kind, city=cmd.city,
                               registered=cmd.registered,
                               top_annual_contract=cmd.top_annual_contract))
    else:
        user = _new_user(uow, cmd, Role.SUPPORT)
    audit(uow, actor, "user.register", "user", user.id, handle=user.handle, role=user.role)
    uow.session.flush()
    view = _view(uow, user)
    uow.commit()
    return view


def _view(uow: UnitOfWork, user: User) -> UserView:
    role = Role(user.role)
    detail = ""
    if role is Role.CREATOR:
        c = uow.session.get(Creator, user.id)
        detail = f"{c.nickname} · V{c.level_v}/L{c.level_l}" if c else ""
    elif role is Role.MERCHANT:
        m = uow.session.get(Merchant, user.id)
        detail = m.company if m else ""
    elif role is Role.AGENCY:
        a = uow.session.get(Agency, user.id)
        detail = a.city if a else ""
    return UserView(user.id, user.handle, user.name, role, user.verified, detail)


@read_only
def sign_in(uow: UnitOfWork, handle: str, zone: str | None = None) -> Actor:
    """The actor for a handle; unknown handles are refused with the handle named."""
    user = uow.session.scalar(select(User).where(User.handle == handle))
    if user is None:
        raise NotFound(_("没有这个用户: {handle}").format(handle=handle), field="--as")
    return Actor(id=user.id, handle=user.handle, name=user.name, role=Role(user.role),
                 zone=zone or user.zone or "Asia/Shanghai")


@read_only
def list_users(uow: UnitOfWork, role: Role | None = None) -> list[UserView]:
    """Everyone who can sign in, grouped by role (for the user picker and `workbench users`)."""
    order = {r.value: i for i, r in enumerate(Role)}
    stmt = select(User)
    if role is not None:
        stmt = stmt.where(User.role == role.value)
    users = sorted(uow.session.scalars(stmt), key=lambda u: (order[u.role], u.id))
    return [_view(uow, u) for u in users]


@read_only
def merchant_contact(uow: UnitOfWork, actor: Actor) -> tuple[str, str]:
    """The merchant's contact name and phone, to prefill task forms."""
    m = uow.session.get(Merchant, actor.id)
    return (m.contact_name, m.contact_phone) if m else ("", "")
