"""Reminders before deadlines (提醒) and the lease that lets one process fire them.

The deadlines live on the domain rows; a sent reminder is a row whose unique key names the deadline
and the lead time, written in the same transaction as the notification it delivers, so a reminder
is sent once whatever crashes, restarts or races happen around it.

What a sweep reads grows with what fell due, not with what exists: a mark in the store says up to
which instant the previous sweep looked, and each lead time is an indexed range query from there
(with a small overlap for commits racing the mark, deduplicated by the unique key). A deadline that
is set already inside a lead window (a live scheduled in an hour) gets its reminder in the very
transaction that sets it (`deadline_set`), since no later sweep would look that far back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, bindparam, func, literal, or_, select, union_all, update
from sqlalchemy.exc import IntegrityError

from workbench.config import Rules
from workbench.domain.formatting import local_time
from workbench.services.base import Actor, notify, read_only
from workbench.store.models import (
    DELIVERY_STATES, WINDOW_STATES, CoopOrder, Lease, LiveTask, Reminder, StockPlan, SweepMark, User,
)
from workbench.store.uow import UnitOfWork

MARK = "reminders"
# Re-read this much before the mark. Writers are serialized (SQLite takes the write lock up front;
# PostgreSQL claims rows), and a deadline set inside its lead window is reminded by the transaction
# that sets it, so this only absorbs clock differences between hosts; the unique key drops repeats.
OVERLAP = timedelta(seconds=5)


@dataclass(frozen=True, slots=True)
class Deadline:
    kind: str           # schedule_window | latest_delivery | acceptance_timeout | air_time | stock_plan_review
    ref_type: str       # order | task | plan
    ref_id: int
    user_id: int
    at: datetime


@dataclass(frozen=True, slots=True)
class Kind:
    """One kind of deadline: where it lives, which rows still wait for it, and who is reminded.

    `column + shift(rules)` is the deadline; ranges are asked of `column` so an index serves them.
    """

    name: str
    ref_type: str
    model: Any
    column: Any
    waiting: Callable[[], list[ColumnElement[bool]]]
    party: Any                  # the reminded user's column; None: every support staff member
    shift: Callable[[Rules], timedelta] = lambda _r: timedelta(0)
    screen: str = ""


def in_states(column: Any, states: tuple[str, ...]) -> ColumnElement[bool]:
    """`column` is one of `states`, written as the condition of the partial index over orders in those
    states (models.waiting_in): `status = 'a' OR status = 'b'`, the states as literals in the SQL.
    SQLite uses a partial index only for a query whose WHERE contains the index's own condition; an
    IN list or bound parameters would leave the query to a whole state's entries, sorted."""
    return or_(*(column == literal(state, literal_execute=True) for state in states))


KINDS: tuple[Kind, ...] = (
    Kind("schedule_window", "order", CoopOrder, CoopOrder.window_ends_at,
         lambda: [in_states(CoopOrder.status, WINDOW_STATES)], CoopOrder.creator_id, screen="order_detail"),
    Kind("latest_delivery", "order", CoopOrder, CoopOrder.latest_delivery_at,
         lambda: [in_states(CoopOrder.status, DELIVERY_STATES)], CoopOrder.creator_id, screen="order_detail"),
    Kind("acceptance_timeout", "task", LiveTask, LiveTask.created_at,
         lambda: [LiveTask.status == "pending"], LiveTask.creator_id,
         shift=lambda r: timedelta(hours=r.flow_b.acceptance_timeout_hours), screen="task_detail"),
    Kind("air_time", "task", LiveTask, LiveTask.air_at,
         lambda: [LiveTask.status == "in_progress", LiveTask.sub_status == "waiting_air"], LiveTask.creator_id,
         screen="task_detail"),
    Kind("stock_plan_review", "plan", StockPlan, StockPlan.live_at,
         lambda: [StockPlan.status == "submitted"], None, screen="stock_reviews"),
)
BY_NAME = {k.name: k for k in KINDS}


def leads(rules: Rules) -> dict[str, list[int]]:
    r = rules.reminders
    return {"schedule_window": r.schedule_window, "latest_delivery": r.latest_delivery,
            "acceptance_timeout": r.acceptance_timeout, "air_time": r.air_time,
            "stock_plan_review": r.stock_plan_review}


def _staff(uow: UnitOfWork) -> list[int]:
    return list(uow.session.scalars(select(User.id).where(User.role == "support").order_by(User.id)))


