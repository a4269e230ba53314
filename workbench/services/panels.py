"""The home dashboard's five panels (用户工作台), made from named queries through a reader.

The panels never build SQL: they ask a `Reader` for the rows of a query of `dashboard_sql` by
name. `dashboard.load_dashboard` gives them a reader over the unit of work's session; the first
screen of `workbench run` gives them one over the standard library's sqlite3 and the same SQL
compiled ahead of time, so the dashboard is read before SQLAlchemy and pydantic are loaded
(`workbench.firstscreen`). This module imports neither.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from workbench import content
from workbench.domain.actor import Actor
from workbench.domain.formatting import count, percent
from workbench.domain.ledger import AccountKind, income_slot
from workbench.domain.money import estimate_commission, format_money, format_rate
from workbench.domain.reputation import MerchantCounts, Weights, breakdown, factors_of, rank
from workbench.domain.roles import Role
from workbench.domain.tasks import TaskStatus
from workbench.i18n import N_, _, pick
from workbench.services.dashboard_view import CaseView, DashboardView, Figure, Recommendation, Step, TodoItem


class Reader(Protocol):
    def rows(self, name: str, **params: Any) -> list[tuple]: ...


@dataclass(frozen=True, slots=True)
class Context:
    """What the panels read with: the reader, the moment, and the rules' few numbers they use."""

    q: Reader
    now: datetime
    recommendations: int
    cases: int
    top_creators_min_level_v: int
    creator_min_level_v: int
    weights: Weights

    def scalar(self, name: str, **params: Any) -> Any:
        rows = self.q.rows(name, **params)
        return rows[0][0] if rows else None

    def count(self, name: str, **params: Any) -> int:
        return int(self.scalar(name, **params) or 0)   # PostgreSQL sums bigint as numeric


def context(q: Reader, now: datetime, rules: Any) -> Context:
    r = rules.reputation
    return Context(q, now, rules.dashboard.recommendations, rules.dashboard.cases,
                   rules.dashboard.top_creators_min_level_v, rules.admission.creator_min_level_v,
                   Weights(r.weight_response, r.weight_samples, r.weight_payment, r.weight_rating, r.stake,
                           r.min_cases))


def _day_start(c: Context, actor: Actor) -> datetime:
    local = c.now.astimezone(ZoneInfo(actor.zone))
    return datetime.combine(local.date(), time(), ZoneInfo(actor.zone))


# ---- to-do (待办事项) ------------------------------------------------------------------------

TodoSource = Callable[[Context, Actor], TodoItem]


def _simple(key: str, label: str, query: str, screen: str | None, filter: str | None = None,
            **params: Any) -> TodoSource:
    def source(c: Context, actor: Actor) -> TodoItem:
        return TodoItem(key, _(label), c.count(query, actor=actor.id, **params), screen, filter)
    source.__name__ = f"_todo_{key}"
    return source


def _todo_notifications(c: Context, actor: Actor) -> TodoItem:
    return TodoItem("notifications", _("未读通知"), c.count("notifications.unread", actor=actor.id), "notifications")


def _todo_my_disputes(c: Context, actor: Actor) -> TodoItem:
    query = "tasks.merchant_status" if actor.role is Role.MERCHANT else "tasks.creator_status"
    n = c.count(query, actor=actor.id, status=TaskStatus.DISPUTED.value)
    return TodoItem("my_disputes", _("争议处理中"), n, "tasks", "disputed")


def _todo_lives_today(c: Context, actor: Actor) -> TodoItem:
    start = _day_start(c, actor)
    n = c.count("tasks.lives_today", actor=actor.id, start=start, end=start + timedelta(days=1))
    return TodoItem("lives_today", _("今天要开播"), n, "tasks", "in_progress")


def _todo_lives_later(c: Context, actor: Actor) -> TodoItem:
    n = c.count("tasks.lives_later", actor=actor.id, start=_day_start(c, actor) + timedelta(days=1))
    return TodoItem("lives_later", _("之后要开播"), n, "tasks", "in_progress:waiting_air")


def _todo_bindings_sent(c: Context, actor: Actor) -> TodoItem:
    n = (c.count("bindings.creators_of_agency", actor=actor.id, status="invited")
         + c.count("bindings.stores_of_agency", actor=actor.id, status="invited"))
    return TodoItem("bindings_waiting", _("等待对方确认的绑定"), n, "bindings")


