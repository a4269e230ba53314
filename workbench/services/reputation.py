"""Two-sided reputation (信誉): merchants' records and profiles, ratings received, sample problem reports,
and the record factor recommendations weigh products by.

Visibility: a merchant's profile is seen by creators, agencies (they choose which stores to invite to a
base; the profile holds no contact details), support staff and the merchant itself; a merchant asking
for another merchant's profile gets "not found", as for a missing id. A sample problem report is seen
by its creator, the merchant it is about and support staff.
"""

from __future__ import annotations


from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from pydantic import Field, field_validator, model_validator
from sqlalchemy import and_, bindparam, case, func, literal, or_, select
from sqlalchemy.sql import Select

from workbench.domain.errors import Conflict, DomainError, NotFound
from workbench.domain.reputation import (
    NEUTRAL, RECORD_FIELDS, Factor, MerchantCounts, Weights, average_rating, breakdown, check_reason, composite, short_breakdown,
    definition_factor, definition_payment, definition_rating, definition_response, definition_samples,
    definition_score, factors_of, merchant_factor, merchant_record, pct, rank, reason_label, status_label,
)
from workbench.domain.roles import Role
from workbench.i18n import _
from workbench.services.base import (
    SYSTEM, Actor, Command, audit, guarded_update, notify, party_visible, read_only, require_role,
)
from workbench.store.models import (
    CoopOrder, Creator, ExclusiveItem, LiveTask, Merchant, Product, Rating, SampleReport, SweepMark, User,
    UTCDateTime,
)
from workbench.store.models import MerchantRecord as RecordRow
from workbench.store.uow import UnitOfWork, expect_version


# ---- commands -------------------------------------------------------------------------------------

class ReportSample(Command):
    """A creator reports a problem with the sample of one of her orders (样品问题)."""

    order_id: int
    reason: str = Field(description="fake/damaged/wrong/missing/other (假货/破损/错发/未收到/其他)")
    detail: str = Field(max_length=300, description="what is wrong with the sample")

    @field_validator("reason")
    @classmethod
    def _reason(cls, v: str) -> str:
        return check_reason(v)

    @field_validator("detail")
    @classmethod
    def _detail(cls, v: str) -> str:
        if not v:
            raise DomainError(_("请写明样品的问题"), field="detail")
        return v


class RuleSample(Command):
    """Support staff uphold (counts against the merchant's record) or dismiss a sample report."""

    report_id: int
    upheld: bool
    ruling: str = Field(max_length=300)
    version: int | None = None  # the version the person saw (SampleReportRow.version); refused if it changed

    @field_validator("ruling")
    @classmethod
    def _ruling(cls, v: str) -> str:
        if not v:
            raise DomainError(_("请写明处理意见"), field="ruling")
        return v


class SampleQuery(Command):
    status: str = Field(default="open", pattern="^(open|upheld|dismissed|all)$")
    limit: int = Field(default=200, ge=1, le=1000)


class MerchantRef(Command):
    """A merchant named directly, or through an order, a product or an exclusive-pool item."""

    merchant_id: int | None = None
    order_id: int | None = None
    product_id: int | None = None
    item_id: int | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> "MerchantRef":
        given = [k for k in ("merchant_id", "order_id", "product_id", "item_id") if getattr(self, k) is not None]
        if len(given) != 1:
            raise DomainError(_("请只指定商家、订单、商品或专属商品中的一个"), field="merchant_id")
        return self


# ---- views ----------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class RepFigure:
    """One figure of a record with what it was computed from and its definition."""

    key: str
    label: str
    value: str
    basis: str
    definition: str


@dataclass(frozen=True, slots=True)
class RatingView:
    at: datetime
    rater: str
    score: int
    comment: str


@dataclass(frozen=True, slots=True)
class SampleReportRow:
    id: int
    order_id: int
    merchant_id: int
    merchant: str
    creator: str
    reason: str
    reason_label: str
    detail: str
    filed_at: datetime
    status: str
    status_label: str
    ruling: str
    ruled_at: datetime | None
    version: int = 0        # hand it back in RuleSample


