"""The dashboard and the order list read indexes, never a whole large table (SQLite's query plans).

Every statement the services run for each role is captured as it goes to the database and asked
for its plan (EXPLAIN QUERY PLAN, on a generated store with ANALYZE statistics, so the planner
chooses as it would on a big one). A `SCAN` of a table that grows with the business fails, unless
it reads a covering index (which is how a LIMIT walks an index in order and stops early) or walks
an unfiltered list newest first up to its LIMIT.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from sqlalchemy import event

from tests.conftest import DEMO_NOW
from workbench.bootstrap import Workbench, bootstrap
from workbench.clock import FixedClock, parse_instant
from workbench.config import Settings
from workbench.generate import Sizes, generate
from workbench.services import dashboard, orders

LARGE = {"coop_orders", "live_tasks", "products", "postings", "journals", "audit_log", "notifications", "sales",
         "order_products", "task_products", "exclusive_items", "stock_plan_items"}
USERS = ("gen.merchant", "gen.creator", "gen.agency", "gen.support")
SCREENS = frozenset({"orders", "tasks", "funds", "notifications", "intents", "stock_plans", "disputes", "complaints",
                     "stock_reviews", "bindings", "binding_invites", "base_data", "help"})


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workbench]:
    anchor = parse_instant(DEMO_NOW)
    path = tmp_path_factory.mktemp("plans") / "plans.db"
    wb = bootstrap(Settings(db_url=f"sqlite:///{path}", lang="zh"), clock=FixedClock(anchor))
    generate(wb, Sizes(orders=3000, tasks=3000, creators=60, products=800), 5, anchor)
    with wb.engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    yield wb
    wb.close()


def _captured(wb: Workbench, work) -> list[tuple[str, object]]:
    seen: list[tuple[str, object]] = []

    def listen(_conn, _cursor, statement, parameters, _context, _many) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            seen.append((statement, parameters))

    event.listen(wb.engine, "before_cursor_execute", listen)
    try:
        work()
    finally:
        event.remove(wb.engine, "before_cursor_execute", listen)
    return seen


def _full_scans(wb: Workbench, statements: list[tuple[str, object]]) -> list[str]:
    bad = []
    with wb.engine.connect() as conn:
        raw = conn.connection.driver_connection
        for statement, parameters in statements:
            plan = [row[3] for row in raw.execute("EXPLAIN QUERY PLAN " + statement, parameters or ()).fetchall()]
            # An unfiltered list walked newest first stops at its LIMIT: the one plain SCAN allowed.
            walk = ("WHERE" not in statement and "LIMIT" in statement
                    and not any("TEMP B-TREE" in d for d in plan))
            for detail in plan:
                scan = re.match(r"SCAN (\w+)", detail)
                if scan and scan.group(1) in LARGE and "COVERING INDEX" not in detail and not walk:
                    bad.append(f"{detail}\n    in: {' '.join(statement.split())[:400]}")
    return bad


@pytest.mark.parametrize("handle", USERS)
def test_the_dashboard_reads_no_large_table_whole(store, handle):
    actor = store.sign_in(handle)
    statements = _captured(store, lambda: store.run(dashboard.load_dashboard, actor, SCREENS))
    assert len(statements) > 10
    assert _full_scans(store, statements) == []


@pytest.mark.parametrize("handle", USERS)
def test_the_first_screens_reader_reads_the_generated_store_as_the_service_does(store, handle):
    """workbench.firstscreen reads the same panels with sqlite3 and the compiled SQL."""
    from workbench import firstscreen

    path = store.engine.url.database
    lang, actor, view = firstscreen.read_quickly(Settings(db_url=f"sqlite:///{path}", lang="zh"), handle,
                                                 lambda _role: SCREENS, parse_instant(DEMO_NOW))
    assert actor == store.sign_in(handle)
    assert view.recommendations
    assert view == store.run(dashboard.load_dashboard, actor, SCREENS)


@pytest.mark.parametrize("handle", ["gen.merchant", "gen.creator", "gen.support"])
def test_order_pages_follow_an_index_whatever_the_filter(store, handle):
    actor = store.sign_in(handle)

    def pages() -> None:
        for status in (None, "delivered", "overdue", "invited"):
            first = store.run(orders.list_orders, actor, orders.OrderQuery(status=status))
            if first:
                store.run(orders.list_orders, actor, orders.OrderQuery(status=status, after_id=first[-1].id))

    statements = _captured(store, pages)
    # SQLite's dialect writes `LIMIT ? OFFSET ?` for every limit; the offset must stay 0 (keyset paging).
    assert not [s for s, p in statements if re.search(r"\bOFFSET \?", s) and p[-1] != 0]
    assert _full_scans(store, statements) == []


def test_the_merchants_spend_from_balances_is_the_sum_of_its_payouts(store):
    """The dashboard's 累计支出 reads top-ups and balances; summed the long way it is the same."""
    from sqlalchemy import func, select

    from workbench.services.base import Actor
    from workbench.store.models import Account, CoopOrder, Journal, LiveTask, Merchant, Posting

    with store.uow(read_only=True) as uow:
        merchants = list(uow.session.scalars(select(Merchant.user_id)))
        assert len(merchants) > 5
        for merchant in merchants:
            walked = 0
            for ref_type, model in (("task", LiveTask), ("order", CoopOrder)):
                walked += int(uow.session.scalar(
                    select(func.coalesce(func.sum(Posting.amount_cents), 0))
                    .join(Journal, Journal.id == Posting.journal_id)
                    .join(Account, Account.id == Posting.account_id)
                    .where(Account.owner_id != merchant, Account.kind == "available", Posting.amount_cents > 0,
                           Journal.ref_type == ref_type,
                           Journal.ref_id.in_(select(model.id).where(model.merchant_id == merchant)))))
            actor = Actor(id=merchant, handle="", name="", role=None, zone="Asia/Shanghai")
            assert dashboard._spend(uow, actor) == walked, merchant