def _todo_binding_invites(c: Context, actor: Actor) -> TodoItem:
    if actor.role is Role.CREATOR:
        return TodoItem("binding_invites", _("机构绑定邀请"), c.count("bindings.creator_invited", actor=actor.id),
                        "binding_invites")
    return TodoItem("binding_invites", _("直播基地合作邀请"), c.count("bindings.merchant_invited", actor=actor.id),
                    "binding_invites")


def to_rate(c: Context, actor: Actor) -> int:
    """The 待评价 count: finished cooperations the actor has not rated yet (reports.todo_count)."""
    if actor.role not in (Role.MERCHANT, Role.CREATOR):
        return 0
    party = actor.role.value
    return c.count(f"to_rate.{party}_order", actor=actor.id) + c.count(f"to_rate.{party}_task", actor=actor.id)


def _todo_to_rate(c: Context, actor: Actor) -> TodoItem:
    return TodoItem("to_rate", _("待评价"), to_rate(c, actor), "reports", "to_rate")


def _order_todo(key: str, label: str, query: str, status: str) -> TodoSource:
    return _simple(key, label, query, "orders", status, status=status)


PENDING: dict[Role, list[TodoSource]] = {
    Role.MERCHANT: [
        _order_todo("invitations", N_("待确认的邀约"), "orders.merchant_status", "invited"),
        _order_todo("samples_to_ship", N_("待寄样"), "orders.merchant_status", "accepted"),
        _simple("intents", N_("主播选品意向"), "intents.open", "intents"),
        _simple("overdue_orders", N_("逾期订单 (可投诉)"), "orders.complainable", "orders", "overdue"),
        _todo_binding_invites,
        _simple("tasks_to_check", N_("待验收的任务"), "tasks.merchant_to_check", "tasks", "in_progress:awaiting_check"),
        _simple("tasks_waiting", N_("等待达人接单"), "tasks.merchant_status", "tasks", "pending",
                status=TaskStatus.PENDING.value),
        _todo_my_disputes,
        _simple("top_ups_waiting", N_("转账充值待确认"), "top_ups.mine_pending", "funds"),
        _todo_to_rate, _todo_notifications],
    Role.CREATOR: [
        _order_todo("orders_to_accept", N_("待接的订单"), "orders.creator_status", "paid"),
        _order_todo("lives_to_schedule", N_("待排期 (5 天内)"), "orders.creator_status", "sample_shipped"),
        _simple("deliveries_due", N_("待交付的订单"), "orders.creator_deliveries", "orders"),
        _simple("plans_in_review", N_("审核中的备货单"), "plans.mine_submitted", "stock_plans"),
        _todo_binding_invites,
        _simple("tasks_to_accept", N_("待接单的任务"), "tasks.creator_status", "tasks", "pending",
                status=TaskStatus.PENDING.value),
        _todo_lives_today, _todo_lives_later, _todo_my_disputes, _todo_to_rate, _todo_notifications],
    Role.AGENCY: [
        _todo_bindings_sent,
        _simple("signed_in", N_("在基地签到的主播"), "sign_ins.open", "base_data"),
        _todo_notifications],
    Role.SUPPORT: [
        _simple("plans_to_review", N_("待审核的备货单"), "plans.submitted", "stock_reviews"),
        _simple("complaints", N_("待处理的投诉"), "complaints.open", "complaints"),
        _simple("sample_reports", N_("待处理的样品问题"), "sample_reports.open", "sample_reports"),
        _simple("disputes", N_("待裁决的争议"), "disputes.open", "disputes"),
        _simple("top_ups_review", N_("待确认的银行转账"), "top_ups.pending", "funds"),
        _simple("admission_review", N_("未通过准入的账户"), "users.unverified", None),
        _todo_notifications],
}


# ---- core data (核心数据) --------------------------------------------------------------------

def month_start(now: datetime, zone: str) -> datetime:
    local = now.astimezone(ZoneInfo(zone))
    return datetime.combine(local.date().replace(day=1), time(), ZoneInfo(zone))


