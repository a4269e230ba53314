"""Post-campaign reports (复盘报告) of finished cooperations, and the ratings both sides give (评价).

A finished cooperation is a Flow A order that was delivered or went overdue, or a Flow B task that
was completed (the merchant's check passed). Closed orders (the creator closed within the schedule
window and returned the sample) never reached a live and have no report; cancelled tasks neither.

- Cost (成本) = slot fee actually paid (an order's proportional settlement, a task's frozen amount
  paid on the check; an overdue order's quote was refunded, so 0) + the service fee (推广服务费) on
  the attributed consumer orders, as the `sales` table fixed it when each consumer paid.
- Attribution (归因): a consumer order counts when the cooperation's creator sold one of its
  products from the start of the live (an order's scheduled live time, a task's go-live moment or
  else its booked air time) up to `reports.attribution_days` days after (data/rules.toml). An
  overdue order had no live and gets no attribution. Two cooperations of the same creator and
  product whose windows overlap both count such an order.
- ROI = GMV ÷ cost; no ratio when the cost is 0.
- On time (准时): an order delivered by its latest delivery time (or the 27-day cap when none was
  set); a task whose live started by its booked air time plus `reports.live_grace_minutes`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from pydantic import Field, field_validator, model_validator
from sqlalchemy import exists, func, or_, select
from sqlalchemy.exc import IntegrityError

from workbench.domain.errors import Conflict, DomainError, NotFound
from workbench.domain.money import format_money
from workbench.domain.orders import OrderStatus
from workbench.domain.reports import FINISHED_ORDER, FINISHED_TASK, check_comment, check_score, on_time, roi
from workbench.domain.roles import Role
from workbench.domain.tasks import TaskStatus
from workbench.i18n import _
from workbench.services.base import Actor, Command, audit, notify, party_visible, read_only, require_role
from workbench.services.reputation import refresh_records
from workbench.store.models import (
    AuditEntry, CoopOrder, Creator, LiveTask, Merchant, OrderProduct, Product, Rating, Sale, TaskProduct,
)
from workbench.store.uow import UnitOfWork

PAGE = 20
EXPORT_MAX = 5000
KINDS = ("order", "task")


def _kind(v: str, field: str) -> str:
    if v not in KINDS:
        raise DomainError(_("合作类型须为 order (直播通订单) 或 task (直播任务)"), field=field)
    return v


class ReportQuery(Command):
    """One page of finished cooperations, most recently finished first."""

    to_rate: bool = Field(default=False, description="only those you have not rated yet")
    after: str | None = Field(default=None, description="keyset: continue after KIND:ID (the last row shown)")
    limit: int = Field(default=PAGE, ge=1, le=200)

    @field_validator("after")
    @classmethod
    def _after(cls, v: str | None) -> str | None:
        if v is None or v == "":
            return None
        kind, _sep, ref = v.partition(":")
        if kind not in KINDS or not ref.isdecimal() or len(ref) > 18:
            raise DomainError(_("须为 KIND:ID, 例如 order:12"), field="after")
        return v


class ReportRef(Command):
    """One cooperation: `order` and an order id, or `task` and a task id."""

    kind: str
    id: int

    @field_validator("kind")
    @classmethod
    def _k(cls, v: str) -> str:
        return _kind(v, "kind")


class ExportQuery(Command):
    """What to export: one report (kind and id), or every report finished in a period (local dates)."""

    kind: str | None = Field(default=None, description="order or task (with --id: one report)")
    id: int | None = Field(default=None, description="the order or task id")
    since: str | None = Field(default=None, description="first day, YYYY-MM-DD (your time zone)")
    until: str | None = Field(default=None, description="last day, YYYY-MM-DD (your time zone)")

    @field_validator("kind")
    @classmethod
    def _k(cls, v: str | None) -> str | None:
        return None if v in (None, "") else _kind(v, "kind")

    @field_validator("since", "until")
    @classmethod
    def _day(cls, v: str | None, info) -> str | None:
        if v in (None, ""):
            return None
        try:
            date.fromisoformat(v)
        except ValueError:
            raise DomainError(_("日期须为 YYYY-MM-DD, 例如 2026-05-01"), field=info.field_name) from None
        if len(v) != 10:
            raise DomainError(_("日期须为 YYYY-MM-DD, 例如 2026-05-01"), field=info.field_name)
        return v

    @model_validator(mode="after")
    def _shape(self) -> "ExportQuery":
        if (self.kind is None) != (self.id is None):
            raise DomainError(_("导出一份报告须同时给出类型与编号"), field="id" if self.kind else "kind")
        if self.kind is not None and (self.since or self.until):
            raise DomainError(_("导出一份报告时不能再指定期间"), field="since")
        if self.since and self.until and self.since > self.until:
            raise DomainError(_("开始日期不能晚于结束日期"), field="until")
        return self


class GiveRating(Command):
    """One side rates the other after a finished cooperation: 1-5 stars and a comment."""

    subject: str = Field(description="order or task")
    subject_id: int = Field(description="the order or task id")
    score: int = Field(description="1 to 5")
    comment: str = Field(default="", description="at most 300 characters")

    @field_validator("subject")
    @classmethod
    def _s(cls, v: str) -> str:
        return _kind(v, "subject")

    @field_validator("score", mode="before")
    @classmethod
    def _score(cls, v: object) -> int:
        return check_score(v)

    @field_validator("comment")
    @classmethod
    def _comment(cls, v: str) -> str:
        return check_comment(v)


@dataclass(frozen=True, slots=True)
class ReportRow:
    kind: str
    id: int
    title: str
    merchant: str
    creator: str
    state: str
    finished_at: datetime
    cost_cents: int
    gmv_cents: int
    orders: int
    roi: Decimal | None
    on_time: bool
    rated: bool              # the actor has rated this cooperation (always True for support)

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.id}"


@dataclass(frozen=True, slots=True)
class DayGmv:
    day: date
    orders: int
    gmv_cents: int


@dataclass(frozen=True, slots=True)
class RatingView:
    side: str                # "merchant" or "creator": who rated
    rater: str
    ratee: str
    score: int
    comment: str
    rated_at: datetime


@dataclass(frozen=True, slots=True)
class ReportDetail:
    kind: str
    id: int
    title: str
    merchant: str
    creator: str
    state: str
    finished_at: datetime
    live_at: datetime | None          # the start of the attribution window
    window_ends_at: datetime | None
    deadline: datetime | None
    done_at: datetime | None          # delivered (order) or went live (task)
    on_time: bool
    quote_cents: int
    slot_fee_cents: int
    commission_cents: int             # service fee on the attributed consumer orders
    platform_cents: int
    creator_fee_cents: int
    agency_fee_cents: int
    cost_cents: int
    gmv_cents: int
    orders: int
    roi: Decimal | None
    roi_formula: str
    note: str
    products: list[str]
    per_day: list[DayGmv]
    ratings: list[RatingView]
    can_rate: bool


@dataclass(slots=True)
class _Coop:
    kind: str
    id: int
    merchant_id: int
    creator_id: int
    status: str
    state: str
    finished_at: datetime
    quote_cents: int
    slot_fee_cents: int
    live_at: datetime | None
    deadline: datetime | None
    done_at: datetime | None
    grace: timedelta
    product_ids: list[int] = field(default_factory=list)

    @property
    def title(self) -> str:
        return (_("订单 #{id}") if self.kind == "order" else _("任务 #{id}")).format(id=self.id)


# ---- reading cooperations -------------------------------------------------------------------

def _order_coops(uow: UnitOfWork, rows: list[CoopOrder]) -> list[_Coop]:
    products: dict[int, list[int]] = defaultdict(list)
    if rows:
        for oid, pid in uow.session.execute(select(OrderProduct.order_id, OrderProduct.product_id)
                                            .where(OrderProduct.order_id.in_([o.id for o in rows]))):
            products[oid].append(pid)
    out = []
    for o in rows:
        delivered = o.status == OrderStatus.DELIVERED.value
        out.append(_Coop("order", o.id, o.merchant_id, o.creator_id, o.status, OrderStatus(o.status).label,
                         o.closed_at or o.invited_at, o.quote_cents, o.settled_cents if delivered else 0,
                         _live_start(o) if delivered else None, o.latest_delivery_at or o.cap_at,
                         o.closed_at if delivered else None, timedelta(0), sorted(products[o.id])))
    return out


def _live_start(o: CoopOrder) -> datetime | None:
    """The scheduled live time; a live held earlier than scheduled counts from its end (the delivery)."""
    if o.live_at is None or o.closed_at is None:
        return o.live_at or o.closed_at
    return min(o.live_at, o.closed_at)


def _aware(value) -> datetime | None:
    """An aggregate's instant as aware UTC, whatever form the driver hands it back in."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _task_coops(uow: UnitOfWork, rows: list[LiveTask]) -> list[_Coop]:
    ids = [t.id for t in rows]
    products: dict[int, list[int]] = defaultdict(list)
    live: dict[int, datetime] = {}
    if ids:
        for tid, pid in uow.session.execute(select(TaskProduct.task_id, TaskProduct.product_id)
                                            .where(TaskProduct.task_id.in_(ids))):
            products[tid].append(pid)
        # When the creator went live is in the audit trail (the task keeps only its last action).
        live = dict(uow.session.execute(
            select(AuditEntry.entity_id, func.min(AuditEntry.at))
            .where(AuditEntry.entity == "task", AuditEntry.entity_id.in_(ids), AuditEntry.action == "task.go_live")
            .group_by(AuditEntry.entity_id)).all())
    grace = timedelta(minutes=uow.rules.reports.live_grace_minutes)
    out = []
    for t in rows:
        went_live = _aware(live.get(t.id))
        if went_live is None and t.status == TaskStatus.COMPLETED.value:
            went_live = t.air_at   # completed without a go-live record (imported data): the booked time
        out.append(_Coop("task", t.id, t.merchant_id, t.creator_id, t.status, TaskStatus(t.status).label,
                         t.closed_at or t.created_at, t.amount_cents, t.amount_cents, went_live or t.air_at,
                         t.air_at, went_live, grace, sorted(products[t.id])))
    return out


