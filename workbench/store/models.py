"""Typed ORM models of the store. Money columns hold integer fen; times are aware UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and gives them back aware (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):  # type: ignore[override]
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime reached the store")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect):  # type: ignore[override]
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime()}


class User(Base):
    """A person who signs in; holds exactly one role."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    handle: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16), index=True)
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    lang: Mapped[str | None] = mapped_column(String(8))
    zone: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    __table_args__ = (
        CheckConstraint("role IN ('merchant','creator','agency','support')", name="role"),
    )


class Merchant(Base):
    """Merchant (商家) profile."""

    __tablename__ = "merchants"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    company: Mapped[str] = mapped_column(String(200))
    contact_name: Mapped[str] = mapped_column(String(50))
    contact_phone: Mapped[str] = mapped_column(String(20))
    service_fee_rate: Mapped[Decimal] = mapped_column(Numeric(5, 4))
    stores: Mapped[list[Shop]] = relationship(back_populates="merchant", order_by="Shop.id")


class Shop(Base):
    """A merchant's store (店铺) with its standing."""

    __tablename__ = "stores"
    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.user_id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    platform: Mapped[str] = mapped_column(String(16))
    standing: Mapped[str] = mapped_column(String(16), default="normal")
    merchant: Mapped[Merchant] = relationship(back_populates="stores")
    __table_args__ = (
        CheckConstraint("standing IN ('normal','restricted')", name="standing"),
        CheckConstraint("platform IN ('taobao','douyin')", name="platform"),
    )


class Creator(Base):
    """Creator (主播/达人) profile."""

    __tablename__ = "creators"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    nickname: Mapped[str] = mapped_column(String(100))
    level_v: Mapped[int] = mapped_column(Integer)
    level_l: Mapped[int] = mapped_column(Integer)
    fans: Mapped[int] = mapped_column(BigInteger)
    avg_viewers: Mapped[int] = mapped_column(BigInteger)
    quote_cents: Mapped[int] = mapped_column(BigInteger)
    resting: Mapped[bool] = mapped_column(Boolean, default=False)
    categories: Mapped[str] = mapped_column(String(200), default="")
    bio: Mapped[str] = mapped_column(Text, default="")
    __table_args__ = (
        CheckConstraint("quote_cents >= 0", name="quote"),
        CheckConstraint("level_v BETWEEN 0 AND 7 AND level_l BETWEEN 0 AND 7", name="levels"),
    )


# Recommended creators are read in order of viewers, stopping once no later one can score higher
# (the fans bound comes from the largest fans figure).
Index("ix_creators_viewers", Creator.avg_viewers.desc(), Creator.user_id)
Index("ix_creators_fans", Creator.fans)


class Agency(Base):
    """Agency (机构/MCN) or live base (直播基地) profile."""

    __tablename__ = "agencies"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    city: Mapped[str] = mapped_column(String(50), default="")
    registered: Mapped[bool] = mapped_column(Boolean, default=False)
    top_annual_contract: Mapped[bool] = mapped_column(Boolean, default=False)


class Product(Base):
    """A merchant's product (商品)."""

    __tablename__ = "products"
    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.user_id"), index=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(32), index=True)
    brand: Mapped[str] = mapped_column(String(100), default="")
    price_cents: Mapped[int] = mapped_column(BigInteger)
    sales: Mapped[int] = mapped_column(BigInteger, default=0)
    commission_rate: Mapped[Decimal] = mapped_column(Numeric(5, 4))
    experience_score: Mapped[Decimal] = mapped_column(Numeric(2, 1))
    recommend_index: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}   # every change bumps it; see store.uow.expect_version
    __table_args__ = (CheckConstraint("price_cents > 0", name="price"),)


# The creator's recommendations: the best few of a category, and the best few overall, read in order.
Index("ix_products_category_rank", Product.category, Product.recommend_index.desc(), Product.id)
Index("ix_products_rank", Product.recommend_index.desc(), Product.id, Product.category)


class Account(Base):
    """A ledger account: a user's available or frozen money, or a system account."""

    __tablename__ = "accounts"
    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(24))
    balance_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    __table_args__ = (
        UniqueConstraint("owner_id", "kind", name="owner_kind"),
        # The outside world (bank, payment gateway) is the only account allowed below zero.
        CheckConstraint("kind = 'external' OR balance_cents >= 0", name="not_negative"),
    )