@dataclass(frozen=True, slots=True)
class MerchantProfile:
    merchant_id: int
    company: str
    verified: bool
    since: datetime
    stores: list[tuple[str, str, str]]      # name, platform, standing
    products: int
    figures: list[RepFigure]
    factor: str                              # the record factor used in recommendations, 0.00-1.00
    factor_parts: list[tuple[str, str, str]]  # part, value, weight
    factor_definition: str
    score_definition: str
    ratings: list[RatingView]
    reports: list[SampleReportRow]


@dataclass(frozen=True, slots=True)
class Ranked:
    """A product row ranked with its merchant's record: the score and how it was made."""

    score: Decimal
    factor: Factor
    breakdown: str      # 80 × (1 - 30% × (1 - 0.57)) = 69.7
    short: str          # 69.7 = 80 × 0.87
    row: tuple


# ---- the record ------------------------------------------------------------------------------------

def weights(uow: UnitOfWork) -> Weights:
    r = uow.rules.reputation
    return Weights(r.weight_response, r.weight_samples, r.weight_payment, r.weight_rating, r.stake, r.min_cases)


def _hours_between(uow: UnitOfWork, later, earlier):
    """Hours from `earlier` to `later` in SQL (SQLite keeps times as text, PostgreSQL as timestamps)."""
    if uow.session.get_bind().dialect.name == "sqlite":
        return (func.julianday(later) - func.julianday(earlier)) * 24
    return func.extract("epoch", later - earlier) / 3600


def _sum(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def merchant_counts(uow: UnitOfWork, merchant_ids: Iterable[int]) -> dict[int, MerchantCounts]:
    """The counts behind the records of several merchants, in one statement (never a query per merchant):
    orders, live tasks, upheld sample problems and ratings, each grouped by merchant and joined."""
    ids = sorted(set(merchant_ids))
    if not ids:
        return {}
    rules = uow.rules.reputation
    h = rules.response_hours
    now = literal(uow.now, UTCDateTime())
    o = CoopOrder
    answered = or_(o.paid_at.is_not(None), o.status == "declined")
    answer_at = func.coalesce(o.paid_at, o.closed_at)
    orders = (select(o.merchant_id.label("mid"),
                     _sum(or_(answered, o.invited_at < uow.now - timedelta(hours=h))).label("due"),
                     _sum(and_(answered, _hours_between(uow, answer_at, o.invited_at) <= h)).label("in_time"),
                     _sum(o.shipped_at.is_not(None)).label("shipped"))
              .where(o.merchant_id.in_(ids)).group_by(o.merchant_id).subquery())
    t = LiveTask
    window = t.hours + rules.payment_hours
    checked = t.status == "completed"
    waiting = and_(t.status == "in_progress", t.sub_status == "awaiting_check",
                   _hours_between(uow, now, t.air_at) > window)
    tasks = (select(t.merchant_id.label("mid"), _sum(or_(checked, waiting)).label("due"),
                    _sum(and_(checked, _hours_between(uow, t.closed_at, t.air_at) <= window)).label("in_time"))
             .where(t.merchant_id.in_(ids), t.status.in_(["completed", "in_progress"]))
             .group_by(t.merchant_id).subquery())
    reports = (select(SampleReport.merchant_id.label("mid"), func.count().label("n"))
               .where(SampleReport.merchant_id.in_(ids), SampleReport.status == "upheld")
               .group_by(SampleReport.merchant_id).subquery())
    ratings = (select(Rating.ratee_id.label("mid"), func.count().label("n"), func.sum(Rating.score).label("total"))
               .where(Rating.ratee_id.in_(ids)).group_by(Rating.ratee_id).subquery())
    z = lambda col: func.coalesce(col, 0)  # noqa: E731
    stmt = (select(Merchant.user_id, z(orders.c.due), z(orders.c.in_time), z(tasks.c.due), z(tasks.c.in_time),
                   z(orders.c.shipped), z(reports.c.n), z(ratings.c.n), z(ratings.c.total))
            .outerjoin(orders, orders.c.mid == Merchant.user_id)
            .outerjoin(tasks, tasks.c.mid == Merchant.user_id)
            .outerjoin(reports, reports.c.mid == Merchant.user_id)
            .outerjoin(ratings, ratings.c.mid == Merchant.user_id)
            .where(Merchant.user_id.in_(ids)))
    return {mid: MerchantCounts(*(int(v) for v in rest)) for mid, *rest in uow.session.execute(stmt)}


# ---- the precomputed records (merchant_records) ----------------------------------------------------
#
# Ranking reads one stored row per merchant instead of aggregating every order and live task of the
# merchants on the page (at a million orders that aggregation was most of a dashboard refresh). Every
# use case that moves a count rewrites its merchant's row in its own transaction (`refresh_records`);
# the counts that move with time alone — an invitation left unanswered past the response window, a
# check left past the payment window — are as of the row's `computed_at` and are brought up to date by
# the periodic refresh (the scheduler and `workbench tick`, every reputation.refresh_minutes).

RECORD_CHUNK = 200           # merchants per grouped count and per upsert
RECORDS_MARK = "merchant_records"   # SweepMark: when every record was last recomputed


def _upsert(uow: UnitOfWork, counts: dict[int, MerchantCounts], computed_at: datetime,
            only_if_older: bool = False) -> int:
    """Write the rows in one INSERT … ON CONFLICT DO UPDATE (SQLite and PostgreSQL alike). With
    `only_if_older`, a row written since `computed_at` (an event refreshed it) is left as it is; one
    dated after now was written before the store's clock was set back (a migration run at wall time
    under a demo clock) and is rewritten."""
    if not counts:
        return 0
    if uow.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = insert(RecordRow).values([
        {"merchant_id": mid, "computed_at": computed_at, **{f: getattr(c, f) for f in RECORD_FIELDS}}
        for mid, c in sorted(counts.items())])
    stmt = stmt.on_conflict_do_update(
        index_elements=[RecordRow.merchant_id],
        set_={f: stmt.excluded[f] for f in (*RECORD_FIELDS, "computed_at")},
        where=or_(RecordRow.computed_at < computed_at, RecordRow.computed_at > uow.now) if only_if_older else None)
    written = uow.session.execute(stmt.returning(RecordRow.merchant_id).execution_options(synchronize_session=False))
    return len(written.all())


def _chunked(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), RECORD_CHUNK):
        yield ids[start:start + RECORD_CHUNK]