def deadlines_between(uow: UnitOfWork, kind: Kind, after: datetime | None, until: datetime,
                      extra: Iterable[ColumnElement[bool]] = ()) -> list[Deadline]:
    """Deadlines of `kind` in (after, until] on rows still waiting for them: one indexed range."""
    shift = kind.shift(uow.rules)
    party = kind.party if kind.party is not None else kind.model.id   # placeholder column, replaced below
    stmt = select(kind.model.id, party, kind.column).where(*kind.waiting(), kind.column <= until - shift, *extra)
    if after is not None:
        stmt = stmt.where(kind.column > after - shift)
    rows = list(uow.session.execute(stmt))
    if kind.party is not None:
        return [Deadline(kind.name, kind.ref_type, rid, uid, col + shift) for rid, uid, col in rows]
    staff = _staff(uow) if rows else []
    return [Deadline(kind.name, kind.ref_type, rid, uid, col + shift) for rid, _x, col in rows for uid in staff]


def open_deadlines(uow: UnitOfWork, until: datetime, after: datetime | None = None) -> list[Deadline]:
    """Every deadline in (after, until] still waited for, all kinds."""
    out: list[Deadline] = []
    for kind in KINDS:
        out += deadlines_between(uow, kind, after, until)
    return out


def _aware(at: datetime) -> datetime:
    """Instants read through a bare SELECT column come back without the UTC zone on SQLite."""
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def _key(d: Deadline, lead: int) -> str:
    return f"{d.kind}:{d.ref_type}:{d.ref_id}:{d.user_id}:{lead}h:{int(d.at.timestamp())}"