class Journal(Base):
    """One balanced money movement (记账凭证): its postings sum to zero."""

    __tablename__ = "journals"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(32))
    memo: Mapped[str] = mapped_column(String(300), default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    ref_type: Mapped[str | None] = mapped_column(String(32))
    ref_id: Mapped[int | None] = mapped_column(Integer)
    postings: Mapped[list[Posting]] = relationship(back_populates="journal")
    # No index on (ref_type, ref_id): nothing reads journals by the record they name, and every
    # journal written would pay for one (migration 0013 dropped it).


class Posting(Base):
    __tablename__ = "postings"
    id: Mapped[int] = mapped_column(primary_key=True)
    journal_id: Mapped[int] = mapped_column(ForeignKey("journals.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    journal: Mapped[Journal] = relationship(back_populates="postings")
    # An account's movements (income this month, the fund account) read from the index alone; it
    # also serves every lookup by account, so account_id has no index of its own (migration 0013).
    __table_args__ = (Index("ix_postings_account_journal", "account_id", "journal_id", "amount_cents"),)


class TopUp(Base):
    """A top-up (充值) of a merchant's task account: online (simulated) or bank transfer."""

    __tablename__ = "top_ups"
    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.user_id"), index=True)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    method: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    reference: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    journal_id: Mapped[int | None] = mapped_column(ForeignKey("journals.id"))
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}   # every change bumps it; see store.uow.expect_version
    __table_args__ = (
        CheckConstraint("amount_cents > 0", name="amount"),
        CheckConstraint("method IN ('online','bank')", name="method"),
        CheckConstraint("status IN ('pending','confirmed','rejected')", name="status"),
        Index("ix_top_ups_status", "status", "created_at"),   # support's transfers to confirm
    )


class AuditEntry(Base):
    """Audit log (操作日志): one row per change a person (or the system) made."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[str] = mapped_column(Text, default="{}")
    __table_args__ = (
        Index("ix_audit_actor_action", "actor_id", "action"),
        Index("ix_audit_entity", "entity", "entity_id"),
        Index("ix_audit_at", "at"),   # support's actions today
    )


class Notification(Base):
    """A message to one user (通知), with the screen where it is handled."""

    __tablename__ = "notifications"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(32))
    # Rendered in the reader's language when shown: kind picks the template, params fill it.
    params: Mapped[str] = mapped_column(Text, default="{}")
    screen: Mapped[str | None] = mapped_column(String(64))
    ref_id: Mapped[int | None] = mapped_column(Integer)
    read_at: Mapped[datetime | None]
    hidden_at: Mapped[datetime | None]   # hidden from the inbox by its reader (undoable, never deleted)
    __table_args__ = (Index("ix_notifications_user_read", "user_id", "read_at"),)


# ---- Flow B: live tasks (星图直播任务) ----------------------------------------------------------

class TaskAccount(Base):
    """A merchant's task account (星图账号), bound before topping up and publishing."""

    __tablename__ = "task_accounts"
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.user_id"), primary_key=True)
    account_no: Mapped[str] = mapped_column(String(64), unique=True)
    created: Mapped[bool] = mapped_column(Boolean, default=False)  # created here, not an existing one
    bound_at: Mapped[datetime]


class LiveTask(Base):
    """A live task (直播任务): a merchant books a creator's live for a number of hours."""

    __tablename__ = "live_tasks"
    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.user_id"))
    creator_id: Mapped[int] = mapped_column(ForeignKey("creators.user_id"))
    contact_name: Mapped[str] = mapped_column(String(50))
    contact_phone: Mapped[str] = mapped_column(String(20))
    air_at: Mapped[datetime]
    return_sample: Mapped[bool] = mapped_column(Boolean, default=False)
    kind: Mapped[str] = mapped_column(String(16))
    hours: Mapped[int] = mapped_column(Integer)
    quote_cents: Mapped[int] = mapped_column(BigInteger)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    plan: Mapped[str] = mapped_column(String(16))
    commission_rate: Mapped[Decimal | None] = mapped_column(Numeric(5, 4))
    status: Mapped[str] = mapped_column(String(16))
    sub_status: Mapped[str] = mapped_column(String(24), default="")
    created_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    last_action_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    cancel_reason: Mapped[str] = mapped_column(String(300), default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    __table_args__ = (
        CheckConstraint("hours > 0", name="hours"),
        CheckConstraint("amount_cents > 0", name="amount"),
        CheckConstraint("kind IN ('dedicated','shared')", name="kind"),
        CheckConstraint("plan IN ('normal','targeted')", name="plan"),
        CheckConstraint("status IN ('pending','in_progress','disputed','completed','cancelled')", name="status"),
        Index("ix_live_tasks_merchant_status", "merchant_id", "status", "id"),
        Index("ix_live_tasks_creator_status", "creator_id", "status", "id"),
        Index("ix_live_tasks_status_created", "status", "created_at"),
        Index("ix_live_tasks_status_air", "status", "sub_status", "air_at"),
        # The dashboard's per-user counts by state (lives today, awaiting check...) stay inside the index.
        Index("ix_live_tasks_creator_state", "creator_id", "status", "sub_status", "air_at"),
        Index("ix_live_tasks_merchant_state", "merchant_id", "status", "sub_status"),
    )


class TaskProduct(Base):
    """A product a live task promotes."""

    __tablename__ = "task_products"
    task_id: Mapped[int] = mapped_column(ForeignKey("live_tasks.id"), primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), primary_key=True)


class TargetedPlan(Base):
    """A targeted plan (定向计划) with a custom commission, created when the creator accepts."""

    __tablename__ = "targeted_plans"
    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("live_tasks.id"), unique=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.user_id"))
    creator_id: Mapped[int] = mapped_column(ForeignKey("creators.user_id"))
    commission_rate: Mapped[Decimal] = mapped_column(Numeric(5, 4))
    created_at: Mapped[datetime]


class Dispute(Base):
    """A dispute (争议) opened by a cancellation the rules do not settle; support staff rule on it."""

    __tablename__ = "disputes"
    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("live_tasks.id"), unique=True)
    opened_at: Mapped[datetime]
    opened_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(16), default="open")
    ruled_at: Mapped[datetime | None]
    ruled_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    compensation_cents: Mapped[int | None] = mapped_column(BigInteger)
    ruling: Mapped[str] = mapped_column(String(300), default="")
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}   # every change bumps it; see store.uow.expect_version
    __table_args__ = (
        CheckConstraint("status IN ('open','ruled')", name="status"),
        Index("ix_disputes_status", "status", "opened_at"),
    )


