"""Automatic transitions that fall due with time, applied by `workbench tick` and the scheduler.

They are applied a batch at a time rather than record by record (10,000 due at once took a
minute one by one): one conditional UPDATE per batch moves every record that is still in the
state the transition starts from and returns which ones it moved — so each is moved exactly
once, even with another process ticking at the same moment — and their ledger journals,
postings, balance changes, audit rows and notifications are then written as bulk inserts in the
same transaction. What each record gets is what the one-at-a-time use cases wrote.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Table, bindparam, select, update

from workbench.domain.ledger import AccountKind, check_balanced, check_covers
from workbench.domain.orders import OrderStatus, latest_after_auto_confirm
from workbench.domain.tasks import TaskStatus, TaskSub, timeout_due
from workbench.i18n import _
from workbench.services import ledger, reminders
from workbench.services.base import Actor, notify
from workbench.store.models import (
    Account, AuditEntry, CoopOrder, DeliveryPrefs, Journal, LiveTask, Notification, Posting,
)
from workbench.store.uow import UnitOfWork

BATCH = 500      # records per conditional UPDATE (and per IN list)
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
    due = uow.session.execute(
        select(LiveTask.id, LiveTask.merchant_id, LiveTask.amount_cents)
        .where(LiveTask.status == TaskStatus.PENDING.value, LiveTask.created_at <= cutoff)
        .order_by(LiveTask.created_at, LiveTask.id).limit(LIMIT)).all()
    done = 0
    for chunk in _chunks(due):
        info = {row.id: row for row in chunk}
        moved = _moved(uow, update(LiveTask).where(
            LiveTask.id.in_(list(info)), LiveTask.status == TaskStatus.PENDING.value,
            LiveTask.sub_status == TaskSub.NONE.value, LiveTask.created_at <= cutoff,
        ).values(status=TaskStatus.CANCELLED.value, sub_status=TaskSub.TIMED_OUT.value, closed_at=uow.now,
                 cancel_reason=reason, version=LiveTask.version + 1).returning(LiveTask.id), info)
        tasks = [info[i] for i in moved]
        _post_many(uow, actor, "task_refund", [
            (("task", t.id), [((t.merchant_id, AccountKind.FROZEN), -t.amount_cents),
                              ((t.merchant_id, AccountKind.AVAILABLE), t.amount_cents)]) for t in tasks])
        _audit_many(uow, actor, [("task.time_out", "task", t.id, {"amount": t.amount_cents}) for t in tasks])
        _notify_many(uow, [(t.merchant_id, "task_timed_out", "tasks", t.id,
                            {"task": t.id, "amount": t.amount_cents}) for t in tasks])
        done += len(tasks)
    return done


def _auto_confirm_orders(uow: UnitOfWork, actor: Actor) -> int:
    """Orders whose five-day window passed without a schedule: confirmed, with a latest delivery."""
    days = uow.rules.flow_a.auto_confirm_delivery_days
    due = uow.session.execute(
        select(CoopOrder.id, CoopOrder.merchant_id, CoopOrder.creator_id, CoopOrder.window_ends_at,
               CoopOrder.cap_at)
        .where(CoopOrder.status == OrderStatus.SAMPLE_SHIPPED.value, CoopOrder.window_ends_at <= uow.now)
        .order_by(CoopOrder.window_ends_at, CoopOrder.id).limit(LIMIT)).all()
    done = 0
    for chunk in _chunks(due):
        info = {row.id: row for row in chunk}
        moved = _moved(uow, update(CoopOrder).where(
            CoopOrder.id.in_(list(info)), CoopOrder.status == OrderStatus.SAMPLE_SHIPPED.value,
            CoopOrder.window_ends_at <= uow.now,
        ).values(status=OrderStatus.CONFIRMED.value, version=CoopOrder.version + 1).returning(CoopOrder.id), info)
        orders = [info[i] for i in moved]
        latest = {o.id: latest_after_auto_confirm(o.window_ends_at, days, o.cap_at) for o in orders}
        if orders:
            table = CoopOrder.__table__
            uow.session.execute(table.update().where(table.c.id == bindparam("oid"))
                                .values(latest_delivery_at=bindparam("latest")),
                                [{"oid": o.id, "latest": latest[o.id]} for o in orders])
        for o in orders:
            reminders.deadline_set(uow, "latest_delivery", o.id, latest[o.id], o.creator_id)
        _audit_many(uow, actor, [("order.auto_confirm", "order", o.id, {"latest": latest[o.id].isoformat()})
                                 for o in orders])
        _notify_many(uow, [(uid, "order_auto_confirmed", "orders", o.id, {"order": o.id})
                           for o in orders for uid in (o.creator_id, o.merchant_id)])
        done += len(orders)
    return done


def _overdue_orders(uow: UnitOfWork, actor: Actor) -> int:
    """Orders past their latest delivery: overdue, the held quote refunded to the merchant."""
    open_states = [OrderStatus.SCHEDULED.value, OrderStatus.CONFIRMED.value]
    due = uow.session.execute(
        select(CoopOrder.id, CoopOrder.merchant_id, CoopOrder.creator_id, CoopOrder.quote_cents)
        .where(CoopOrder.status.in_(open_states), CoopOrder.latest_delivery_at <= uow.now)
        .order_by(CoopOrder.latest_delivery_at, CoopOrder.id).limit(LIMIT)).all()
    done = 0
    for chunk in _chunks(due):
        info = {row.id: row for row in chunk}
        moved = _moved(uow, update(CoopOrder).where(
            CoopOrder.id.in_(list(info)), CoopOrder.status.in_(open_states), CoopOrder.latest_delivery_at <= uow.now,
        ).values(status=OrderStatus.OVERDUE.value, closed_at=uow.now,
                 version=CoopOrder.version + 1).returning(CoopOrder.id), info)
        orders = [info[i] for i in moved]
        _post_many(uow, actor, "order_refund", [
            (("order", o.id), [((o.merchant_id, AccountKind.FROZEN), -o.quote_cents),
                               ((o.merchant_id, AccountKind.AVAILABLE), o.quote_cents)]) for o in orders])
        _audit_many(uow, actor, [("order.overdue", "order", o.id, {}) for o in orders])
        notes = []
        for o in orders:
            notes.append((o.merchant_id, "order_overdue", "orders", o.id, {"order": o.id, "amount": o.quote_cents}))
            notes.append((o.creator_id, "order_overdue_creator", "orders", o.id, {"order": o.id}))
        _notify_many(uow, notes)
        done += len(orders)
    return done


# ---- writing a batch -------------------------------------------------------------------------

def _table(model: Any) -> Table:
    """Bulk rows go through the table (Core), not the ORM's unit of work: same columns and types."""
    return model.__table__