def _load(uow: UnitOfWork, actor: Actor, kind: str, ref_id: int, field: str = "id") -> _Coop:
    """A finished-or-not cooperation the actor may see; others' answer 'not found' like a missing id."""
    if kind == "order":
        o = uow.session.get(CoopOrder, ref_id)
        if o is not None and party_visible(actor, o.merchant_id, o.creator_id):
            return _order_coops(uow, [o])[0]
        raise NotFound(_("没有这个订单: #{id}").format(id=ref_id), field=field)
    t = uow.session.get(LiveTask, ref_id)
    if t is not None and party_visible(actor, t.merchant_id, t.creator_id):
        return _task_coops(uow, [t])[0]
    raise NotFound(_("没有这个任务: #{id}").format(id=ref_id), field=field)


def _finished(c: _Coop) -> bool:
    return c.status in (FINISHED_ORDER if c.kind == "order" else FINISHED_TASK)


def _scope(model, actor: Actor) -> list:
    if actor.role is Role.MERCHANT:
        return [model.merchant_id == actor.id]
    if actor.role is Role.CREATOR:
        return [model.creator_id == actor.id]
    if actor.role is Role.SUPPORT or actor.is_system:
        return []
    return [False]


def _finished_where(kind: str, actor: Actor, to_rate: bool) -> tuple[type, list]:
    """The model and the conditions for the actor's finished cooperations of one kind."""
    model = CoopOrder if kind == "order" else LiveTask
    finished = FINISHED_ORDER if kind == "order" else FINISHED_TASK
    where = [*_scope(model, actor),
             model.status == finished[0] if len(finished) == 1 else model.status.in_(finished)]
    if to_rate:
        where.append(~exists().where(Rating.subject == kind, Rating.subject_id == model.id,
                                     Rating.rater_id == actor.id))
    return model, where