# ---- Flow A: exclusive pools and cooperation orders (专属货品池 / 直播通) ----------------------

class CartItem(Base):
    """A product in a creator's selection cart (带货宝)."""

    __tablename__ = "cart_items"
    creator_id: Mapped[int] = mapped_column(ForeignKey("creators.user_id"), primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), primary_key=True)
    added_at: Mapped[datetime]


class Intent(Base):
    """A creator's pre-selection, shown to the merchant as an intent (选品意向)."""

    __tablename__ = "intents"
    id: Mapped[int] = mapped_column(primary_key=True)
    creator_id: Mapped[int] = mapped_column(ForeignKey("creators.user_id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.user_id"))
    created_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default="open")
    __table_args__ = (
        CheckConstraint("status IN ('open','submitted','withdrawn')", name="status"),
        Index("ix_intents_merchant_status", "merchant_id", "status"),
    )


class ExclusiveItem(Base):
    """A product a merchant submitted to one creator's exclusive pool (专属货品池). Only that creator sees it."""

    __tablename__ = "exclusive_items"
    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.user_id"))
    creator_id: Mapped[int] = mapped_column(ForeignKey("creators.user_id"))
    daily_price_cents: Mapped[int] = mapped_column(BigInteger)
    live_price_cents: Mapped[int] = mapped_column(BigInteger)
    commission_rate: Mapped[Decimal] = mapped_column(Numeric(5, 4))
    submitted_at: Mapped[datetime]
    __table_args__ = (
        UniqueConstraint("product_id", "creator_id", name="product_creator"),
        CheckConstraint("daily_price_cents > 0 AND live_price_cents > 0", name="prices"),
        Index("ix_exclusive_items_creator", "creator_id", "id"),
    )


