"""The home dashboard (用户工作台): five panels computed from the store for one user."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, func, select

from workbench import content
from workbench.domain.formatting import count, percent
from workbench.domain.ledger import AccountKind
from workbench.domain.money import format_money, format_rate
from workbench.domain.roles import Role
from workbench.i18n import N_, _, pick
from workbench.services import funds, ledger, notifications, reputation
from workbench.services.base import Actor, read_only
from workbench.domain.orders import OPEN as OPEN_ORDERS
from workbench.domain.tasks import TaskStatus, TaskSub
from workbench.services.income import estimate
from workbench.store.models import (
    Account, Agency, AuditEntry, BasePoolItem, Complaint, CoopOrder, Creator, CreatorBinding, Dispute, Intent,
    Journal, LiveTask, Posting, Product, Sale, Shop, SignIn, StockPlan, StoreBinding, User,
)
from workbench.store.uow import UnitOfWork
from workbench.services.dashboard_view import (  # noqa: F401  (the view types belong to this use case)
    CaseView, DashboardView, Figure, Recommendation, Step, TodoItem,
)


# ---- to-do (待办事项) ------------------------------------------------------------------------

TodoSource = Callable[[UnitOfWork, Actor], TodoItem]


def _todo_notifications(uow: UnitOfWork, actor: Actor) -> TodoItem:
    return TodoItem("notifications", _("未读通知"), notifications.unread_count(uow, actor), "notifications")


def _todo_my_pending_top_ups(uow: UnitOfWork, actor: Actor) -> TodoItem:
    from workbench.store.models import TopUp
    n = uow.session.scalar(select(func.count()).select_from(TopUp).where(
        TopUp.merchant_id == actor.id, TopUp.status == "pending")) or 0
    return TodoItem("top_ups_waiting", _("转账充值待确认"), n, "funds")


def _todo_review_top_ups(uow: UnitOfWork, actor: Actor) -> TodoItem:
    return TodoItem("top_ups_review", _("待确认的银行转账"), funds.pending_top_up_count(uow), "funds")


def _todo_unverified(uow: UnitOfWork, actor: Actor) -> TodoItem:
    n = uow.session.scalar(select(func.count()).select_from(User).where(User.verified.is_(False))) or 0
    return TodoItem("admission_review", _("未通过准入的账户"), n, None)


def _count_tasks(uow: UnitOfWork, *where) -> int:
    return uow.session.scalar(select(func.count()).select_from(LiveTask).where(*where)) or 0


def _todo_tasks_to_check(uow: UnitOfWork, actor: Actor) -> TodoItem:
    n = _count_tasks(uow, LiveTask.merchant_id == actor.id, LiveTask.status == TaskStatus.IN_PROGRESS.value,
                     LiveTask.sub_status == TaskSub.AWAITING_CHECK.value)
    return TodoItem("tasks_to_check", _("待验收的任务"), n, "tasks", "in_progress:awaiting_check")


def _todo_tasks_waiting(uow: UnitOfWork, actor: Actor) -> TodoItem:
    n = _count_tasks(uow, LiveTask.merchant_id == actor.id, LiveTask.status == TaskStatus.PENDING.value)
    return TodoItem("tasks_waiting", _("等待达人接单"), n, "tasks", "pending")


def _todo_my_disputes(uow: UnitOfWork, actor: Actor) -> TodoItem:
    column = LiveTask.merchant_id if actor.role is Role.MERCHANT else LiveTask.creator_id
    n = _count_tasks(uow, column == actor.id, LiveTask.status == TaskStatus.DISPUTED.value)
    return TodoItem("my_disputes", _("争议处理中"), n, "tasks", "disputed")


def _todo_tasks_to_accept(uow: UnitOfWork, actor: Actor) -> TodoItem:
    n = _count_tasks(uow, LiveTask.creator_id == actor.id, LiveTask.status == TaskStatus.PENDING.value)
    return TodoItem("tasks_to_accept", _("待接单的任务"), n, "tasks", "pending")


def _todo_lives_today(uow: UnitOfWork, actor: Actor) -> TodoItem:
    local = uow.now.astimezone(ZoneInfo(actor.zone))
    start = datetime.combine(local.date(), time(), ZoneInfo(actor.zone))
    n = _count_tasks(uow, LiveTask.creator_id == actor.id, LiveTask.status == TaskStatus.IN_PROGRESS.value,
                     LiveTask.sub_status.in_([TaskSub.WAITING_AIR.value, TaskSub.LIVE.value]),
                     LiveTask.air_at >= start, LiveTask.air_at < start + timedelta(days=1))
    return TodoItem("lives_today", _("今天要开播"), n, "tasks", "in_progress")


def _todo_lives_later(uow: UnitOfWork, actor: Actor) -> TodoItem:
    local = uow.now.astimezone(ZoneInfo(actor.zone))
    tomorrow = datetime.combine(local.date(), time(), ZoneInfo(actor.zone)) + timedelta(days=1)
    n = _count_tasks(uow, LiveTask.creator_id == actor.id, LiveTask.status == TaskStatus.IN_PROGRESS.value,
                     LiveTask.sub_status == TaskSub.WAITING_AIR.value, LiveTask.air_at >= tomorrow)
    return TodoItem("lives_later", _("之后要开播"), n, "tasks", "in_progress:waiting_air")


def _todo_disputes(uow: UnitOfWork, actor: Actor) -> TodoItem:
    n = uow.session.scalar(select(func.count()).select_from(Dispute).where(Dispute.status == "open")) or 0
    return TodoItem("disputes", _("待裁决的争议"), n, "disputes")


def _count_orders(uow: UnitOfWork, *where) -> int:
    return uow.session.scalar(select(func.count()).select_from(CoopOrder).where(*where)) or 0


def _order_todo(key: str, label: str, column, status: str) -> TodoSource:
    def source(uow: UnitOfWork, actor: Actor) -> TodoItem:
        n = _count_orders(uow, column == actor.id, CoopOrder.status == status)
        return TodoItem(key, _(label), n, "orders", status)   # translated when shown, not at import
    source.__name__ = f"_todo_{key}"
    return source


def _todo_intents(uow: UnitOfWork, actor: Actor) -> TodoItem:
    n = uow.session.scalar(select(func.count()).select_from(Intent).where(
        Intent.merchant_id == actor.id, Intent.status == "open")) or 0
    return TodoItem("intents", _("主播选品意向"), n, "intents")


def _todo_complainable(uow: UnitOfWork, actor: Actor) -> TodoItem:
    n = _count_orders(uow, CoopOrder.merchant_id == actor.id, CoopOrder.status == "overdue",
                      CoopOrder.id.not_in(select(Complaint.order_id)))
    return TodoItem("overdue_orders", _("逾期订单 (可投诉)"), n, "orders", "overdue")


def _todo_deliveries(uow: UnitOfWork, actor: Actor) -> TodoItem:
    n = _count_orders(uow, CoopOrder.creator_id == actor.id, CoopOrder.status.in_(["scheduled", "confirmed"]))
    return TodoItem("deliveries_due", _("待交付的订单"), n, "orders")


def _todo_my_plans(uow: UnitOfWork, actor: Actor) -> TodoItem:
    n = uow.session.scalar(select(func.count()).select_from(StockPlan).where(
        StockPlan.creator_id == actor.id, StockPlan.status == "submitted")) or 0
    return TodoItem("plans_in_review", _("审核中的备货单"), n, "stock_plans")


def _todo_review_plans(uow: UnitOfWork, actor: Actor) -> TodoItem:
    n = uow.session.scalar(select(func.count()).select_from(StockPlan).where(StockPlan.status == "submitted")) or 0
    return TodoItem("plans_to_review", _("待审核的备货单"), n, "stock_reviews")


def _todo_sample_reports(uow: UnitOfWork, actor: Actor) -> TodoItem:
    return TodoItem("sample_reports", _("待处理的样品问题"), reputation.open_reports(uow), "sample_reports")


def _todo_complaints(uow: UnitOfWork, actor: Actor) -> TodoItem:
    n = uow.session.scalar(select(func.count()).select_from(Complaint).where(Complaint.status == "open")) or 0
    return TodoItem("complaints", _("待处理的投诉"), n, "complaints")


def _todo_bindings_sent(uow: UnitOfWork, actor: Actor) -> TodoItem:
    n = (uow.session.scalar(select(func.count()).select_from(CreatorBinding).where(
        CreatorBinding.agency_id == actor.id, CreatorBinding.status == "invited")) or 0) + (
        uow.session.scalar(select(func.count()).select_from(StoreBinding).where(
            StoreBinding.agency_id == actor.id, StoreBinding.status == "invited")) or 0)
    return TodoItem("bindings_waiting", _("等待对方确认的绑定"), n, "bindings")


def _todo_binding_invites(uow: UnitOfWork, actor: Actor) -> TodoItem:
    if actor.role is Role.CREATOR:
        n = uow.session.scalar(select(func.count()).select_from(CreatorBinding).where(
            CreatorBinding.creator_id == actor.id, CreatorBinding.status == "invited")) or 0
        return TodoItem("binding_invites", _("机构绑定邀请"), n, "binding_invites")
    n = uow.session.scalar(select(func.count()).select_from(StoreBinding).join(Shop, Shop.id == StoreBinding.store_id)
                           .where(Shop.merchant_id == actor.id, StoreBinding.status == "invited")) or 0
    return TodoItem("binding_invites", _("直播基地合作邀请"), n, "binding_invites")


def _todo_sign_ins_today(uow: UnitOfWork, actor: Actor) -> TodoItem:
    n = uow.session.scalar(select(func.count()).select_from(SignIn).where(
        SignIn.agency_id == actor.id, SignIn.ended_at.is_(None))) or 0
    return TodoItem("signed_in", _("在基地签到的主播"), n, "base_data")


def _todo_to_rate(uow: UnitOfWork, actor: Actor) -> TodoItem:
    from workbench.services import reports
    return TodoItem("to_rate", _("待评价"), reports.todo_count(uow, actor), "reports", "to_rate")


PENDING: dict[Role, list[TodoSource]] = {
    Role.MERCHANT: [_order_todo("invitations", N_("待确认的邀约"), CoopOrder.merchant_id, "invited"),
                    _order_todo("samples_to_ship", N_("待寄样"), CoopOrder.merchant_id, "accepted"),
                    _todo_intents, _todo_complainable, _todo_binding_invites,
                    _todo_tasks_to_check, _todo_tasks_waiting, _todo_my_disputes, _todo_my_pending_top_ups,
                    _todo_to_rate, _todo_notifications],
    Role.CREATOR: [_order_todo("orders_to_accept", N_("待接的订单"), CoopOrder.creator_id, "paid"),
                   _order_todo("lives_to_schedule", N_("待排期 (5 天内)"), CoopOrder.creator_id, "sample_shipped"),
                   _todo_deliveries, _todo_my_plans, _todo_binding_invites,
                   _todo_tasks_to_accept, _todo_lives_today, _todo_lives_later, _todo_my_disputes,
                   _todo_to_rate, _todo_notifications],
    Role.AGENCY: [_todo_bindings_sent, _todo_sign_ins_today, _todo_notifications],
    Role.SUPPORT: [_todo_review_plans, _todo_complaints, _todo_sample_reports, _todo_disputes, _todo_review_top_ups, _todo_unverified,
                   _todo_notifications],
}


# ---- core data (核心数据) --------------------------------------------------------------------

def _month_start(uow: UnitOfWork, actor: Actor) -> datetime:
    local = uow.now.astimezone(ZoneInfo(actor.zone))
    return datetime.combine(local.date().replace(day=1), time(), ZoneInfo(actor.zone))


def _income_since(uow: UnitOfWork, actor: Actor, since: datetime) -> int:
    """Money that reached the actor's available account since `since`, top-ups excluded.

    Read from the account's income slots (IncomeSlot: what the ledger credited it per UTC quarter-hour,
    kept with every posting): a month's worth of slots, where summing the postings joined every posting
    of the account to its journal for the time, postings carrying none (33 ms for a creator at a million
    orders). Journal ids cannot stand in for time: they do not grow with it (the generator writes them
    by kind, tests move the clock back). A month starts at local midnight, which falls on a quarter-hour
    in every zone; any other `since` is counted from the postings, exactly as before."""
    from workbench.store.models import IncomeSlot

    if since != ledger.income_slot(since):
        return _income_since_postings(uow, actor, since)
    stmt = (select(func.coalesce(func.sum(IncomeSlot.amount_cents), 0))
            .join(Account, Account.id == IncomeSlot.account_id)
            .where(Account.owner_id == actor.id, Account.kind == AccountKind.AVAILABLE.value,
                   IncomeSlot.slot_at >= since))
    return int(uow.session.scalar(stmt) or 0)   # PostgreSQL sums bigint as numeric


def _income_since_postings(uow: UnitOfWork, actor: Actor, since: datetime) -> int:
    """`_income_since` from the postings themselves."""
    stmt = (select(func.coalesce(func.sum(Posting.amount_cents), 0))
            .join(Journal, Journal.id == Posting.journal_id)
            .join(Account, Account.id == Posting.account_id)
            .where(Account.owner_id == actor.id, Account.kind == AccountKind.AVAILABLE.value,
                   Posting.amount_cents > 0, Journal.kind != "top_up", Journal.at >= since))
    return int(uow.session.scalar(stmt) or 0)   # PostgreSQL sums bigint as numeric


def _spend(uow: UnitOfWork, actor: Actor) -> int:
    """What the merchant has paid out to creators: settlements, compensations and rulings.

    Read from the ledger's balances rather than by walking the merchant's history: a merchant's
    money enters its accounts only as confirmed top-ups (external → available) and leaves them
    only as payouts to creators (frozen → creator); holds, refunds and releases move it between
    its own two accounts. So what has left is what came in minus what is still there — two
    indexed lookups, where summing the payouts read every journal of the merchant's tasks and
    orders (tens of thousands for a large merchant). tests/test_query_plans.py checks the two
    agree for every merchant of a generated store.
    """
    from workbench.store.models import TopUp

    came_in = uow.session.scalar(select(func.coalesce(func.sum(TopUp.amount_cents), 0)).where(
        TopUp.merchant_id == actor.id, TopUp.status == "confirmed")) or 0
    still_there = uow.session.scalar(select(func.coalesce(func.sum(Account.balance_cents), 0)).where(
        Account.owner_id == actor.id,
        Account.kind.in_([AccountKind.AVAILABLE.value, AccountKind.FROZEN.value]))) or 0
    return int(came_in) - int(still_there)   # PostgreSQL sums bigint as numeric


def _figures(uow: UnitOfWork, actor: Actor) -> list[Figure]:
    s = uow.session
    available = ledger.balance(uow, actor.id, AccountKind.AVAILABLE) if actor.id else 0
    frozen = ledger.balance(uow, actor.id, AccountKind.FROZEN) if actor.id else 0
    if actor.role is Role.MERCHANT:
        active = _count_tasks(uow, LiveTask.merchant_id == actor.id, LiveTask.status.in_(
            [TaskStatus.PENDING.value, TaskStatus.IN_PROGRESS.value, TaskStatus.DISPUTED.value]))
        active += _count_orders(uow, CoopOrder.merchant_id == actor.id, CoopOrder.status.in_(
            [s.value for s in OPEN_ORDERS]))
        return [
            Figure("available", _("可用余额"), format_money(available)),
            Figure("frozen", _("冻结金额"), format_money(frozen)),
            Figure("spend", _("累计支出"), format_money(_spend(uow, actor))),
            Figure("active", _("进行中合作"), str(active)),
        ]
    if actor.role is Role.CREATOR:
        completed = _count_tasks(uow, LiveTask.creator_id == actor.id,
                                 LiveTask.status == TaskStatus.COMPLETED.value)
        # Both sub-states belong to cancelled (SUBS_OF); naming the status keeps the count in the index.
        dropped = _count_tasks(uow, LiveTask.creator_id == actor.id, LiveTask.status == TaskStatus.CANCELLED.value,
                               LiveTask.sub_status.in_([TaskSub.CREATOR_CANCELLED.value, TaskSub.TIMED_OUT.value]))
        completed += _count_orders(uow, CoopOrder.creator_id == actor.id, CoopOrder.status == "delivered")
        dropped += _count_orders(uow, CoopOrder.creator_id == actor.id, CoopOrder.status == "overdue")
        month = _month_start(uow, actor)
        commission = sum(estimate(paid, r) for paid, r in s.execute(
            select(Sale.paid_cents, Sale.commission_rate).where(Sale.creator_id == actor.id, Sale.paid_at >= month)))
        return [
            Figure("income_month", _("本月收入"), format_money(_income_since(uow, actor, month))),
            Figure("commission_month", _("本月预估佣金"), format_money(commission)),
            Figure("available", _("可用余额"), format_money(available)),
            Figure("completed", _("完成合作"), str(completed)),
            Figure("fulfilment", _("履约率"), percent(completed, completed + dropped)),
        ]
    if actor.role is Role.AGENCY:
        creators = s.scalar(select(func.count()).select_from(CreatorBinding).where(
            CreatorBinding.agency_id == actor.id, CreatorBinding.status == "active")) or 0
        stores = s.scalar(select(func.count()).select_from(StoreBinding).where(
            StoreBinding.agency_id == actor.id, StoreBinding.status == "active")) or 0
        pool = s.execute(select(func.count(), func.coalesce(func.sum(BasePoolItem.listed.cast(Integer)), 0))
                         .where(BasePoolItem.agency_id == actor.id)).one()
        share = int(s.scalar(select(func.coalesce(func.sum(Sale.agency_fee_cents), 0)).where(
            Sale.agency_id == actor.id, Sale.paid_at >= uow.now - timedelta(days=30))) or 0)
        return [
            Figure("creators", _("绑定主播"), str(creators)),
            Figure("stores", _("绑定店铺"), str(stores)),
            Figure("pool", _("基地货品 (上架/总数)"), f"{pool[1]}/{pool[0]}"),
            Figure("fee_share", _("近 30 天机构分成"), format_money(share)),
        ]
    local = uow.now.astimezone(ZoneInfo(actor.zone))
    day_start = datetime.combine(local.date(), time(), ZoneInfo(actor.zone))
    actions_today = s.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.at >= day_start, AuditEntry.at < day_start + timedelta(days=1))) or 0
    revenue = s.scalar(select(Account.balance_cents).where(
        Account.owner_id.is_(None), Account.kind == AccountKind.PLATFORM_REVENUE.value)) or 0
    users = s.scalar(select(func.count()).select_from(User)) or 0
    return [
        Figure("disputes", _("待裁决争议"), str(s.scalar(select(func.count()).select_from(Dispute).where(
            Dispute.status == "open")) or 0)),
        Figure("top_ups_review", _("待确认充值"), str(funds.pending_top_up_count(uow))),
        Figure("actions_today", _("今日操作"), str(actions_today)),
        Figure("revenue", _("平台收入"), format_money(revenue)),
        Figure("users", _("用户数"), str(users)),
    ]


# ---- guided steps (操作指引) -----------------------------------------------------------------

def _admitted(uow: UnitOfWork, actor: Actor) -> bool:
    """Admission (准入) of DOMAIN.md: the rule differs per role."""
    s = uow.session
    user = s.get(User, actor.id)
    if user is None:
        return False
    if actor.role is Role.AGENCY:   # agencies: a registered business
        a = s.get(Agency, actor.id)
        return bool(a and a.registered)
    if not user.verified:
        return False
    if actor.role is Role.MERCHANT:
        return bool(s.scalar(select(func.count()).select_from(Shop).where(
            Shop.merchant_id == actor.id, Shop.standing == "normal")))
    if actor.role is Role.CREATOR:
        c = s.get(Creator, actor.id)
        return bool(c and c.level_v >= uow.rules.admission.creator_min_level_v)
    return True


def _steps(uow: UnitOfWork, actor: Actor, screens: frozenset[str]) -> list[Step]:
    role = actor.role.value if actor.role else ""
    done_actions = set(uow.session.scalars(
        select(AuditEntry.action).where(AuditEntry.actor_id == actor.id).distinct()))
    steps = []
    for st in content.guide():
        if st.role != role:
            continue
        done = (_admitted(uow, actor) if st.done == "verified"
                else any(a in done_actions for a in st.done[7:].split("|")))
        steps.append(Step(pick(st.title_zh, st.title_en), done,
                          st.screen if st.screen in screens else None, st.help))
    return steps


# ---- recommendations (平台推荐) --------------------------------------------------------------

def _creator_recommendations(uow: UnitOfWork, actor: Actor) -> list[Recommendation]:
    s = uow.session
    wanted: dict[str, int] = {}
    if actor.role is Role.MERCHANT:
        for cat, n in s.execute(select(Product.category, func.count()).where(
                Product.merchant_id == actor.id).group_by(Product.category)):
            wanted[cat] = n
    # Creators are read most-viewed first (ix_creators_viewers) and scored here; no creator after
    # the current one can beat log10(its viewers) + 0.5·log10(the most fans anyone has) (doubled
    # if the merchant sells anything), so the walk stops once that bound is below the last place
    # on the list: a few dozen rows, where scoring every creator read them all.
    limit = uow.rules.dashboard.recommendations
    factor = 2 if wanted else 1
    most_fans = math.log10(max(s.scalar(select(func.max(Creator.fans))) or 1, 1))
    eligible = (select(Creator.user_id, Creator.avg_viewers, Creator.fans, Creator.categories)
                .join(User, User.id == Creator.user_id)
                .where(User.verified.is_(True), Creator.resting.is_(False),
                       Creator.level_v >= uow.rules.dashboard.top_creators_min_level_v)
                .order_by(Creator.avg_viewers.desc(), Creator.user_id))
    batch, keys = 8 * limit, []
    while True:
        keys, seen, done = [], 0, False
        for user_id, viewers, fans, categories in s.execute(eligible.limit(batch)):
            seen += 1
            reach = math.log10(max(viewers, 1))
            if len(keys) >= limit and (reach + 0.5 * most_fans) * factor < -keys[limit - 1][0]:
                done = True
                break
            # Reach counts most; a category the merchant sells doubles the weight.
            score = reach + 0.5 * math.log10(max(fans, 1))
            if wanted and any(x in wanted for x in categories.split(",") if x):
                score *= 2
            keys.append((-score, user_id))
            keys.sort()
        if done or seen < batch:
            break
        batch *= 8
    chosen = keys[:limit]
    loaded = {c.user_id: c for c in s.scalars(select(Creator).where(Creator.user_id.in_([i for _k, i in chosen])))}
    scored = []
    for score, user_id in chosen:
        c = loaded[user_id]
        overlap = [x for x in c.categories.split(",") if x and x in wanted]
        if overlap:
            reason = _("同类目{cats} · {n}件").format(
                cats="、".join(overlap), n=sum(wanted[x] for x in overlap))
        else:
            reason = _("场均{viewers} · V{level}").format(
                viewers=count(c.avg_viewers), level=c.level_v)
        scored.append((score, user_id, c, reason))
    completed = completed_tasks(uow, [c.user_id for _score, _id, c, _r in scored])
    return [Recommendation("creator", c.user_id, c.nickname,
                           (count(c.avg_viewers), count(c.fans), str(completed.get(c.user_id, 0)),
                            format_money(c.quote_cents)), reason,
                           ((_("等级"), f"V{c.level_v} · L{c.level_l}"),
                            (_("类目"), "、".join(x for x in c.categories.split(",") if x)),
                            (_("简介"), c.bio)))
            for _score, _id, c, reason in scored[: uow.rules.dashboard.recommendations]]


def completed_tasks(uow: UnitOfWork, creator_ids: list[int]) -> dict[int, int]:
    """Completed cooperations per creator; flows that record cooperations add to it."""
    totals: dict[int, int] = {}
    for counter in COMPLETED_COUNTERS:
        for cid, n in counter(uow, creator_ids).items():
            totals[cid] = totals.get(cid, 0) + n
    return totals


def _delivered_orders(uow: UnitOfWork, ids: list[int]) -> dict[int, int]:
    if not ids:
        return {}
    rows = uow.session.execute(select(CoopOrder.creator_id, func.count()).where(
        CoopOrder.creator_id.in_(ids), CoopOrder.status == "delivered").group_by(CoopOrder.creator_id))
    return {cid: n for cid, n in rows}


def _completed_live_tasks(uow: UnitOfWork, ids: list[int]) -> dict[int, int]:
    if not ids:
        return {}
    rows = uow.session.execute(select(LiveTask.creator_id, func.count()).where(
        LiveTask.creator_id.in_(ids), LiveTask.status == TaskStatus.COMPLETED.value).group_by(LiveTask.creator_id))
    return {cid: n for cid, n in rows}


COMPLETED_COUNTERS: list[Callable[[UnitOfWork, list[int]], dict[int, int]]] = [
    _completed_live_tasks, _delivered_orders]


def _product_recommendations(uow: UnitOfWork, actor: Actor) -> list[Recommendation]:
    s = uow.session
    c = s.get(Creator, actor.id)
    cats = sorted({x for x in (c.categories.split(",") if c else []) if x})
    limit = uow.rules.dashboard.recommendations
    # Products of the creator's categories first, then the rest, each by 推荐分 (the recommendation
    # index weighed by the merchant's record, `reputation.rank_products`): each walk reads an index
    # kept in index order (ix_products_category_rank per category, ix_products_rank for the rest) and
    # stops once no later product can score higher.
    picked: list[tuple[bool, Decimal, int, reputation.Ranked]] = []
    for cat in cats:
        picked += [(False, -r.score, r.row[0].id, r)
                   for r in reputation.rank_products(uow, select(Product).where(Product.category == cat), limit)]
    picked = sorted(picked, key=lambda x: x[:3])[:limit]
    if len(picked) < limit:
        rest = select(Product)
        if cats:
            rest = rest.where(Product.category.not_in(cats))
        picked += [(True, -r.score, r.row[0].id, r) for r in reputation.rank_products(uow, rest, limit - len(picked))]
    stores = dict(s.execute(select(Shop.id, Shop.name).where(
        Shop.id.in_({r.row[0].store_id for *_k, r in picked}))).all())
    out = []
    for other, _score, _pid, r in picked:
        p = r.row[0]
        reason = (_("同类目{cat} · 月销{sales}") if not other else _("推荐分{score} · 月销{sales}")).format(
            cat=p.category, sales=count(p.sales), score=r.score)
        out.append(Recommendation("product", p.id, p.name,
                                  (format_rate(p.commission_rate), format_money(p.price_cents)), reason,
                                  ((_("店铺"), stores.get(p.store_id, "")), (_("品牌"), p.brand or "—"),
                                   (_("类目"), p.category), (_("体验分"), str(p.experience_score)),
                                   (_("推荐分"), r.breakdown), (_("商家信誉系数"), f"{r.factor.value:.2f}"))))
    return out


def _recommendations(uow: UnitOfWork, actor: Actor) -> tuple[str, tuple[str, ...], list[Recommendation]]:
    if actor.role is Role.CREATOR:
        return ("product", (_("商品"), _("佣金"), _("价格")), _product_recommendations(uow, actor))
    headers = (_("主播"), _("场均观看"), _("粉丝"), _("合作任务"), _("报价"))
    return ("creator", headers, _creator_recommendations(uow, actor))


# ---- success cases (成功案例) ----------------------------------------------------------------

def _cases(uow: UnitOfWork, actor: Actor) -> list[CaseView]:
    role = actor.role.value if actor.role else ""
    pool = [c for c in content.cases() if c.role == role or actor.role is Role.SUPPORT]
    if not pool:
        return []
    # A different story leads each day; the same day always shows the same ones.
    start = uow.now.astimezone(ZoneInfo(actor.zone)).toordinal() % len(pool)
    chosen = (pool[start:] + pool[:start])[: uow.rules.dashboard.cases]
    return [CaseView(pick(c.who_zh, c.who_en), pick(c.title_zh, c.title_en), pick(c.body_zh, c.body_en))
            for c in chosen]


@read_only
def load_dashboard(uow: UnitOfWork, actor: Actor, screens: frozenset[str] = frozenset()) -> DashboardView:
    """All five panels for `actor`. `screens`: the screens the caller can open, for links."""
    assert actor.role is not None
    todo = [src(uow, actor) for src in PENDING[actor.role]]
    todo = [t if t.screen in screens else TodoItem(t.key, t.label, t.count, None) for t in todo]
    rec_kind, headers, recs = _recommendations(uow, actor)
    return DashboardView(actor.name, actor.role, todo, _figures(uow, actor),
                         _steps(uow, actor, screens), rec_kind, headers, recs, _cases(uow, actor))
