"""Automatic transitions that fall due with time, applied by `workbench tick` and the scheduler.

They are applied a batch at a time rather than record by record (10,000 due at once took a
minute one by one): one conditional UPDATE per batch moves every record that is still in the
state the transition starts from and returns which ones it moved — so each is moved exactly
once, even with another process ticking at the same moment — and their ledger journals,
postings, balance changes, audit rows and notifications are then written as bulk inserts in the
same transaction. What each record gets is what the one-at-a-time use cases wrote.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import bindparam, select, update

from workbench.domain.ledger import AccountKind
from workbench.domain.orders import OrderStatus, latest_after_auto_confirm
from workbench.domain.tasks import TaskStatus, TaskSub, timeout_due
from workbench.i18n import _
from workbench.services import ledger, reminders
from workbench.services.base import Actor, audit_many, execute_many, notify_many
from workbench.services.reminders import in_states
from workbench.store.models import DELIVERY_STATES, WINDOW_STATES, CoopOrder, LiveTask
from workbench.store.uow import UnitOfWork

# Records per conditional UPDATE (and per IN list). Fewer, larger statements visit each page they
# change fewer times: ten thousand orders falling due at once in a store of a million took 0.3 s
# less than in batches of 500. A batch's parameters (its ids; two users per record when notifying)
# stay well within SQLite's limit of 32,766 and PostgreSQL's of 65,535.
BATCH = 5_000
LIMIT = 10_000   # records of each kind per run, as before; the scheduler comes back for the rest


def apply_due(uow: UnitOfWork, actor: Actor) -> dict[str, int]:
    """Apply every transition whose time has come; running it twice changes nothing more."""
    counts = {"timed_out": _time_out_tasks(uow, actor),
              "auto_confirmed": _auto_confirm_orders(uow, actor),
              "overdue": _overdue_orders(uow, actor)}
    uow.commit()
    return counts


# ---- the three transitions -----------------------------------------------------------------

def _time_out_tasks(uow: UnitOfWork, actor: Actor) -> int:
    """Pending tasks not accepted in time: cancelled, the frozen amount back to the merchant."""
    hours = uow.rules.flow_b.acceptance_timeout_hours
    cutoff = timeout_due(uow.now, -hours)
    reason = _("达人 {hours} 小时内未接单").format(hours=hours)
    due = _due(uow,
        select(LiveTask.id, LiveTask.merchant_id, LiveTask.amount_cents)
        .where(LiveTask.status == TaskStatus.PENDING.value, LiveTask.created_at <= cutoff)
        .order_by(LiveTask.created_at, LiveTask.id).limit(LIMIT))
    done = 0
    for chunk in _chunks(due):
        info = {row.id: row for row in chunk}
        moved = _moved(uow, update(LiveTask).where(
            LiveTask.id.in_(list(info)), LiveTask.status == TaskStatus.PENDING.value,
            LiveTask.sub_status == TaskSub.NONE.value, LiveTask.created_at <= cutoff,
        ).values(status=TaskStatus.CANCELLED.value, sub_status=TaskSub.TIMED_OUT.value, closed_at=uow.now,
                 cancel_reason=reason, version=LiveTask.version + 1).returning(LiveTask.id), info)
        tasks = [info[i] for i in moved]
        ledger.post_many(uow, actor, "task_refund", [
            (("task", t.id), [((t.merchant_id, AccountKind.FROZEN), -t.amount_cents),
                              ((t.merchant_id, AccountKind.AVAILABLE), t.amount_cents)]) for t in tasks])
        audit_many(uow, actor, [("task.time_out", "task", t.id, {"amount": t.amount_cents}) for t in tasks])
        notify_many(uow, [(t.merchant_id, "task_timed_out", "tasks", t.id,
                            {"task": t.id, "amount": t.amount_cents}) for t in tasks])
        done += len(tasks)
    return done


def _auto_confirm_orders(uow: UnitOfWork, actor: Actor) -> int:
    """Orders whose five-day window passed without a schedule: confirmed, with a latest delivery."""
    days = uow.rules.flow_a.auto_confirm_delivery_days
    due = _due(uow,
        select(CoopOrder.id, CoopOrder.merchant_id, CoopOrder.creator_id, CoopOrder.window_ends_at,
               CoopOrder.cap_at)
        .where(in_states(CoopOrder.status, WINDOW_STATES), CoopOrder.window_ends_at <= uow.now)
        .order_by(CoopOrder.window_ends_at, CoopOrder.id).limit(LIMIT))
    done = 0
    for chunk in _chunks(due):
        info = {row.id: row for row in chunk}
        moved = _moved(uow, update(CoopOrder).where(
            CoopOrder.id.in_(list(info)), in_states(CoopOrder.status, WINDOW_STATES),
            CoopOrder.window_ends_at <= uow.now,
        ).values(status=OrderStatus.CONFIRMED.value, version=CoopOrder.version + 1).returning(CoopOrder.id), info)
        orders = [info[i] for i in moved]
        latest = {o.id: latest_after_auto_confirm(o.window_ends_at, days, o.cap_at) for o in orders}
        execute_many(uow, _SET_LATEST, ("oid", "latest"), [(o.id, latest[o.id]) for o in orders])
        for o in orders:
            reminders.deadline_set(uow, "latest_delivery", o.id, latest[o.id], o.creator_id)
        audit_many(uow, actor, [("order.auto_confirm", "order", o.id, {"latest": latest[o.id].isoformat()})
                                 for o in orders])
        notify_many(uow, [(uid, "order_auto_confirmed", "orders", o.id, {"order": o.id})
                           for o in orders for uid in (o.creator_id, o.merchant_id)])
        done += len(orders)
    return done


def _overdue_orders(uow: UnitOfWork, actor: Actor) -> int:
    """Orders past their latest delivery: overdue, the held quote refunded to the merchant."""
    due = _due(uow,
        select(CoopOrder.id, CoopOrder.merchant_id, CoopOrder.creator_id, CoopOrder.quote_cents)
        .where(in_states(CoopOrder.status, DELIVERY_STATES), CoopOrder.latest_delivery_at <= uow.now)
        .order_by(CoopOrder.latest_delivery_at, CoopOrder.id).limit(LIMIT))
    done = 0
    for chunk in _chunks(due):
        info = {row.id: row for row in chunk}
        moved = _moved(uow, update(CoopOrder).where(
            CoopOrder.id.in_(list(info)), in_states(CoopOrder.status, DELIVERY_STATES),
            CoopOrder.latest_delivery_at <= uow.now,
        ).values(status=OrderStatus.OVERDUE.value, closed_at=uow.now,
                 version=CoopOrder.version + 1).returning(CoopOrder.id), info)
        orders = [info[i] for i in moved]
        ledger.post_many(uow, actor, "order_refund", [
            (("order", o.id), [((o.merchant_id, AccountKind.FROZEN), -o.quote_cents),
                               ((o.merchant_id, AccountKind.AVAILABLE), o.quote_cents)]) for o in orders])
        audit_many(uow, actor, [("order.overdue", "order", o.id, {}) for o in orders])
        notes = []
        for o in orders:
            notes.append((o.merchant_id, "order_overdue", "orders", o.id, {"order": o.id, "amount": o.quote_cents}))
            notes.append((o.creator_id, "order_overdue_creator", "orders", o.id, {"order": o.id}))
        notify_many(uow, notes)
        done += len(orders)
    return done


# ---- writing a batch -------------------------------------------------------------------------

_orders = CoopOrder.__table__
_SET_LATEST = _orders.update().where(_orders.c.id == bindparam("oid")).values(latest_delivery_at=bindparam("latest"))


def _due(uow: UnitOfWork, statement: Any) -> list[Any]:
    """The records due, read on the session's connection (plain rows; the ORM would only add cost)."""
    return uow.session.connection().execute(statement).all()


def _chunks(rows: list[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(rows), BATCH):
        yield rows[start:start + BATCH]


def _moved(uow: UnitOfWork, statement: Any, info: dict[int, Any]) -> list[int]:
    """Run the conditional UPDATE; the ids it moved, in the order they fell due. It runs on the
    session's connection, as a plain statement: the session is not told of the change (it holds
    none of these records), and its ORM path would only add cost."""
    moved = set(uow.session.connection().execute(statement).scalars())
    return [i for i in info if i in moved]