def _send(uow: UnitOfWork, d: Deadline, lead: int, lead_times: list[int]) -> int | None:
    """Write the reminder row and its notification; None when it was already sent."""
    fire_at = d.at - timedelta(hours=lead)
    lateness = max(int((uow.now - fire_at).total_seconds()), 0)
    try:
        with uow.session.begin_nested():
            uow.session.add(Reminder(key=_key(d, lead), user_id=d.user_id, kind=d.kind, ref_type=d.ref_type,
                                     ref_id=d.ref_id, deadline_at=d.at, fire_at=fire_at, sent_at=uow.now,
                                     late_seconds=lateness))
            uow.session.flush()
    except IntegrityError:   # another process sent it a moment ago
        return None
    zone = uow.session.scalar(select(User.zone).where(User.id == d.user_id)) or "Asia/Shanghai"
    notify(uow, d.user_id, f"reminder_{d.kind}", screen=BY_NAME[d.kind].screen, ref_id=d.ref_id,
           urgent=lead == min(lead_times),   # the last reminder before the deadline passes quiet hours
           ref=d.ref_id, deadline=local_time(d.at, zone), hours=lead,
           late=lateness // 60 if lateness >= 60 else 0)
    return lateness


def _mark(uow: UnitOfWork) -> SweepMark | None:
    return uow.session.get(SweepMark, MARK)


# The two statements the scheduler runs on every wake-up are built once (per set of lead times)
# with bound instants: building and hashing a statement of a dozen sub-selects costs more than
# running it.

@cache
def _due_statement(plan: tuple[tuple[str, int], ...]) -> Any:
    parts = []
    for i, (name, h) in enumerate(plan):
        kind = BY_NAME[name]
        party = kind.party if kind.party is not None else kind.model.id
        parts.append(select(literal(name).label("kind"), literal(h).label("lead"),
                            kind.model.id.label("ref_id"), party.label("user_id"), kind.column.label("at"))
                     .where(*kind.waiting(), kind.column > bindparam(f"lo{i}", type_=kind.column.type),
                            kind.column <= bindparam(f"hi{i}", type_=kind.column.type)))
    return union_all(*parts)


@cache
def _next_statement(plan: tuple[tuple[str, int], ...]) -> Any:
    columns = []
    for i, (name, _h) in enumerate(plan):
        kind = BY_NAME[name]
        columns.append(select(func.min(kind.column)).where(
            *kind.waiting(), kind.column > bindparam(f"t{i}", type_=kind.column.type)).scalar_subquery())
    return select(*columns)


def due_reminders(uow: UnitOfWork) -> list[tuple[Deadline, int]]:
    """What is due now and not yet sent: (deadline, nearest lead time that has come), oldest first.

    One statement: a UNION ALL of one indexed range per kind and lead time."""
    all_leads = leads(uow.rules)
    mark = _mark(uow)
    since = mark.swept_to if mark is not None and mark.swept_to <= uow.now else None
    plan = tuple((kind.name, h) for kind in KINDS for h in all_leads[kind.name])
    params = {}
    for i, (name, h) in enumerate(plan):
        shift, lead = BY_NAME[name].shift(uow.rules), timedelta(hours=h)
        after = uow.now if since is None else max(uow.now, since - OVERLAP + lead)
        params[f"lo{i}"], params[f"hi{i}"] = after - shift, uow.now + lead - shift
    rows = list(uow.session.execute(_due_statement(plan), params))
    if not rows:
        return []
    staff: list[int] | None = None
    nearest: dict[Deadline, int] = {}
    for name, h, ref_id, user_id, col in rows:
        kind = BY_NAME[name]
        at = _aware(col) + kind.shift(uow.rules)
        if kind.party is None:
            staff = _staff(uow) if staff is None else staff
            users = staff
        else:
            users = [user_id]
        for uid in users:
            d = Deadline(kind.name, kind.ref_type, ref_id, uid, at)
            # Only the nearest lead time that has come is sent; earlier ones missed while nothing
            # ran would only repeat it.
            nearest[d] = min(h, nearest.get(d, h))
    keys = {_key(d, h): d for d, h in nearest.items()}
    sent: set[str] = set()
    names = list(keys)
    for i in range(0, len(names), 500):
        sent.update(uow.session.scalars(select(Reminder.key).where(Reminder.key.in_(names[i:i + 500]))))
    due = [(d, h) for d, h in nearest.items() if _key(d, h) not in sent]
    due.sort(key=lambda dh: (dh[0].at - timedelta(hours=dh[1]), dh[0].kind, dh[0].ref_id, dh[0].user_id))
    return due


def send_due_reminders(uow: UnitOfWork, actor: Actor) -> dict[str, int]:
    """Send every reminder whose time has come and that was never sent; late ones say how late."""
    all_leads = leads(uow.rules)
    sent = late = 0
    for d, lead in due_reminders(uow):
        lateness = _send(uow, d, lead, all_leads[d.kind])
        if lateness is None:
            continue
        sent += 1
        late += lateness >= 60
    mark = _mark(uow)
    if mark is None:
        uow.session.add(SweepMark(name=MARK, swept_to=uow.now))
    else:
        mark.swept_to = uow.now
    uow.commit()
    return {"reminders": sent, "late_reminders": late}


def deadline_set(uow: UnitOfWork, kind_name: str, ref_id: int, at: datetime, user_id: int | None = None) -> None:
    """Called in the transaction that sets a deadline: if one of its lead moments has already passed,
    the nearest reminder goes out now (sweeps look forward from their mark, never this far back)."""
    lead_times = leads(uow.rules)[kind_name]
    due = [h for h in lead_times if at - timedelta(hours=h) <= uow.now]
    if at <= uow.now or not due:
        return
    kind = BY_NAME[kind_name]
    users = [user_id] if user_id is not None else _staff(uow)
    for uid in users:
        _send(uow, Deadline(kind.name, kind.ref_type, ref_id, uid, at), min(due), lead_times)


@read_only
def next_due_at(uow: UnitOfWork) -> datetime | None:
    """When the scheduler should wake next: the earliest reminder, transition or webhook retry to come.

    One `min()` per kind and lead time, each served by an index, whatever the number of rows."""
    from workbench.services import webhooks

    all_leads = leads(uow.rules)
    plan = tuple((kind.name, h) for kind in KINDS for h in [0, *all_leads[kind.name]])
    shifts = [BY_NAME[name].shift(uow.rules) - timedelta(hours=h) for name, h in plan]
    # One statement, one indexed min() per kind and lead time.
    firsts = uow.session.execute(_next_statement(plan), {f"t{i}": uow.now - delta
                                                         for i, delta in enumerate(shifts)}).one()
    candidates = [_aware(first) + delta for first, delta in zip(firsts, shifts) if first is not None]
    future = [c for c in candidates if c > uow.now]
    retry = webhooks.next_attempt_at(uow)   # may be now: a push waiting for its first try
    if retry is not None:
        future.append(max(retry, uow.now))
    return min(future) if future else None


# ---- the lease ----------------------------------------------------------------------------------

def take_lease(uow: UnitOfWork, holder: str, seconds: int = 30, name: str = "scheduler") -> bool:
    """Hold (or renew) the firing lease; another holder's lease is taken over once it has expired."""
    until = uow.now + timedelta(seconds=seconds)
    won = uow.session.execute(update(Lease).where(
        Lease.name == name, (Lease.holder == holder) | (Lease.expires_at <= uow.now))
        .values(holder=holder, expires_at=until)).rowcount
    if not won and uow.session.get(Lease, name) is None:
        try:
            with uow.session.begin_nested():
                uow.session.add(Lease(name=name, holder=holder, expires_at=until))
                uow.session.flush()
            won = 1
        except IntegrityError:
            won = 0
    uow.commit()
    return bool(won)


def release_lease(uow: UnitOfWork, holder: str, name: str = "scheduler") -> None:
    uow.session.execute(update(Lease).where(Lease.name == name, Lease.holder == holder)
                        .values(expires_at=uow.now))
    uow.commit()