class Quote(Base):
    """A creator's quote (报价) under the official activity; the latest one is current."""

    __tablename__ = "quotes"
    id: Mapped[int] = mapped_column(primary_key=True)
    creator_id: Mapped[int] = mapped_column(ForeignKey("creators.user_id"), index=True)
    activity: Mapped[str] = mapped_column(String(100))
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    published_at: Mapped[datetime]
    __table_args__ = (CheckConstraint("amount_cents > 0", name="amount"),)


# The states in which an order waits for a deadline: the end of its schedule window while the sample
# is on its way, its latest delivery once scheduled or confirmed.
WINDOW_STATES = ("sample_shipped",)
DELIVERY_STATES = ("scheduled", "confirmed")


def waiting_in(states: tuple[str, ...]) -> str:
    """The condition of the partial index over orders in `states`, as SQL. SQLite uses a partial
    index only for a query whose WHERE contains this very condition, states written as literals
    (an IN list, or states passed as parameters, do not count): services.reminders.in_states
    writes it the same way for the queries."""
    return " OR ".join(f"status = '{state}'" for state in states)


class CoopOrder(Base):
    """A cooperation order (直播通订单): an invitation, then payment, sample, schedule and delivery."""

    __tablename__ = "coop_orders"
    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.user_id"))
    creator_id: Mapped[int] = mapped_column(ForeignKey("creators.user_id"))
    quote_cents: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16))
    invited_at: Mapped[datetime]
    paid_at: Mapped[datetime | None]
    accepted_at: Mapped[datetime | None]
    shipped_at: Mapped[datetime | None]
    sample_tracking: Mapped[str] = mapped_column(String(64), default="")
    window_ends_at: Mapped[datetime | None]
    cap_at: Mapped[datetime | None]
    live_at: Mapped[datetime | None]
    latest_delivery_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    close_reason: Mapped[str] = mapped_column(String(300), default="")
    return_tracking: Mapped[str] = mapped_column(String(64), default="")
    settled_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)
    __table_args__ = (
        CheckConstraint("quote_cents > 0", name="quote"),
        CheckConstraint("status IN ('invited','declined','paid','accepted','sample_shipped','scheduled',"
                        "'confirmed','delivered','closed','overdue')", name="status"),
        Index("ix_coop_orders_merchant_status", "merchant_id", "status", "id"),
        Index("ix_coop_orders_creator_status", "creator_id", "status", "id"),
        Index("ix_coop_orders_status_id", "status", "id"),   # support's list filtered on a state, newest first
        # The next deadlines (transitions, reminders, the calendar, a list sorted by due date) are
        # read from indexes that hold only the orders waiting for that deadline (partial indexes).
        # An order that moves on just leaves them; in indexes of every order it was filed again
        # under its new state, so an order going overdue rewrote entries in both.
        # Only SQLite's condition is named here: naming postgresql_where would load SQLAlchemy's
        # PostgreSQL dialect into every SQLite process (2.4 MB of a session). Migration 0013 creates
        # both; the models never create tables.
        Index("ix_coop_orders_window_due", "status", "window_ends_at", sqlite_where=text(waiting_in(WINDOW_STATES))),
        Index("ix_coop_orders_delivery_due", "status", "latest_delivery_at",
              sqlite_where=text(waiting_in(DELIVERY_STATES))),
    )


class OrderProduct(Base):
    """An exclusive-pool product an order covers; `shown` is set when the live ends."""

    __tablename__ = "order_products"
    order_id: Mapped[int] = mapped_column(ForeignKey("coop_orders.id"), primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), primary_key=True)
    exclusive_item_id: Mapped[int] = mapped_column(ForeignKey("exclusive_items.id"))
    shown: Mapped[bool | None] = mapped_column(Boolean)


class StockPlan(Base):
    """A stock plan (备货单): the live's start time and products, reviewed by support staff."""

    __tablename__ = "stock_plans"
    id: Mapped[int] = mapped_column(primary_key=True)
    creator_id: Mapped[int] = mapped_column(ForeignKey("creators.user_id"), index=True)
    live_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16))
    submitted_at: Mapped[datetime]
    reviewed_at: Mapped[datetime | None]
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    review_reason: Mapped[str] = mapped_column(String(300), default="")
    started_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}   # every change bumps it; see store.uow.expect_version
    __table_args__ = (
        CheckConstraint("status IN ('submitted','revoked','approved','rejected','live','ended')", name="status"),
        Index("ix_stock_plans_status", "status", "submitted_at"),
        Index("ix_stock_plans_status_live", "status", "live_at"),
    )


