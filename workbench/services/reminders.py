"""Reminders before deadlines (提醒) and the lease that lets one process fire them.

The deadlines live on the domain rows; a sent reminder is a row whose unique key names the deadline
and the lead time, written in the same transaction as the notification it delivers, so a reminder
is sent once whatever crashes, restarts or races happen around it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from workbench.domain.formatting import local_time
from workbench.services.base import Actor, notify, read_only
from workbench.store.models import CoopOrder, Lease, LiveTask, Reminder, StockPlan, User
from workbench.store.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class Deadline:
    kind: str           # schedule_window | latest_delivery | acceptance_timeout | air_time
    ref_type: str       # order | task
    ref_id: int
    user_id: int
    at: datetime


def _leads(uow: UnitOfWork) -> dict[str, list[int]]:
    r = uow.rules.reminders
    return {"schedule_window": r.schedule_window, "latest_delivery": r.latest_delivery,
            "acceptance_timeout": r.acceptance_timeout, "air_time": r.air_time,
            "stock_plan_review": r.stock_plan_review}


def open_deadlines(uow: UnitOfWork, until: datetime) -> list[Deadline]:
    """Deadlines that fall before `until` on records still waiting for them (indexed ranges)."""
    s = uow.session
    out: list[Deadline] = []
    for oid, creator, at in s.execute(select(CoopOrder.id, CoopOrder.creator_id, CoopOrder.window_ends_at).where(
            CoopOrder.status == "sample_shipped", CoopOrder.window_ends_at <= until)):
        out.append(Deadline("schedule_window", "order", oid, creator, at))
    for oid, creator, at in s.execute(select(CoopOrder.id, CoopOrder.creator_id, CoopOrder.latest_delivery_at).where(
            CoopOrder.status.in_(["scheduled", "confirmed"]), CoopOrder.latest_delivery_at <= until)):
        out.append(Deadline("latest_delivery", "order", oid, creator, at))
    timeout = timedelta(hours=uow.rules.flow_b.acceptance_timeout_hours)
    for tid, creator, created in s.execute(select(LiveTask.id, LiveTask.creator_id, LiveTask.created_at).where(
            LiveTask.status == "pending", LiveTask.created_at <= until - timeout)):
        out.append(Deadline("acceptance_timeout", "task", tid, creator, created + timeout))
    for tid, creator, at in s.execute(select(LiveTask.id, LiveTask.creator_id, LiveTask.air_at).where(
            LiveTask.status == "in_progress", LiveTask.sub_status == "waiting_air", LiveTask.air_at <= until)):
        out.append(Deadline("air_time", "task", tid, creator, at))
    # A stock plan still under review when its live draws near: every support staff member is told.
    plans = list(s.execute(select(StockPlan.id, StockPlan.live_at).where(
        StockPlan.status == "submitted", StockPlan.live_at <= until)))
    if plans:
        staff = list(s.scalars(select(User.id).where(User.role == "support")))
        out += [Deadline("stock_plan_review", "plan", pid, uid, at) for pid, at in plans for uid in staff]
    return out


def _key(d: Deadline, lead: int) -> str:
    return f"{d.kind}:{d.ref_type}:{d.ref_id}:{d.user_id}:{lead}h:{int(d.at.timestamp())}"


def send_due_reminders(uow: UnitOfWork, actor: Actor) -> dict[str, int]:
    """Send every reminder whose time has come and that was never sent; late ones say how late."""
    leads = _leads(uow)
    horizon = uow.now + timedelta(hours=max(max(v) for v in leads.values()))
    sent = late = 0
    for d in open_deadlines(uow, horizon):
        if d.at <= uow.now:
            continue   # the deadline itself has passed: the transition, not a reminder, handles it
        # Only the nearest lead time that has come is sent; earlier ones missed while nothing ran
        # would only repeat it.
        due = [h for h in leads[d.kind] if d.at - timedelta(hours=h) <= uow.now]
        if not due:
            continue
        lead = min(due)
        key = _key(d, lead)
        if uow.session.scalar(select(Reminder.id).where(Reminder.key == key)) is not None:
            continue
        fire_at = d.at - timedelta(hours=lead)
        lateness = int((uow.now - fire_at).total_seconds())
        try:
            with uow.session.begin_nested():
                uow.session.add(Reminder(key=key, user_id=d.user_id, kind=d.kind, ref_type=d.ref_type,
                                         ref_id=d.ref_id, deadline_at=d.at, fire_at=fire_at, sent_at=uow.now,
                                         late_seconds=max(lateness, 0)))
                uow.session.flush()
        except IntegrityError:   # another process sent it a moment ago
            continue
        zone = uow.session.scalar(select(User.zone).where(User.id == d.user_id)) or "Asia/Shanghai"
        screen = {"order": "orders", "task": "tasks", "plan": "stock_reviews"}[d.ref_type]
        notify(uow, d.user_id, f"reminder_{d.kind}", screen=screen,
               ref_id=d.ref_id, ref=d.ref_id, deadline=local_time(d.at, zone), hours=lead,
               late=lateness // 60 if lateness >= 60 else 0)
        sent += 1
        late += lateness >= 60
    uow.commit()
    return {"reminders": sent, "late_reminders": late}


@read_only
def next_due_at(uow: UnitOfWork) -> datetime | None:
    """When the scheduler should wake next: the earliest reminder or transition still to come."""
    leads = _leads(uow)
    candidates: list[datetime] = []
    s = uow.session
    window = s.scalar(select(func.min(CoopOrder.window_ends_at)).where(
        CoopOrder.status == "sample_shipped", CoopOrder.window_ends_at > uow.now))
    latest = s.scalar(select(func.min(CoopOrder.latest_delivery_at)).where(
        CoopOrder.status.in_(["scheduled", "confirmed"]), CoopOrder.latest_delivery_at > uow.now))
    timeout = timedelta(hours=uow.rules.flow_b.acceptance_timeout_hours)
    oldest = s.scalar(select(func.min(LiveTask.created_at)).where(LiveTask.status == "pending"))
    air = s.scalar(select(func.min(LiveTask.air_at)).where(
        LiveTask.status == "in_progress", LiveTask.sub_status == "waiting_air", LiveTask.air_at > uow.now))
    review = s.scalar(select(func.min(StockPlan.live_at)).where(
        StockPlan.status == "submitted", StockPlan.live_at > uow.now))
    for kind, at in (("schedule_window", window), ("latest_delivery", latest),
                     ("acceptance_timeout", oldest + timeout if oldest else None), ("air_time", air),
                     ("stock_plan_review", review)):
        if at is None:
            continue
        candidates.append(at)   # the transition itself
        candidates += [at - timedelta(hours=h) for h in leads[kind] if at - timedelta(hours=h) > uow.now]
    future = [c for c in candidates if c > uow.now]
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