def _window(uow: UnitOfWork, c: _Coop) -> tuple[datetime, datetime] | None:
    if c.live_at is None or not c.product_ids:
        return None
    return c.live_at, c.live_at + timedelta(days=uow.rules.reports.attribution_days)


def _attributed(uow: UnitOfWork, c: _Coop, columns: tuple):
    window = _window(uow, c)
    if window is None:
        return None
    return (select(*columns).where(Sale.creator_id == c.creator_id, Sale.paid_at >= window[0],
                                   Sale.paid_at < window[1], Sale.product_id.in_(c.product_ids)))


def _names(uow: UnitOfWork, coops: list[_Coop]) -> tuple[dict[int, str], dict[int, str]]:
    mids = {c.merchant_id for c in coops}
    cids = {c.creator_id for c in coops}
    merchants = dict(uow.session.execute(select(Merchant.user_id, Merchant.company)
                                         .where(Merchant.user_id.in_(mids))).all()) if mids else {}
    creators = dict(uow.session.execute(select(Creator.user_id, Creator.nickname)
                                        .where(Creator.user_id.in_(cids))).all()) if cids else {}
    return merchants, creators


def _rated_by(uow: UnitOfWork, actor: Actor, coops: list[_Coop]) -> set[tuple[str, int]]:
    if actor.role not in (Role.MERCHANT, Role.CREATOR) or not coops:
        return {(c.kind, c.id) for c in coops}
    out: set[tuple[str, int]] = set()
    for kind in KINDS:
        ids = [c.id for c in coops if c.kind == kind]
        if ids:
            out |= {(kind, i) for i in uow.session.scalars(select(Rating.subject_id).where(
                Rating.subject == kind, Rating.subject_id.in_(ids), Rating.rater_id == actor.id))}
    return out