class StockPlanItem(Base):
    __tablename__ = "stock_plan_items"
    plan_id: Mapped[int] = mapped_column(ForeignKey("stock_plans.id"), primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), primary_key=True)
    exclusive: Mapped[bool] = mapped_column(Boolean)
    shown: Mapped[bool | None] = mapped_column(Boolean)


class Complaint(Base):
    """A merchant's complaint (投诉) on an overdue order; upheld complaints penalise the creator."""

    __tablename__ = "complaints"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("coop_orders.id"), unique=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.user_id"))
    creator_id: Mapped[int] = mapped_column(ForeignKey("creators.user_id"))
    reason: Mapped[str] = mapped_column(String(300))
    filed_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default="open")
    ruled_at: Mapped[datetime | None]
    ruled_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    ruling: Mapped[str] = mapped_column(String(300), default="")
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}   # every change bumps it; see store.uow.expect_version
    __table_args__ = (
        CheckConstraint("status IN ('open','upheld','dismissed')", name="status"),
        Index("ix_complaints_status", "status", "filed_at"),
    )


class Sale(Base):
    """A consumer order (消费者订单) of a product sold in a creator's live: the actual paid price."""

    __tablename__ = "sales"
    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    creator_id: Mapped[int] = mapped_column(ForeignKey("creators.user_id"))
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.user_id"))
    paid_cents: Mapped[int] = mapped_column(BigInteger)
    commission_rate: Mapped[Decimal] = mapped_column(Numeric(5, 4))
    paid_at: Mapped[datetime]
    # The service-fee split, fixed when the consumer paid (bound to an agency or not at that moment).
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.user_id"))
    fee_cents: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    platform_cents: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    creator_fee_cents: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    agency_fee_cents: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    __table_args__ = (
        CheckConstraint("paid_cents > 0", name="paid"),
        Index("ix_sales_creator_paid", "creator_id", "paid_at"),
        Index("ix_sales_agency_paid", "agency_id", "paid_at"),   # the agency's fee share
    )


# ---- agencies and live bases (机构 / 达人直播基地) --------------------------------------------

class CreatorBinding(Base):
    """An agency's binding of a creator (机构绑定达人): effective when the creator confirms."""

    __tablename__ = "creator_bindings"
    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.user_id"))
    creator_id: Mapped[int] = mapped_column(ForeignKey("creators.user_id"))
    strong: Mapped[bool] = mapped_column(Boolean, default=False)
    creator_share: Mapped[Decimal] = mapped_column(Numeric(5, 4))
    status: Mapped[str] = mapped_column(String(16))
    invited_at: Mapped[datetime]
    confirmed_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}   # every change bumps it; see store.uow.expect_version
    __table_args__ = (
        CheckConstraint("status IN ('invited','active','declined','ended')", name="status"),
        CheckConstraint("creator_share >= 0 AND creator_share <= 1", name="share"),
        Index("ix_creator_bindings_creator", "creator_id", "status"),
        Index("ix_creator_bindings_agency", "agency_id", "status"),
    )


class StoreBinding(Base):
    """An agency's binding of a store, type live base cooperation (直播基地合作)."""

    __tablename__ = "store_bindings"
    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.user_id"))
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    kind: Mapped[str] = mapped_column(String(16), default="live_base")
    status: Mapped[str] = mapped_column(String(16))
    invited_at: Mapped[datetime]
    confirmed_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}   # every change bumps it; see store.uow.expect_version
    __table_args__ = (
        CheckConstraint("status IN ('invited','active','declined','ended')", name="status"),
        Index("ix_store_bindings_store", "store_id", "status"),
        Index("ix_store_bindings_agency", "agency_id", "status"),
    )


class BasePoolItem(Base):
    """A product in a base's pool (基地货品池); `listed` products show on the base page."""

    __tablename__ = "base_pool"
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.user_id"), primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), primary_key=True)
    listed: Mapped[bool] = mapped_column(Boolean, default=True)
    synced_at: Mapped[datetime]


