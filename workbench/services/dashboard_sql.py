"""Every query of the home dashboard, by name, each a statement with named parameters.

The panels (`services.panels`) ask for these by name through a reader. In a session they run as
they are (`SessionReader`, SQLite or PostgreSQL). For the first screen of `workbench run`, a
second process runs them without SQLAlchemy: `tools/compile_queries.py` compiles them for SQLite
into `services/dashboard_compiled.py`, and a test fails if that file is not what these
statements compile to now. So the first screen and every refresh read the same SQL.

Parameters: `actor` (a user id), `status`/`sub` (states), `start`/`end`/`since` (instants),
`ids`/`cats` (lists), `offset`/`limit` (a walk in index order), `min_level`, `kind`.
"""

from __future__ import annotations

from sqlalchemy import Integer, bindparam, exists, func, select
from sqlalchemy.sql import Executable

from workbench.domain.ledger import AccountKind
from workbench.domain.orders import OPEN as OPEN_ORDERS
from workbench.domain.reports import FINISHED_ORDER, FINISHED_TASK   # what may be rated (待评价)
from workbench.domain.reputation import RECORD_FIELDS
from workbench.domain.tasks import TaskStatus, TaskSub
from workbench.store.models import (
    Account, Agency, AuditEntry, BasePoolItem, Complaint, CoopOrder, Creator, CreatorBinding, Dispute, IncomeSlot,
    Intent, Journal, LiveTask, MerchantRecord, Notification, Posting, Product, Rating, SampleReport, Sale, Shop, SignIn,
    StockPlan, StoreBinding, TopUp, User,
)

ACTOR = bindparam("actor")
STATUS = bindparam("status")
IDS = bindparam("ids", expanding=True)



def _count(model, *where) -> Executable:
    return select(func.count()).select_from(model).where(*where)


def _to_rate(model, party, kind: str, finished: tuple[str, ...]) -> Executable:
    """Finished cooperations of the party not rated by it yet: counted inside the party's (id, status)
    index, each asked about through the ratings' unique key."""
    status = model.status == finished[0] if len(finished) == 1 else model.status.in_(finished)
    return _count(model, party == ACTOR, status, ~exists().where(
        Rating.subject == kind, Rating.subject_id == model.id, Rating.rater_id == ACTOR))


def _keys(*where) -> Executable:
    """Products in recommendation order, the three columns a score needs (domain.reputation.rank)."""
    return (select(Product.id, Product.merchant_id, Product.recommend_index).where(*where)
            .order_by(Product.recommend_index.desc(), Product.id)
            .offset(bindparam("offset")).limit(bindparam("limit")))


_in_progress = LiveTask.status == TaskStatus.IN_PROGRESS.value