def _chunks(rows: list[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(rows), BATCH):
        yield rows[start:start + BATCH]


def _moved(uow: UnitOfWork, statement: Any, info: dict[int, Any]) -> list[int]:
    """Run the conditional UPDATE; the ids it moved, in the order they fell due."""
    moved = set(uow.session.execute(statement.execution_options(synchronize_session=False)).scalars())
    return [i for i in info if i in moved]


Leg = tuple[tuple[int, AccountKind], int]


def _post_many(uow: UnitOfWork, actor: Actor, kind: str, entries: list[tuple[tuple[str, int], list[Leg]]]) -> None:
    """One balanced journal per entry, as `ledger.post` writes it, with every shortfall refused
    before anything is written; balances move by one UPDATE per account."""
    if not entries:
        return
    owners = {owner for _ref, legs in entries for (owner, _kind), _c in legs}
    accounts = {(a.owner_id, a.kind): a for a in uow.session.execute(
        select(Account.id, Account.owner_id, Account.kind, Account.balance_cents)
        .where(Account.owner_id.in_(owners))).all()}
    ids: dict[tuple[int, AccountKind], int] = {}
    balance: dict[int, int] = {}
    delta: dict[int, int] = {}
    for _ref, legs in entries:
        check_balanced(cents for _key, cents in legs)
        for key, cents in legs:
            if key not in ids:
                found = accounts.get((key[0], key[1].value))
                if found is None:   # opened on first use, as ledger.account does
                    acc = ledger.account(uow, key[0], key[1])
                    found = acc
                ids[key] = found.id
                balance.setdefault(found.id, found.balance_cents)
            acc_id = ids[key]
            check_covers(key[1].value, balance[acc_id], cents)
            balance[acc_id] += cents
            delta[acc_id] = delta.get(acc_id, 0) + cents
    # Each record has one journal in a batch, so the ids come back matched by the record they
    # name (asking for them in insertion order would make SQLite insert one row at a time).
    journal_of = {ref_id: jid for jid, ref_id in uow.session.execute(
        _table(Journal).insert().returning(_table(Journal).c.id, _table(Journal).c.ref_id),
        [{"at": uow.now, "kind": kind, "memo": "", "actor_id": actor.id, "ref_type": ref[0], "ref_id": ref[1]}
         for ref, _legs in entries])}
    if len(journal_of) != len(entries):
        raise ValueError("a batch of journals must name each record once")
    uow.session.execute(_table(Posting).insert(), [
        {"journal_id": journal_of[ref[1]], "account_id": ids[key], "amount_cents": cents}
        for ref, legs in entries for key, cents in legs])
    table = Account.__table__
    uow.session.execute(table.update().where(table.c.id == bindparam("aid"))
                        .values(balance_cents=table.c.balance_cents + bindparam("change")),
                        [{"aid": aid, "change": change} for aid, change in delta.items() if change])
    # Accounts the session already holds must not keep their old balances.
    for aid in delta:
        held = uow.session.identity_map.get(uow.session.identity_key(Account, aid))
        if held is not None:
            uow.session.expire(held, ["balance_cents"])


def _audit_many(uow: UnitOfWork, actor: Actor, rows: list[tuple[str, str, int, dict[str, Any]]]) -> None:
    if rows:
        uow.session.execute(_table(AuditEntry).insert(), [
            {"at": uow.now, "actor_id": actor.id, "action": action, "entity": entity, "entity_id": entity_id,
             "detail": json.dumps(detail, ensure_ascii=False, default=str, sort_keys=True)}
            for action, entity, entity_id, detail in rows])


def _notify_many(uow: UnitOfWork, notes: list[tuple[int, str, str, int, dict[str, Any]]]) -> None:
    """Notifications as `notify` writes them; users with a team-chat webhook go through `notify`
    itself, which also queues their push."""
    if not notes:
        return
    pushed = set(uow.session.scalars(select(DeliveryPrefs.user_id).where(
        DeliveryPrefs.user_id.in_({n[0] for n in notes}), DeliveryPrefs.webhook_url.is_not(None),
        DeliveryPrefs.webhook_format.is_not(None))))
    plain = []
    for user_id, kind, screen, ref_id, params in notes:
        if user_id in pushed:
            notify(uow, user_id, kind, screen=screen, ref_id=ref_id, **params)
        else:
            plain.append({"user_id": user_id, "at": uow.now, "kind": kind, "screen": screen, "ref_id": ref_id,
                          "params": json.dumps(params, ensure_ascii=False, default=str, sort_keys=True)})
    if plain:
        uow.session.execute(_table(Notification).insert(), plain)