class SignIn(Base):
    """A creator's sign-in (签到) at a base: the cooperation lasts until it is ended."""

    __tablename__ = "sign_ins"
    id: Mapped[int] = mapped_column(primary_key=True)
    creator_id: Mapped[int] = mapped_column(ForeignKey("creators.user_id"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.user_id"))
    signed_in_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    __table_args__ = (Index("ix_sign_ins_creator", "creator_id", "ended_at"),)


class Secret(Base):
    """Store-wide secrets (the key that signs sign-in tokens), created on first use."""

    __tablename__ = "secrets"
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[str] = mapped_column(String(128))


# ---- reminders and the scheduler's lease -------------------------------------------------------

class Reminder(Base):
    """A reminder sent before a deadline (提醒). The unique key makes sending it twice impossible."""

    __tablename__ = "reminders"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(32))
    ref_type: Mapped[str] = mapped_column(String(16))
    ref_id: Mapped[int] = mapped_column(Integer)
    deadline_at: Mapped[datetime]
    fire_at: Mapped[datetime]
    sent_at: Mapped[datetime]
    late_seconds: Mapped[int] = mapped_column(Integer, default=0)
    __table_args__ = (Index("ix_reminders_user", "user_id", "sent_at"),)


class Lease(Base):
    """Who may fire reminders and transitions now (one process at a time per store)."""

    __tablename__ = "leases"
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder: Mapped[str] = mapped_column(String(100))
    expires_at: Mapped[datetime]


# ---- delivery channels: the bell, quiet hours and a team-chat webhook per user ------------------

class DeliveryPrefs(Base):
    """How a user wants to be told besides the in-app inbox (通知设置)."""

    __tablename__ = "delivery_prefs"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    bell: Mapped[bool] = mapped_column(Boolean, default=True)
    quiet_start: Mapped[str] = mapped_column(String(5), default="23:00")   # HH:MM in the user's zone
    quiet_end: Mapped[str] = mapped_column(String(5), default="08:00")
    webhook_url: Mapped[str | None] = mapped_column(String(500))
    webhook_format: Mapped[str | None] = mapped_column(String(16))          # wecom | dingtalk | feishu
    updated_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(Integer, default=1)
    __table_args__ = (
        CheckConstraint("webhook_format IS NULL OR webhook_format IN ('wecom','dingtalk','feishu')",
                        name="webhook_format"),
    )


class WebhookDelivery(Base):
    """One push of one notification to a user's webhook (an outbox row, written with the notification).

    The in-app notification never depends on it; the sender retries with back-off until it is sent
    or gives up, and quiet hours move `next_attempt_at` past the user's night.
    """

    __tablename__ = "webhook_outbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id"), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    url: Mapped[str] = mapped_column(String(500))
    fmt: Mapped[str] = mapped_column(String(16))
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(12), default="pending")      # pending | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    claimed_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    __table_args__ = (
        Index("ix_webhook_outbox_due", "status", "next_attempt_at"),
        CheckConstraint("status IN ('pending','sent','failed')", name="status"),
    )


class SweepMark(Base):
    """How far a sweep has looked ahead (e.g. reminders checked up to this instant), so each run
    reads only what fell due since the last one."""

    __tablename__ = "sweep_marks"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    swept_to: Mapped[datetime]


# ---- SSH access: public keys that sign a person in over `workbench serve ssh` ---------------------

class SshKey(Base):
    """A public key (SSH 公钥) that signs in as its user; one key belongs to one user."""

    __tablename__ = "ssh_keys"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    fingerprint: Mapped[str] = mapped_column(String(100), unique=True)   # "SHA256:…", as ssh-keygen -l
    public_key: Mapped[str] = mapped_column(Text)                        # "ssh-ed25519 AAAA…"
    comment: Mapped[str] = mapped_column(String(200), default="")
    added_at: Mapped[datetime]


# ---- the daily tool: list preferences, saved views, sample reports, ratings -----------------------

class ListPrefs(Base):
    """The filter and sort a user last used on one list (列表偏好), restored when the list opens again.

    Kept in the store rather than a local file so they follow the user over SSH.
    """

    __tablename__ = "list_prefs"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    list_key: Mapped[str] = mapped_column(String(32), primary_key=True)   # orders, tasks, products, ...
    filters: Mapped[str] = mapped_column(Text, default="{}")              # JSON object of field -> value
    sort: Mapped[str] = mapped_column(String(40), default="")
    updated_at: Mapped[datetime]