def refresh_records(uow: UnitOfWork, merchant_ids: Iterable[int] | None = None) -> int:
    """Recompute the records of these merchants (every merchant when None, a chunk at a time) and store
    them, in the caller's transaction: called by each use case that moves a merchant's counts, so the
    record changes with the event or not at all. Returns how many records were written."""
    if merchant_ids is None:
        ids = list(uow.session.scalars(select(Merchant.user_id).order_by(Merchant.user_id)))
    else:
        ids = sorted(set(merchant_ids))
    return sum(_upsert(uow, merchant_counts(uow, chunk), uow.now) for chunk in _chunked(ids))


def stored_counts(uow: UnitOfWork, merchant_ids: Iterable[int]) -> dict[int, MerchantCounts]:
    """The precomputed counts of these merchants, one indexed query (primary key); a merchant without
    a row is missing from the answer."""
    ids = sorted(set(merchant_ids))
    if not ids:
        return {}
    # a plain Core statement built once: it runs for every batch of every ranking
    return {mid: MerchantCounts(*rest) for mid, *rest in uow.session.connection().execute(_STORED, {"ids": ids})}


_STORED = (select(RecordRow.__table__.c.merchant_id, *(RecordRow.__table__.c[f] for f in RECORD_FIELDS))
           .where(RecordRow.__table__.c.merchant_id.in_(bindparam("ids", expanding=True))))