def income_since(c: Context, actor_id: int, since: datetime) -> int:
    """Money that reached the actor's available account since `since`, top-ups excluded.

    Read from the account's income slots (IncomeSlot: what the ledger credited it per UTC quarter-hour,
    kept with every posting): a month's worth of slots, where summing the postings joined every posting
    of the account to its journal for the time, postings carrying none (33 ms for a creator at a million
    orders). Journal ids cannot stand in for time: they do not grow with it (the generator writes them
    by kind, tests move the clock back). A month starts at local midnight, which falls on a quarter-hour
    in every zone; any other `since` is counted from the postings, exactly as before."""
    if since != income_slot(since):
        return c.count("income.postings_since", actor=actor_id, since=since)
    return c.count("income.slots_since", actor=actor_id, since=since)


def spend(c: Context, actor_id: int) -> int:
    """What the merchant has paid out to creators: settlements, compensations and rulings.

    Read from the ledger's balances rather than by walking the merchant's history: a merchant's
    money enters its accounts only as confirmed top-ups (external → available) and leaves them
    only as payouts to creators (frozen → creator); holds, refunds and releases move it between
    its own two accounts. So what has left is what came in minus what is still there — two
    indexed lookups, where summing the payouts read every journal of the merchant's tasks and
    orders (tens of thousands for a large merchant). tests/test_query_plans.py checks the two
    agree for every merchant of a generated store.
    """
    return c.count("top_ups.confirmed_sum", actor=actor_id) - c.count("accounts.held", actor=actor_id)


def _figures(c: Context, actor: Actor) -> list[Figure]:
    me = actor.id
    available = c.count("accounts.balance", actor=me, kind=AccountKind.AVAILABLE.value) if me else 0
    if actor.role is Role.MERCHANT:
        frozen = c.count("accounts.balance", actor=me, kind=AccountKind.FROZEN.value)
        active = c.count("tasks.merchant_active", actor=me) + c.count("orders.merchant_open", actor=me)
        return [
            Figure("available", _("可用余额"), format_money(available)),
            Figure("frozen", _("冻结金额"), format_money(frozen)),
            Figure("spend", _("累计支出"), format_money(spend(c, me))),
            Figure("active", _("进行中合作"), str(active)),
        ]
    if actor.role is Role.CREATOR:
        completed = (c.count("tasks.creator_status", actor=me, status=TaskStatus.COMPLETED.value)
                     + c.count("orders.creator_status", actor=me, status="delivered"))
        dropped = c.count("tasks.creator_dropped", actor=me) + c.count("orders.creator_status", actor=me,
                                                                         status="overdue")
        month = month_start(c.now, actor.zone)
        commission = sum(estimate_commission(paid, r) for paid, r in c.q.rows("sales.creator_since", actor=me,
                                                                                since=month))
        return [
            Figure("income_month", _("本月收入"), format_money(income_since(c, me, month))),
            Figure("commission_month", _("本月预估佣金"), format_money(commission)),
            Figure("available", _("可用余额"), format_money(available)),
            Figure("completed", _("完成合作"), str(completed)),
            Figure("fulfilment", _("履约率"), percent(completed, completed + dropped)),
        ]
    if actor.role is Role.AGENCY:
        pool_total, pool_listed = c.q.rows("pool.counts", actor=me)[0]
        share = c.count("sales.agency_fee_since", actor=me, since=c.now - timedelta(days=30))
        return [
            Figure("creators", _("绑定主播"), str(c.count("bindings.creators_of_agency", actor=me, status="active"))),
            Figure("stores", _("绑定店铺"), str(c.count("bindings.stores_of_agency", actor=me, status="active"))),
            Figure("pool", _("基地货品 (上架/总数)"), f"{int(pool_listed)}/{int(pool_total)}"),
            Figure("fee_share", _("近 30 天机构分成"), format_money(share)),
        ]
    day = _day_start(c, actor)
    return [
        Figure("disputes", _("待裁决争议"), str(c.count("disputes.open"))),
        Figure("top_ups_review", _("待确认充值"), str(c.count("top_ups.pending"))),
        Figure("actions_today", _("今日操作"), str(c.count("audit.count_between", start=day,
                                                               end=day + timedelta(days=1)))),
        Figure("revenue", _("平台收入"), format_money(c.count("accounts.revenue"))),
        Figure("users", _("用户数"), str(c.count("users.count"))),
    ]


