"""The indexes of orders' deadlines hold only the orders waiting for them (partial indexes), and every
query that looks deadlines up still reads them: the transitions, the reminders and the scheduler's
next wake-up, the calendar, a list sorted by due date. SQLite uses a partial index only when the
query's WHERE repeats the index's condition with the states written in, so the condition is written
in one place for the index (models.waiting_in) and the same way for the queries (reminders.in_states);
these tests hold the two together and check the plans, with and without ANALYZE statistics (a store
in use has none).
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.dialects import sqlite

from tests.conftest import DEMO_NOW
from workbench.bootstrap import Workbench, bootstrap
from workbench.clock import FixedClock, parse_instant
from workbench.config import Settings
from workbench.domain.actor import SYSTEM
from workbench.generate import Sizes, generate
from workbench.services import calendar, orders, reminders, transitions
from workbench.store.models import DELIVERY_STATES, WINDOW_STATES, CoopOrder, waiting_in

DUE_INDEXES = {"ix_coop_orders_window_due", "ix_coop_orders_delivery_due"}


def test_the_queries_write_the_indexes_condition():
    dialect = sqlite.dialect()
    for states in (WINDOW_STATES, DELIVERY_STATES):
        where = select(CoopOrder.id).where(reminders.in_states(CoopOrder.status, states))
        sql = str(where.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
        condition = sql.split("WHERE ", 1)[1].replace("coop_orders.", "").strip("()")
        assert condition == waiting_in(states)
    migration = importlib.import_module("workbench.store.migrations.versions.0013_due_indexes")
    assert migration.WINDOW_WAITING == waiting_in(WINDOW_STATES)
    assert migration.DELIVERY_WAITING == waiting_in(DELIVERY_STATES)


@pytest.fixture(scope="module", params=["no statistics", "analyzed"])
def store(request, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workbench]:
    anchor = parse_instant(DEMO_NOW)
    path = tmp_path_factory.mktemp("due") / "due.db"
    wb = bootstrap(Settings(db_url=f"sqlite:///{path}", lang="zh"), clock=FixedClock(anchor))
    generate(wb, Sizes(orders=2000, tasks=300, creators=40, products=300), 7, anchor)
    if request.param == "analyzed":
        with wb.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    yield wb
    wb.close()


def _plans(wb: Workbench, work) -> list[tuple[str, list[str]]]:
    """(statement, plan) of every statement on coop_orders that names a deadline column."""
    seen: list[tuple[str, object]] = []

    def listen(_conn, _cursor, statement, parameters, _context, many) -> None:
        if not many and "coop_orders" in statement and re.search(r"window_ends_at|latest_delivery_at\s*[<>]", statement):
            seen.append((statement, parameters))

    event.listen(wb.engine, "before_cursor_execute", listen)
    try:
        work()
    finally:
        event.remove(wb.engine, "before_cursor_execute", listen)
    out = []
    with wb.engine.connect() as conn:
        raw = conn.connection.driver_connection
        for statement, parameters in seen:
            plan = [row[3] for row in raw.execute("EXPLAIN QUERY PLAN " + statement, parameters or ()).fetchall()]
            out.append((" ".join(statement.split()), plan))
    return out


def _reads_due_index(plan: list[str]) -> bool:
    return any(name in step for step in plan for name in DUE_INDEXES)


def test_the_transitions_and_the_reminders_read_the_due_indexes(store):
    def work() -> None:
        store.run(reminders.next_due_at)
        with store.uow() as uow:
            reminders.due_reminders(uow)
            uow.rollback()
        with store.uow() as uow:   # what the tick reads and moves, left undone
            transitions._auto_confirm_orders(uow, SYSTEM)
            transitions._overdue_orders(uow, SYSTEM)
            uow.rollback()

    plans = _plans(store, work)
    assert len(plans) >= 4
    for statement, plan in plans:
        if statement.startswith("SELECT") and "coop_orders.id IN" not in statement:
            assert _reads_due_index(plan), f"{plan}\n    in: {statement[:300]}"


def test_the_calendar_and_the_lists_by_due_date_read_the_due_indexes(store):
    support = store.sign_in("gen.support")

    def work() -> None:
        store.run(calendar.my_deadlines, support)
        for status in ("sample_shipped", "scheduled", "confirmed"):
            first = store.run(orders.list_orders, support, orders.OrderQuery(status=status, sort="due"))
            if first:
                store.run(orders.list_orders, support, orders.OrderQuery(status=status, sort="due",
                                                                          after_id=first[-1].id))

    plans = _plans(store, work)
    lists = [(s, p) for s, p in plans if "ORDER BY" in s]
    assert len(lists) >= 3
    for statement, plan in plans:
        if "coop_orders.id = " in statement:   # the keyset's own order, by its id
            continue
        assert _reads_due_index(plan), f"{plan}\n    in: {statement[:300]}"
        assert not any("TEMP B-TREE" in step for step in plan) or "ORDER BY" not in statement, plan


def test_an_order_that_moves_on_leaves_the_due_index(store):
    """The partial index holds the waiting orders only: after the tick's sweep none past due is left."""
    with store.uow() as uow:
        transitions._overdue_orders(uow, SYSTEM)
        left = uow.session.execute(text(
            "SELECT count(*) FROM coop_orders INDEXED BY ix_coop_orders_delivery_due "
            f"WHERE ({waiting_in(DELIVERY_STATES)}) AND latest_delivery_at <= :now"),
            {"now": uow.now.strftime("%Y-%m-%d %H:%M:%S.%f")}).scalar()
        waiting = uow.session.execute(text(
            f"SELECT count(*) FROM coop_orders INDEXED BY ix_coop_orders_delivery_due WHERE {waiting_in(DELIVERY_STATES)}"
        )).scalar()
        everywhere = uow.session.scalar(select(func.count()).where(CoopOrder.status.in_(DELIVERY_STATES)))
        uow.rollback()
    assert left == 0
    assert waiting == everywhere