def _row(uow: UnitOfWork, c: _Coop, merchants: dict[int, str], creators: dict[int, str], rated: bool) -> ReportRow:
    stmt = _attributed(uow, c, (func.count(), func.coalesce(func.sum(Sale.paid_cents), 0),
                                func.coalesce(func.sum(Sale.fee_cents), 0)))
    n, gmv, fee = uow.session.execute(stmt).one() if stmt is not None else (0, 0, 0)
    cost = c.slot_fee_cents + int(fee)
    return ReportRow(c.kind, c.id, c.title, merchants.get(c.merchant_id, ""), creators.get(c.creator_id, ""), c.state,
                     c.finished_at, cost, int(gmv), int(n), roi(int(gmv), cost),
                     on_time(c.done_at, c.deadline, c.grace), rated)


def _rows(uow: UnitOfWork, actor: Actor, coops: list[_Coop]) -> list[ReportRow]:
    merchants, creators = _names(uow, coops)
    rated = _rated_by(uow, actor, coops)
    return [_row(uow, c, merchants, creators, (c.kind, c.id) in rated) for c in coops]


def _sort_key(c: _Coop) -> tuple:
    return (c.finished_at, c.kind, c.id)


@read_only
def list_reports(uow: UnitOfWork, actor: Actor, cmd: ReportQuery | None = None) -> list[ReportRow]:
    """Finished cooperations the actor is a party to (support: all), most recently finished first.

    Paged by keyset on (finished time, kind, id): each of the two tables is read after the cursor
    up to the page size, newest first, and the two are merged.
    """
    cmd = cmd or ReportQuery()
    cursor = None
    if cmd.after:
        kind, _sep, ref = cmd.after.partition(":")
        c = _load(uow, actor, kind, int(ref), field="after")
        cursor = _sort_key(c)
    found: list[_Coop] = []
    for kind in KINDS:
        model, where = _finished_where(kind, actor, cmd.to_rate)
        stmt = select(model).where(*where)
        if cursor is not None:
            at, ckind, cid = cursor
            if kind < ckind:
                stmt = stmt.where(model.closed_at <= at)
            elif kind == ckind:
                stmt = stmt.where(or_(model.closed_at < at, (model.closed_at == at) & (model.id < cid)))
            else:
                stmt = stmt.where(model.closed_at < at)
        rows = list(uow.session.scalars(stmt.order_by(model.closed_at.desc(), model.id.desc()).limit(cmd.limit)))
        found += _order_coops(uow, rows) if kind == "order" else _task_coops(uow, rows)
    found.sort(key=_sort_key, reverse=True)
    return _rows(uow, actor, found[: cmd.limit])