@read_only
def records_due(uow: UnitOfWork) -> bool:
    """Whether the periodic refresh of every record is due (reputation.refresh_minutes of store time)."""
    mark = uow.session.get(SweepMark, RECORDS_MARK)
    every = timedelta(minutes=uow.rules.reputation.refresh_minutes)
    return mark is None or mark.swept_to + every <= uow.now


@read_only
def count_records(uow: UnitOfWork, after: int, limit: int = RECORD_CHUNK
                  ) -> tuple[datetime, dict[int, MerchantCounts], int | None]:
    """The periodic refresh's reading half, without a write lock: the counts of the next `limit`
    merchants after id `after`, the instant they were counted at, and the last id (None: no more)."""
    ids = list(uow.session.scalars(select(Merchant.user_id).where(Merchant.user_id > after)
                                   .order_by(Merchant.user_id).limit(limit)))
    return uow.now, merchant_counts(uow, ids), (ids[-1] if ids else None)


def store_records(uow: UnitOfWork, actor: Actor, counted_at: datetime, counts: dict[int, MerchantCounts]) -> int:
    """The periodic refresh's writing half: a short transaction. A record an event rewrote after the
    counts were read is newer than them and kept."""
    n = _upsert(uow, counts, counted_at, only_if_older=True)
    uow.commit()
    return n


def _set_mark(uow: UnitOfWork, at: datetime) -> None:
    mark = uow.session.get(SweepMark, RECORDS_MARK)
    if mark is None:
        uow.session.add(SweepMark(name=RECORDS_MARK, swept_to=at))
    else:
        mark.swept_to = at


def mark_records(uow: UnitOfWork, actor: Actor, at: datetime) -> None:
    """Every record was recomputed from `at` on: the next periodic refresh is refresh_minutes later."""
    _set_mark(uow, at)
    uow.commit()


def refresh_every_record(uow: UnitOfWork, actor: Actor) -> int:
    """Every merchant's record recomputed in one transaction, for a store being built (the demo, the
    generator) where no one else writes; the periodic refresh is then due refresh_minutes later."""
    n = refresh_records(uow)
    _set_mark(uow, uow.now)
    uow.commit()
    return n


def refresh_all_records(run, force: bool = False, keep_going=lambda: True) -> int:
    """The periodic refresh, a chunk at a time: each chunk counted in a read-only transaction, then
    stored in a short write transaction, so writers wait milliseconds rather than the whole refresh
    (some five seconds in all at a million orders). `run` is `Workbench.run`. Returns the records written;
    0 when not due (unless `force`). Stopped half-way (`keep_going` turned false), the refresh stays
    due and starts over next time."""
    if not force and not run(records_due):
        return 0
    after, started, written = 0, None, 0
    while True:
        counted_at, counts, last = run(count_records, after)
        started = started or counted_at
        if last is None:
            break
        written += run(store_records, SYSTEM, counted_at, counts)
        after = last
        if not keep_going():
            return written
    run(mark_records, SYSTEM, started)
    return written


def merchant_factors(uow: UnitOfWork, merchant_ids: Iterable[int]) -> dict[int, Factor]:
    """The record factors of these merchants from their precomputed records (one query); a merchant
    without a record is a new merchant (neutral factor)."""
    ids = set(merchant_ids)
    return factors_of(stored_counts(uow, ids), ids, weights(uow))


def rank_products(uow: UnitOfWork, stmt: Select, want: int) -> list[Ranked]:
    """The best `want` rows of `stmt` (its first column a Product) by 推荐分, the recommendation index
    weighed by the merchant's record (`domain.reputation.rank`). Read in index order
    (ix_products_rank / ix_products_category_rank) a batch at a time; each batch is one query for
    the products (the three columns the score needs, not whole rows) and one for their merchants'
    stored records; then one query reads the whole rows of the `want` taken."""
    w = weights(uow)
    keys = (stmt.with_only_columns(Product.id, Product.merchant_id, Product.recommend_index)
            .order_by(Product.recommend_index.desc(), Product.id))
    taken = rank(lambda offset, limit: [tuple(r) for r in uow.session.execute(keys.offset(offset).limit(limit))],
                 lambda ids: merchant_factors(uow, ids), want, w.stake)
    if not taken:
        return []
    whole = {r[0].id: r for r in uow.session.execute(
        stmt.where(Product.id.in_([pid for _s, pid, *_rest in taken])).limit(len(taken)))}
    return [Ranked(score, f, breakdown(ix, f.value, w.stake), short_breakdown(ix, f.value, w.stake), tuple(whole[pid]))
            for score, pid, _mid, ix, f in taken]