STATEMENTS: dict[str, Executable] = {
    # ---- signing in (users.sign_in)
    "users.by_handle": select(User.id, User.handle, User.name, User.role).where(User.handle == bindparam("handle")),
    # ---- to-do counts
    "notifications.unread": _count(Notification, Notification.user_id == ACTOR, Notification.read_at.is_(None),
                                   Notification.hidden_at.is_(None)),
    "orders.merchant_status": _count(CoopOrder, CoopOrder.merchant_id == ACTOR, CoopOrder.status == STATUS),
    "orders.creator_status": _count(CoopOrder, CoopOrder.creator_id == ACTOR, CoopOrder.status == STATUS),
    "orders.creator_deliveries": _count(CoopOrder, CoopOrder.creator_id == ACTOR,
                                        CoopOrder.status.in_(["scheduled", "confirmed"])),
    "orders.complainable": _count(CoopOrder, CoopOrder.merchant_id == ACTOR, CoopOrder.status == "overdue",
                                  CoopOrder.id.not_in(select(Complaint.order_id))),
    "orders.merchant_open": _count(CoopOrder, CoopOrder.merchant_id == ACTOR,
                                   CoopOrder.status.in_([s.value for s in OPEN_ORDERS])),
    "tasks.merchant_status": _count(LiveTask, LiveTask.merchant_id == ACTOR, LiveTask.status == STATUS),
    "tasks.creator_status": _count(LiveTask, LiveTask.creator_id == ACTOR, LiveTask.status == STATUS),
    "tasks.merchant_to_check": _count(LiveTask, LiveTask.merchant_id == ACTOR, _in_progress,
                                      LiveTask.sub_status == TaskSub.AWAITING_CHECK.value),
    # Both sub-states belong to cancelled (SUBS_OF); naming the status keeps the count in the index.
    "tasks.creator_dropped": _count(LiveTask, LiveTask.creator_id == ACTOR,
                                    LiveTask.status == TaskStatus.CANCELLED.value,
                                    LiveTask.sub_status.in_([TaskSub.CREATOR_CANCELLED.value, TaskSub.TIMED_OUT.value])),
    "tasks.lives_today": _count(LiveTask, LiveTask.creator_id == ACTOR, _in_progress,
                                LiveTask.sub_status.in_([TaskSub.WAITING_AIR.value, TaskSub.LIVE.value]),
                                LiveTask.air_at >= bindparam("start"), LiveTask.air_at < bindparam("end")),
    "tasks.lives_later": _count(LiveTask, LiveTask.creator_id == ACTOR, _in_progress,
                                LiveTask.sub_status == TaskSub.WAITING_AIR.value, LiveTask.air_at >= bindparam("start")),
    "tasks.merchant_active": _count(LiveTask, LiveTask.merchant_id == ACTOR, LiveTask.status.in_(
        [TaskStatus.PENDING.value, TaskStatus.IN_PROGRESS.value, TaskStatus.DISPUTED.value])),
    "intents.open": _count(Intent, Intent.merchant_id == ACTOR, Intent.status == "open"),
    "top_ups.mine_pending": _count(TopUp, TopUp.merchant_id == ACTOR, TopUp.status == "pending"),
    "top_ups.pending": _count(TopUp, TopUp.status == "pending"),
    "users.unverified": _count(User, User.verified.is_(False)),
    "users.count": select(func.count()).select_from(User),
    "disputes.open": _count(Dispute, Dispute.status == "open"),
    "plans.mine_submitted": _count(StockPlan, StockPlan.creator_id == ACTOR, StockPlan.status == "submitted"),
    "plans.submitted": _count(StockPlan, StockPlan.status == "submitted"),
    "sample_reports.open": _count(SampleReport, SampleReport.status == "open"),
    "complaints.open": _count(Complaint, Complaint.status == "open"),
    "bindings.creators_of_agency": _count(CreatorBinding, CreatorBinding.agency_id == ACTOR,
                                          CreatorBinding.status == STATUS),
    "bindings.stores_of_agency": _count(StoreBinding, StoreBinding.agency_id == ACTOR, StoreBinding.status == STATUS),
    "bindings.creator_invited": _count(CreatorBinding, CreatorBinding.creator_id == ACTOR,
                                       CreatorBinding.status == "invited"),
    "bindings.merchant_invited": (select(func.count()).select_from(StoreBinding)
                                  .join(Shop, Shop.id == StoreBinding.store_id)
                                  .where(Shop.merchant_id == ACTOR, StoreBinding.status == "invited")),
    "sign_ins.open": _count(SignIn, SignIn.agency_id == ACTOR, SignIn.ended_at.is_(None)),
    "to_rate.merchant_order": _to_rate(CoopOrder, CoopOrder.merchant_id, "order", FINISHED_ORDER),
    "to_rate.merchant_task": _to_rate(LiveTask, LiveTask.merchant_id, "task", FINISHED_TASK),
    "to_rate.creator_order": _to_rate(CoopOrder, CoopOrder.creator_id, "order", FINISHED_ORDER),
    "to_rate.creator_task": _to_rate(LiveTask, LiveTask.creator_id, "task", FINISHED_TASK),
    # ---- core data
    "accounts.balance": select(Account.balance_cents).where(Account.owner_id == ACTOR,
                                                            Account.kind == bindparam("kind")),
    "accounts.held": select(func.coalesce(func.sum(Account.balance_cents), 0)).where(
        Account.owner_id == ACTOR, Account.kind.in_([AccountKind.AVAILABLE.value, AccountKind.FROZEN.value])),
    "accounts.revenue": select(Account.balance_cents).where(
        Account.owner_id.is_(None), Account.kind == AccountKind.PLATFORM_REVENUE.value),
    "top_ups.confirmed_sum": select(func.coalesce(func.sum(TopUp.amount_cents), 0)).where(
        TopUp.merchant_id == ACTOR, TopUp.status == "confirmed"),
    "income.slots_since": (select(func.coalesce(func.sum(IncomeSlot.amount_cents), 0))
                           .join(Account, Account.id == IncomeSlot.account_id)
                           .where(Account.owner_id == ACTOR, Account.kind == AccountKind.AVAILABLE.value,
                                  IncomeSlot.slot_at >= bindparam("since"))),
    "income.postings_since": (select(func.coalesce(func.sum(Posting.amount_cents), 0))
                              .join(Journal, Journal.id == Posting.journal_id)
                              .join(Account, Account.id == Posting.account_id)
                              .where(Account.owner_id == ACTOR, Account.kind == AccountKind.AVAILABLE.value,
                                     Posting.amount_cents > 0, Journal.kind != "top_up",
                                     Journal.at >= bindparam("since"))),
    "sales.creator_since": select(Sale.paid_cents, Sale.commission_rate).where(
        Sale.creator_id == ACTOR, Sale.paid_at >= bindparam("since")),
    "sales.agency_fee_since": select(func.coalesce(func.sum(Sale.agency_fee_cents), 0)).where(
        Sale.agency_id == ACTOR, Sale.paid_at >= bindparam("since")),
    "pool.counts": select(func.count(), func.coalesce(func.sum(BasePoolItem.listed.cast(Integer)), 0)).where(
        BasePoolItem.agency_id == ACTOR),
    "audit.count_between": _count(AuditEntry, AuditEntry.at >= bindparam("start"), AuditEntry.at < bindparam("end")),
    # ---- guided steps
    "audit.actions_of": select(AuditEntry.action).where(AuditEntry.actor_id == ACTOR).distinct(),
    "users.verified": select(User.verified).where(User.id == ACTOR),
    "agencies.registered": select(Agency.registered).where(Agency.user_id == ACTOR),
    "shops.normal": _count(Shop, Shop.merchant_id == ACTOR, Shop.standing == "normal"),
    "creators.level_v": select(Creator.level_v).where(Creator.user_id == ACTOR),
    # ---- recommendations
    "products.categories_of": select(Product.category, func.count()).where(Product.merchant_id == ACTOR)
    .group_by(Product.category),
    "creators.max_fans": select(func.max(Creator.fans)),
    # Creators most-viewed first (ix_creators_viewers); the panel scores them and stops early.
    "creators.eligible": (select(Creator.user_id, Creator.avg_viewers, Creator.fans, Creator.categories)
                          .join(User, User.id == Creator.user_id)
                          .where(User.verified.is_(True), Creator.resting.is_(False),
                                 Creator.level_v >= bindparam("min_level"))
                          .order_by(Creator.avg_viewers.desc(), Creator.user_id).limit(bindparam("limit"))),
    "creators.by_ids": select(Creator.user_id, Creator.nickname, Creator.avg_viewers, Creator.fans,
                              Creator.quote_cents, Creator.level_v, Creator.level_l, Creator.categories,
                              Creator.bio).where(Creator.user_id.in_(IDS)),
    "creators.categories": select(Creator.categories).where(Creator.user_id == ACTOR),
    "tasks.completed_by_creator": (select(LiveTask.creator_id, func.count())
                                   .where(LiveTask.creator_id.in_(IDS), LiveTask.status == TaskStatus.COMPLETED.value)
                                   .group_by(LiveTask.creator_id)),
    "orders.delivered_by_creator": (select(CoopOrder.creator_id, func.count())
                                    .where(CoopOrder.creator_id.in_(IDS), CoopOrder.status == "delivered")
                                    .group_by(CoopOrder.creator_id)),
    "products.keys_in_category": _keys(Product.category == bindparam("cat")),
    "products.keys_not_in": _keys(Product.category.not_in(bindparam("cats", expanding=True))),
    "products.keys_all": _keys(),
    "merchant_records.by_ids": select(MerchantRecord.merchant_id, *(getattr(MerchantRecord, f) for f in RECORD_FIELDS))
    .where(MerchantRecord.merchant_id.in_(IDS)),
    "products.by_ids": select(Product.id, Product.name, Product.store_id, Product.category, Product.sales,
                              Product.commission_rate, Product.price_cents, Product.brand, Product.experience_score)
    .where(Product.id.in_(IDS)),
    "shops.names": select(Shop.id, Shop.name).where(Shop.id.in_(IDS)),
}