# ---- guided steps (操作指引) -----------------------------------------------------------------

def _admitted(c: Context, actor: Actor) -> bool:
    """Admission (准入) of DOMAIN.md: the rule differs per role."""
    verified = c.q.rows("users.verified", actor=actor.id)
    if not verified:
        return False
    if actor.role is Role.AGENCY:   # agencies: a registered business
        return bool(c.scalar("agencies.registered", actor=actor.id))
    if not verified[0][0]:
        return False
    if actor.role is Role.MERCHANT:
        return c.count("shops.normal", actor=actor.id) > 0
    if actor.role is Role.CREATOR:
        level = c.scalar("creators.level_v", actor=actor.id)
        return level is not None and level >= c.creator_min_level_v
    return True


def _steps(c: Context, actor: Actor, screens: frozenset[str]) -> list[Step]:
    role = actor.role.value if actor.role else ""
    done_actions = {a for (a,) in c.q.rows("audit.actions_of", actor=actor.id)}
    steps = []
    for st in content.guide():
        if st.role != role:
            continue
        done = (_admitted(c, actor) if st.done == "verified"
                else any(a in done_actions for a in st.done[7:].split("|")))
        steps.append(Step(pick(st.title_zh, st.title_en), done,
                          st.screen if st.screen in screens else None, st.help))
    return steps


# ---- recommendations (平台推荐) --------------------------------------------------------------

def _creator_recommendations(c: Context, actor: Actor) -> list[Recommendation]:
    wanted: dict[str, int] = {}
    if actor.role is Role.MERCHANT:
        wanted = {cat: n for cat, n in c.q.rows("products.categories_of", actor=actor.id)}
    # Creators are read most-viewed first (ix_creators_viewers) and scored here; no creator after
    # the current one can beat log10(its viewers) + 0.5·log10(the most fans anyone has) (doubled
    # if the merchant sells anything), so the walk stops once that bound is below the last place
    # on the list: a few dozen rows, where scoring every creator read them all.
    limit = c.recommendations
    factor = 2 if wanted else 1
    most_fans = math.log10(max(c.scalar("creators.max_fans") or 1, 1))
    batch, keys = 8 * limit, []
    while True:
        keys, seen, done = [], 0, False
        for user_id, viewers, fans, categories in c.q.rows("creators.eligible", min_level=c.top_creators_min_level_v,
                                                           limit=batch):
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
    chosen = [user_id for _k, user_id in keys[:limit]]
    if not chosen:
        return []
    loaded = {r[0]: r for r in c.q.rows("creators.by_ids", ids=chosen)}
    completed = completed_counts(c, chosen)
    out = []
    for user_id in chosen:
        _id, nickname, viewers, fans, quote, level_v, level_l, categories, bio = loaded[user_id]
        overlap = [x for x in categories.split(",") if x and x in wanted]
        if overlap:
            reason = _("同类目{cats} · {n}件").format(cats="、".join(overlap), n=sum(wanted[x] for x in overlap))
        else:
            reason = _("场均{viewers} · V{level}").format(viewers=count(viewers), level=level_v)
        out.append(Recommendation("creator", user_id, nickname,
                                  (count(viewers), count(fans), str(completed.get(user_id, 0)), format_money(quote)),
                                  reason,
                                  ((_("等级"), f"V{level_v} · L{level_l}"),
                                   (_("类目"), "、".join(x for x in categories.split(",") if x)),
                                   (_("简介"), bio))))
    return out


def completed_counts(c: Context, creator_ids: list[int]) -> dict[int, int]:
    """Completed cooperations per creator: completed live tasks and delivered orders."""
    totals: dict[int, int] = {}
    if creator_ids:
        for query in ("tasks.completed_by_creator", "orders.delivered_by_creator"):
            for cid, n in c.q.rows(query, ids=creator_ids):
                totals[cid] = totals.get(cid, 0) + n
    return totals


def _factors(c: Context):
    def factors(ids: set[int]):
        if not ids:
            return {}
        stored = {mid: MerchantCounts(*rest) for mid, *rest in c.q.rows("merchant_records.by_ids", ids=sorted(ids))}
        return factors_of(stored, ids, c.weights)
    return factors