def _part_label(key: str) -> str:
    return {"response": _("响应率"), "samples": _("无样品问题"), "payment": _("按时付款率"),
            "rating": _("评分")}[key]


def merchant_figures(uow: UnitOfWork, c: MerchantCounts) -> list[RepFigure]:
    r = uow.rules.reputation
    rec = merchant_record(c)
    return [
        RepFigure("response", _("响应率"), pct(rec.response), f"{c.answered_in_time} / {c.invitations_due}",
                  definition_response(r.response_hours)),
        RepFigure("samples", _("样品问题率"), pct(rec.sample_problems), f"{c.sample_problems} / {c.samples_shipped}",
                  definition_samples()),
        RepFigure("payment", _("按时付款率"), pct(rec.on_time_payment), f"{c.paid_in_time} / {c.checks_due}",
                  definition_payment(r.payment_hours)),
        RepFigure("rating", _("平均评分"), "—" if rec.rating is None else f"{rec.rating}",
                  _("{n} 条评价").format(n=c.ratings), definition_rating()),
    ]


def rating_figure(uow: UnitOfWork, user_id: int) -> RepFigure:
    n, total = uow.session.execute(select(func.count(), func.coalesce(func.sum(Rating.score), 0))
                                   .where(Rating.ratee_id == user_id)).one()
    avg = average_rating(int(total), int(n))
    return RepFigure("rating", _("平均评分"), "—" if avg is None else f"{avg}", _("{n} 条评价").format(n=n),
                     definition_rating())


def _recent_ratings(uow: UnitOfWork, user_id: int, limit: int = 5) -> list[RatingView]:
    rows = uow.session.execute(select(Rating, User.name).join(User, User.id == Rating.rater_id)
                               .where(Rating.ratee_id == user_id)
                               .order_by(Rating.rated_at.desc(), Rating.id.desc()).limit(limit))
    return [RatingView(r.rated_at, name, r.score, r.comment) for r, name in rows]


# ---- profiles ------------------------------------------------------------------------------------

def _merchant_visible(actor: Actor, merchant_id: int) -> bool:
    return actor.role is not Role.MERCHANT or actor.id == merchant_id


def _resolve(uow: UnitOfWork, actor: Actor, ref: MerchantRef) -> int:
    """The merchant behind an order, product or exclusive item, as far as the actor may see that record."""
    if ref.merchant_id is not None:
        return ref.merchant_id
    if ref.order_id is not None:
        order = uow.session.get(CoopOrder, ref.order_id)
        if order is None or not party_visible(actor, order.merchant_id, order.creator_id):
            raise NotFound(_("没有这个订单: #{id}").format(id=ref.order_id), field="order_id")
        return order.merchant_id
    if ref.product_id is not None:
        mid = uow.session.scalar(select(Product.merchant_id).where(Product.id == ref.product_id))
        if mid is None:
            raise NotFound(_("没有这个商品: #{id}").format(id=ref.product_id), field="product_id")
        return mid
    item = uow.session.get(ExclusiveItem, ref.item_id)
    if item is None or not (actor.role is Role.SUPPORT or actor.id in (item.creator_id, item.merchant_id)):
        raise NotFound(_("没有这个专属商品: #{id}").format(id=ref.item_id), field="item_id")
    return item.merchant_id