@read_only
def ratings_todo(uow: UnitOfWork, actor: Actor) -> list[ReportRow]:
    """待评价: finished cooperations you have not rated yet (the first page)."""
    require_role(actor, Role.MERCHANT, Role.CREATOR)
    return list_reports(uow, actor, ReportQuery(to_rate=True, limit=50))


def todo_count(uow: UnitOfWork, actor: Actor) -> int:
    """The dashboard's 待评价 count: two counts inside the party's (id, status) indexes, each
    finished cooperation asked about the actor's rating through the ratings' unique key."""
    from workbench.services import dashboard, panels

    return panels.to_rate(dashboard.context(uow), actor)


def _ratings(uow: UnitOfWork, c: _Coop, merchants: dict[int, str], creators: dict[int, str]) -> list[RatingView]:
    rows = uow.session.scalars(select(Rating).where(Rating.subject == c.kind, Rating.subject_id == c.id)
                               .order_by(Rating.rated_at, Rating.id))
    out = []
    for r in rows:
        by_merchant = r.rater_id == c.merchant_id
        m, cr = merchants.get(c.merchant_id, ""), creators.get(c.creator_id, "")
        out.append(RatingView("merchant" if by_merchant else "creator", m if by_merchant else cr,
                              cr if by_merchant else m, r.score, r.comment, r.rated_at))
    return out


def _detail(uow: UnitOfWork, actor: Actor, c: _Coop) -> ReportDetail:
    merchants, creators = _names(uow, [c])
    window = _window(uow, c)
    stmt = _attributed(uow, c, (Sale.paid_at, Sale.paid_cents, Sale.fee_cents, Sale.platform_cents,
                                Sale.creator_fee_cents, Sale.agency_fee_cents))
    sales = list(uow.session.execute(stmt)) if stmt is not None else []
    gmv = sum(s[1] for s in sales)
    fee, platform, creator_fee, agency_fee = (sum(s[i] for s in sales) for i in (2, 3, 4, 5))
    cost = c.slot_fee_cents + fee
    ratio = roi(gmv, cost)
    per_day: list[DayGmv] = []
    if window is not None:
        tz = ZoneInfo(actor.zone)
        days: dict[date, list[int]] = defaultdict(list)
        for s in sales:
            days[s[0].astimezone(tz).date()].append(s[1])
        first, last = window[0].astimezone(tz).date(), (window[1] - timedelta(microseconds=1)).astimezone(tz).date()
        d = first
        while d <= last:
            per_day.append(DayGmv(d, len(days.get(d, [])), sum(days.get(d, []))))
            d += timedelta(days=1)
    if ratio is None:
        formula = _("ROI = GMV ÷ 成本: 成本为 0, 无法计算")
    else:
        formula = _("ROI = GMV ÷ 成本 = {gmv} ÷ {cost} = {roi}").format(
            gmv=format_money(gmv), cost=format_money(cost), roi=ratio)
    note = ""
    if c.kind == "order" and c.status == OrderStatus.OVERDUE.value:
        note = _("逾期未交付: 报价已全额退回商家, 没有直播, 不归因成交")
    elif window is None:
        note = _("这次合作没有商品, 不归因成交")
    products = list(uow.session.scalars(select(Product.name).where(Product.id.in_(c.product_ids))
                                        .order_by(Product.id))) if c.product_ids else []
    party = actor.role in (Role.MERCHANT, Role.CREATOR)
    mine = party and uow.session.scalar(select(Rating.id).where(
        Rating.subject == c.kind, Rating.subject_id == c.id, Rating.rater_id == actor.id)) is not None
    return ReportDetail(
        c.kind, c.id, c.title, merchants.get(c.merchant_id, ""), creators.get(c.creator_id, ""), c.state,
        c.finished_at, window[0] if window else None, window[1] if window else None, c.deadline, c.done_at,
        on_time(c.done_at, c.deadline, c.grace), c.quote_cents, c.slot_fee_cents, fee, platform, creator_fee,
        agency_fee, cost, gmv, len(sales), ratio, formula, note, products, per_day,
        _ratings(uow, c, merchants, creators), party and not mine)


def _finished_or_refuse(c: _Coop, field: str) -> None:
    if not _finished(c):
        raise Conflict(_("{what}尚未完成 (当前: {state}), 还没有复盘报告").format(what=c.title, state=c.state),
                       field=field)