def _product_recommendations(c: Context, actor: Actor) -> list[Recommendation]:
    cats = sorted({x for x in (c.scalar("creators.categories", actor=actor.id) or "").split(",") if x})
    limit = c.recommendations
    # Products of the creator's categories first, then the rest, each by 推荐分 (the recommendation
    # index weighed by the merchant's record, `domain.reputation.rank`): each walk reads an index
    # kept in index order (ix_products_category_rank per category, ix_products_rank for the rest) and
    # stops once no later product can score higher.
    stake, factors = c.weights.stake, _factors(c)
    picked: list[tuple[bool, Decimal, int, tuple]] = []
    for cat in cats:
        picked += [(False, -t[0], t[1], t) for t in rank(
            lambda offset, n, cat=cat: c.q.rows("products.keys_in_category", cat=cat, offset=offset, limit=n),
            factors, limit, stake)]
    picked = sorted(picked, key=lambda x: x[:3])[:limit]
    if len(picked) < limit:
        if cats:
            def rest(offset: int, n: int) -> list:
                return c.q.rows("products.keys_not_in", cats=cats, offset=offset, limit=n)
        else:
            def rest(offset: int, n: int) -> list:
                return c.q.rows("products.keys_all", offset=offset, limit=n)
        picked += [(True, -t[0], t[1], t) for t in rank(rest, factors, limit - len(picked), stake)]
    if not picked:
        return []
    rows = {r[0]: r for r in c.q.rows("products.by_ids", ids=[pid for _o, _s, pid, _t in picked])}
    stores = dict(c.q.rows("shops.names", ids=sorted({rows[pid][2] for _o, _s, pid, _t in picked})))
    out = []
    for other, _score, pid, (score, _pid, _mid, ix, f) in picked:
        _id, name, store_id, category, sales, rate, price, brand, experience = rows[pid]
        reason = (_("同类目{cat} · 月销{sales}") if not other else _("推荐分{score} · 月销{sales}")).format(
            cat=category, sales=count(sales), score=score)
        out.append(Recommendation("product", pid, name, (format_rate(rate), format_money(price)), reason,
                                  ((_("店铺"), stores.get(store_id, "")), (_("品牌"), brand or "—"),
                                   (_("类目"), category), (_("体验分"), str(experience)),
                                   (_("推荐分"), breakdown(ix, f.value, stake)),
                                   (_("商家信誉系数"), f"{f.value:.2f}"))))
    return out


def _recommendations(c: Context, actor: Actor) -> tuple[str, tuple[str, ...], list[Recommendation]]:
    if actor.role is Role.CREATOR:
        return ("product", (_("商品"), _("佣金"), _("价格")), _product_recommendations(c, actor))
    headers = (_("主播"), _("场均观看"), _("粉丝"), _("合作任务"), _("报价"))
    return ("creator", headers, _creator_recommendations(c, actor))


# ---- success cases (成功案例) ----------------------------------------------------------------

def _cases(c: Context, actor: Actor) -> list[CaseView]:
    role = actor.role.value if actor.role else ""
    pool = [x for x in content.cases() if x.role == role or actor.role is Role.SUPPORT]
    if not pool:
        return []
    # A different story leads each day; the same day always shows the same ones.
    start = c.now.astimezone(ZoneInfo(actor.zone)).toordinal() % len(pool)
    chosen = (pool[start:] + pool[:start])[: c.cases]
    return [CaseView(pick(x.who_zh, x.who_en), pick(x.title_zh, x.title_en), pick(x.body_zh, x.body_en))
            for x in chosen]


def build(c: Context, actor: Actor, screens: frozenset[str] = frozenset()) -> DashboardView:
    """All five panels for `actor`. `screens`: the screens the caller can open, for links."""
    assert actor.role is not None
    todo = [src(c, actor) for src in PENDING[actor.role]]
    todo = [t if t.screen in screens else TodoItem(t.key, t.label, t.count, None) for t in todo]
    rec_kind, headers, recs = _recommendations(c, actor)
    return DashboardView(actor.name, actor.role, todo, _figures(c, actor),
                         _steps(c, actor, screens), rec_kind, headers, recs, _cases(c, actor))