@read_only
def merchant_profile(uow: UnitOfWork, actor: Actor, merchant_id: int) -> MerchantProfile:
    """A merchant's profile page (商家主页): stores and the record with each figure's definition."""
    row = uow.session.execute(select(Merchant, User).join(User, User.id == Merchant.user_id)
                              .where(Merchant.user_id == merchant_id)).first()
    if row is None or not _merchant_visible(actor, merchant_id):
        raise NotFound(_("没有这个商家: #{id}").format(id=merchant_id), field="merchant_id")
    m, user = row
    counts = merchant_counts(uow, [merchant_id]).get(merchant_id, MerchantCounts())
    w = weights(uow)
    factor = merchant_factor(merchant_record(counts), w)
    standing = {"normal": _("正常"), "restricted": _("受限")}
    stores = [(s.name, s.platform, standing.get(s.standing, s.standing)) for s in m.stores]
    products = uow.session.scalar(select(func.count()).select_from(Product).where(
        Product.merchant_id == merchant_id)) or 0
    own_or_staff = actor.role is Role.SUPPORT or actor.id == merchant_id
    reports = _report_rows(uow, _report_scope(actor).where(
        SampleReport.merchant_id == merchant_id,
        *(() if own_or_staff else (SampleReport.status == "upheld",))), 5)
    return MerchantProfile(
        merchant_id, m.company, user.verified, user.created_at, stores, products,
        merchant_figures(uow, counts), f"{factor.value:.2f}",
        [(_part_label(k), f"{v:.2f}", f"{wt:g}") for k, v, wt in factor.parts],
        definition_factor(w), definition_score(w), _recent_ratings(uow, merchant_id), reports)


@read_only
def merchant_profile_of(uow: UnitOfWork, actor: Actor, ref: MerchantRef) -> MerchantProfile:
    """The profile of the merchant behind an order, a product or an exclusive-pool item."""
    return merchant_profile(uow, actor, _resolve(uow, actor, ref))


@dataclass(frozen=True, slots=True)
class CreatorReputation:
    figures: list[RepFigure]
    ratings: list[RatingView]


@read_only
def creator_reputation(uow: UnitOfWork, actor: Actor, creator_id: int) -> CreatorReputation:
    """What a creator's profile lacks: the ratings merchants gave her, with the definition."""
    if uow.session.get(Creator, creator_id) is None or (actor.role is Role.CREATOR and actor.id != creator_id):
        raise NotFound(_("没有这个主播: #{id}").format(id=creator_id), field="creator_id")
    return CreatorReputation([rating_figure(uow, creator_id)], _recent_ratings(uow, creator_id))


@read_only
def my_reputation(uow: UnitOfWork, actor: Actor) -> list[RepFigure]:
    """The figures of one's own record that 我的直播通数据 does not show (merchants: all four; creators: ratings)."""
    require_role(actor, Role.MERCHANT, Role.CREATOR)
    if actor.role is Role.CREATOR:
        return [rating_figure(uow, actor.id)]
    return merchant_figures(uow, merchant_counts(uow, [actor.id]).get(actor.id, MerchantCounts()))


# ---- sample problem reports (样品问题) -------------------------------------------------------------

SHIPPED = ("sample_shipped", "scheduled", "confirmed", "delivered", "closed", "overdue")


def can_report(status: str) -> bool:
    """A sample problem can be reported once the sample was shipped."""
    return status in SHIPPED


def report_sample(uow: UnitOfWork, actor: Actor, cmd: ReportSample) -> int:
    """The creator reports a problem with her order's sample; the merchant is told, support rules."""
    require_role(actor, Role.CREATOR)
    order = uow.session.get(CoopOrder, cmd.order_id)
    if order is None or order.creator_id != actor.id:
        raise NotFound(_("没有这个订单: #{id}").format(id=cmd.order_id), field="order_id")
    if order.shipped_at is None or not can_report(order.status):
        raise Conflict(_("样品寄出后才能报告样品问题"), field="order_id")
    if uow.session.scalar(select(SampleReport.id).where(SampleReport.order_id == order.id)) is not None:
        raise Conflict(_("这个订单已报告过样品问题"), field="order_id")
    row = SampleReport(order_id=order.id, creator_id=actor.id, merchant_id=order.merchant_id, reason=cmd.reason,
                       detail=cmd.detail, filed_at=uow.now)
    uow.session.add(row)
    uow.session.flush()
    audit(uow, actor, "sample.report", "sample_report", row.id, order=order.id, reason=cmd.reason, detail=cmd.detail)
    notify(uow, order.merchant_id, "sample_reported", screen="sample_reports", ref_id=row.id, order=order.id,
           creator=actor.name, reason=cmd.reason, detail=cmd.detail)
    uow.commit()
    return row.id