# ---- compiled for the first screen ----------------------------------------------------------------

def compiled() -> dict[str, tuple[str, dict, tuple]]:
    """Each statement as SQLite runs it: (SQL with named parameters, the values SQLAlchemy binds
    itself, how each result column is read back). Lists stay `__[POSTCOMPILE_name]` markers, for the
    reader to expand; a column type the reader cannot read back the same way is refused here."""
    from sqlalchemy import Boolean, Numeric
    from sqlalchemy.dialects import sqlite
    from sqlalchemy.types import TypeDecorator

    from workbench.store.models import UTCDateTime

    dialect = sqlite.dialect(paramstyle="named")
    out = {}
    for name, stmt in STATEMENTS.items():
        c = stmt.compile(dialect=dialect)
        defaults = {}
        for key, value in c.params.items():
            if value is None and c.binds[key].required:
                continue   # given by the caller
            if isinstance(value, bool) or not isinstance(value, (int, str, list, tuple)):
                raise TypeError(f"{name}: cannot compile the bound value {key}={value!r}")
            defaults[key] = list(value) if isinstance(value, (list, tuple)) else value
        readers = []
        for col in c._result_columns:
            t = col[3]
            if isinstance(t, UTCDateTime):
                readers.append("datetime")
            elif isinstance(t, TypeDecorator):
                raise TypeError(f"{name}: no reader for {t!r}")
            elif isinstance(t, Boolean):
                readers.append("bool")
            elif isinstance(t, Numeric) and t.asdecimal:
                readers.append(f"decimal:{t.scale if t.scale is not None else t._default_decimal_return_scale}")
            else:
                readers.append("")
        out[name] = (str(c), defaults, tuple(readers))
    return out


def compiled_source() -> str:
    """The text of `services/dashboard_compiled.py` (tools/compile_queries.py writes it)."""
    from pprint import pformat

    from workbench.store.migrate import head_revision

    return ('"""The dashboard\'s queries compiled for SQLite (services.dashboard_sql), for the first screen.\n\n'
            'Written by tools/compile_queries.py; tests/test_firstscreen.py fails when it is out of date."""\n\n'
            f"REVISION = {head_revision()!r}\n\n"
            f"QUERIES = {pformat(compiled(), width=110, sort_dicts=True)}\n")