class SavedView(Base):
    """A named filter + sort on one list (保存的视图); at most one is a user's default per list."""

    __tablename__ = "saved_views"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    list_key: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(40))
    filters: Mapped[str] = mapped_column(Text, default="{}")
    sort: Mapped[str] = mapped_column(String(40), default="")
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}   # every change bumps it; see store.uow.expect_version
    __table_args__ = (
        UniqueConstraint("user_id", "list_key", "name", name="uq_saved_views_user_list_name"),
    )


class SampleReport(Base):
    """A creator's report of a sample problem (样品问题) on an order; support upholds or dismisses it.

    Upheld reports count against the merchant's record (seed 001: fake or damaged samples).
    """

    __tablename__ = "sample_reports"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("coop_orders.id"), unique=True)
    creator_id: Mapped[int] = mapped_column(ForeignKey("creators.user_id"))
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.user_id"))
    reason: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str] = mapped_column(String(300), default="")
    filed_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default="open")
    ruled_at: Mapped[datetime | None]
    ruled_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    ruling: Mapped[str] = mapped_column(String(300), default="")
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}   # every change bumps it; see store.uow.expect_version
    __table_args__ = (
        CheckConstraint("reason IN ('fake','damaged','wrong','missing','other')", name="reason"),
        CheckConstraint("status IN ('open','upheld','dismissed')", name="status"),
        Index("ix_sample_reports_status", "status", "filed_at"),
        Index("ix_sample_reports_merchant", "merchant_id", "status"),
    )


class Rating(Base):
    """One side's rating of the other after a finished cooperation (评价): 1-5 with a comment."""

    __tablename__ = "ratings"
    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(8))       # 'order' (Flow A) or 'task' (Flow B)
    subject_id: Mapped[int] = mapped_column(Integer)
    rater_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    ratee_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(String(300), default="")
    rated_at: Mapped[datetime]
    __table_args__ = (
        CheckConstraint("subject IN ('order','task')", name="subject"),
        CheckConstraint("score BETWEEN 1 AND 5", name="score"),
        UniqueConstraint("subject", "subject_id", "rater_id", name="uq_ratings_subject_rater"),
        Index("ix_ratings_ratee", "ratee_id", "rated_at"),
    )


# ---- precomputed merchant records ----------------------------------------------------------------

class MerchantRecord(Base):
    """A merchant's record counts (信誉), precomputed so ranking reads one row per merchant instead of
    aggregating all its orders and live tasks (services.reputation.refresh_records keeps it).

    Rewritten in the same transaction as every event that moves a count (an invitation answered, a
    sample shipped, a check, a ruling, a rating); the counts that move with time alone (an invitation
    left unanswered past the window, a check overdue) are as of `computed_at`, brought up to date by
    the periodic refresh. A merchant without a row ranks as a new merchant.
    """

    __tablename__ = "merchant_records"
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.user_id"), primary_key=True)
    invitations_due: Mapped[int] = mapped_column(Integer, default=0)
    answered_in_time: Mapped[int] = mapped_column(Integer, default=0)
    checks_due: Mapped[int] = mapped_column(Integer, default=0)
    paid_in_time: Mapped[int] = mapped_column(Integer, default=0)
    samples_shipped: Mapped[int] = mapped_column(Integer, default=0)
    sample_problems: Mapped[int] = mapped_column(Integer, default=0)
    ratings: Mapped[int] = mapped_column(Integer, default=0)
    rating_sum: Mapped[int] = mapped_column(Integer, default=0)
    computed_at: Mapped[datetime]


class IncomeSlot(Base):
    """Money credited to an available account in one UTC quarter-hour, top-ups excluded: the month's
    income (本月收入) sums a month of slots instead of joining every posting of the account to its
    journal for the time (postings carry none). Quarter-hours, because every zone's midnight falls on
    one, so a month started at local midnight is a whole number of slots. Written by services.ledger
    in the same transaction as the postings."""

    __tablename__ = "income_slots"
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    slot_at: Mapped[datetime] = mapped_column(primary_key=True)
    amount_cents: Mapped[int] = mapped_column(BigInteger, default=0)