def rule_sample(uow: UnitOfWork, actor: Actor, cmd: RuleSample) -> int:
    """Support staff uphold (the merchant's record counts it) or dismiss; both sides are told."""
    require_role(actor, Role.SUPPORT)
    row = uow.session.get(SampleReport, cmd.report_id)
    if row is None:
        raise NotFound(_("没有这个样品问题报告: #{id}").format(id=cmd.report_id), field="report_id")
    expect_version(row, cmd.version)

    def still_open() -> None:
        if row.status != "open":
            raise Conflict(_("样品问题报告已处理"), field="report_id")

    status = "upheld" if cmd.upheld else "dismissed"
    guarded_update(uow, row, still_open, _("样品问题报告刚被其他人处理, 请刷新后重试"),
                   status=status, ruled_at=uow.now, ruled_by=actor.id, ruling=cmd.ruling)
    audit(uow, actor, "sample.rule", "sample_report", row.id, order=row.order_id, upheld=cmd.upheld,
          ruling=cmd.ruling)
    for uid in (row.merchant_id, row.creator_id):
        notify(uow, uid, f"sample_{status}", screen="sample_reports", ref_id=row.id, order=row.order_id,
               ruling=cmd.ruling)
    if cmd.upheld:
        refresh_records(uow, [row.merchant_id])   # an upheld report counts against the record
    uow.commit()
    return row.id


def _report_scope(actor: Actor):
    stmt = (select(SampleReport, Merchant.company, Creator.nickname)
            .join(Merchant, Merchant.user_id == SampleReport.merchant_id)
            .join(Creator, Creator.user_id == SampleReport.creator_id))
    if actor.role is Role.MERCHANT:
        return stmt.where(SampleReport.merchant_id == actor.id)
    if actor.role is Role.CREATOR:
        return stmt.where(SampleReport.creator_id == actor.id)
    if actor.role is Role.SUPPORT or actor.is_system:
        return stmt
    return stmt.where(False)


def _report_rows(uow: UnitOfWork, stmt, limit: int, oldest_first: bool = False) -> list[SampleReportRow]:
    order = (SampleReport.filed_at, SampleReport.id) if oldest_first else (SampleReport.filed_at.desc(),
                                                                          SampleReport.id.desc())
    return [SampleReportRow(r.id, r.order_id, r.merchant_id, m, c, r.reason, reason_label(r.reason), r.detail,
                            r.filed_at, r.status, status_label(r.status), r.ruling, r.ruled_at, r.version)
            for r, m, c in uow.session.execute(stmt.order_by(*order).limit(limit))]


@read_only
def sample_reports(uow: UnitOfWork, actor: Actor, cmd: SampleQuery | None = None) -> list[SampleReportRow]:
    """Sample problem reports: support's queue (open ones, oldest first); creators and merchants see theirs."""
    cmd = cmd or SampleQuery()
    stmt = _report_scope(actor)
    if cmd.status != "all":
        stmt = stmt.where(SampleReport.status == cmd.status)
    return _report_rows(uow, stmt, cmd.limit, oldest_first=cmd.status == "open")


@read_only
def sample_report_for_order(uow: UnitOfWork, actor: Actor, order_id: int) -> SampleReportRow | None:
    rows = _report_rows(uow, _report_scope(actor).where(SampleReport.order_id == order_id), 1)
    return rows[0] if rows else None


def open_reports(uow: UnitOfWork) -> int:
    """How many reports wait for support (the dashboard's to-do)."""
    return uow.session.scalar(select(func.count()).select_from(SampleReport).where(
        SampleReport.status == "open")) or 0