@read_only
def report(uow: UnitOfWork, actor: Actor, cmd: ReportRef) -> ReportDetail:
    """One finished cooperation's report: cost, GMV and orders attributed, ROI, on time, ratings."""
    c = _load(uow, actor, cmd.kind, cmd.id)
    _finished_or_refuse(c, "id")
    return _detail(uow, actor, c)


@read_only
def export_reports(uow: UnitOfWork, actor: Actor, cmd: ExportQuery) -> list[ReportDetail]:
    """The reports to write to a workbook: one, or all finished in a period (all when none is given)."""
    if cmd.kind is not None and cmd.id is not None:
        return [report(uow, actor, ReportRef(kind=cmd.kind, id=cmd.id))]
    tz = ZoneInfo(actor.zone)
    since = datetime.combine(date.fromisoformat(cmd.since), time(), tz) if cmd.since else None
    until = datetime.combine(date.fromisoformat(cmd.until) + timedelta(days=1), time(), tz) if cmd.until else None
    found: list[_Coop] = []
    for kind in KINDS:
        model, where = _finished_where(kind, actor, False)
        stmt = select(model).where(*where)
        if since is not None:
            stmt = stmt.where(model.closed_at >= since)
        if until is not None:
            stmt = stmt.where(model.closed_at < until)
        rows = list(uow.session.scalars(stmt.order_by(model.closed_at.desc(), model.id.desc()).limit(EXPORT_MAX)))
        found += _order_coops(uow, rows) if kind == "order" else _task_coops(uow, rows)
    if not found:
        raise DomainError(_("这段期间没有已完成的合作"), field="since" if cmd.since or cmd.until else None)
    found.sort(key=_sort_key, reverse=True)
    return [_detail(uow, actor, c) for c in found[:EXPORT_MAX]]


# ---- ratings (评价) --------------------------------------------------------------------------

def give_rating(uow: UnitOfWork, actor: Actor, cmd: GiveRating) -> RatingView:
    """The merchant rates the creator, or the creator the merchant, once per finished cooperation."""
    require_role(actor, Role.MERCHANT, Role.CREATOR)
    c = _load(uow, actor, cmd.subject, cmd.subject_id, field="subject_id")
    if not _finished(c):
        raise Conflict(_("{what}尚未完成 (当前: {state}), 还不能评价").format(what=c.title, state=c.state),
                       field="subject_id")
    done = _("您已评价过{what}, 每次合作只能评价一次").format(what=c.title)
    if uow.session.scalar(select(Rating.id).where(Rating.subject == c.kind, Rating.subject_id == c.id,
                                                  Rating.rater_id == actor.id)) is not None:
        raise Conflict(done, field="subject_id")
    ratee = c.creator_id if actor.id == c.merchant_id else c.merchant_id
    rating = Rating(subject=c.kind, subject_id=c.id, rater_id=actor.id, ratee_id=ratee, score=cmd.score,
                    comment=cmd.comment, rated_at=uow.now)
    uow.session.add(rating)
    try:
        uow.session.flush()
    except IntegrityError:   # the same person rated it from another session a moment ago
        raise Conflict(done, field="subject_id") from None
    audit(uow, actor, "rating.give", "rating", rating.id, subject=c.kind, subject_id=c.id, ratee=ratee,
          score=cmd.score, comment=cmd.comment)
    screen = "order_detail" if c.kind == "order" else "task_detail"
    notify(uow, ratee, f"rating_received_{c.kind}", screen=screen, ref_id=c.id, who=actor.name, ref=c.id,
           score=cmd.score)
    if ratee == c.merchant_id:
        refresh_records(uow, [ratee])   # the merchant's rating moved
    uow.commit()
    merchants, creators = _names(uow, [c])
    by_merchant = actor.id == c.merchant_id
    m, cr = merchants.get(c.merchant_id, ""), creators.get(c.creator_id, "")
    return RatingView("merchant" if by_merchant else "creator", m if by_merchant else cr,
                      cr if by_merchant else m, cmd.score, cmd.comment, rating.rated_at)
