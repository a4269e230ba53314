"""Precomputed merchant records (merchant_records): kept by every event that moves a merchant's counts,
in the event's own transaction; brought up to date with time by the periodic refresh; read by the
ranking one query per batch instead of aggregating orders and live tasks; filled by the migration."""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, event, select

from tests import factories
from tests.conftest import DEMO_NOW
from tests.test_cli import run
from tests.test_query_plans import _captured, _full_scans, store  # noqa: F401  (the generated large store)
from tests.test_reports import coop  # noqa: F401  (a delivered order and a completed task)
from tests.test_tasks import publish
from workbench.clock import FixedClock, parse_instant
from workbench.domain.reputation import NEUTRAL, MerchantCounts
from workbench.scheduler import Firing
from workbench.services import dashboard, orders, reminders, reports, reputation, selection, tasks
from workbench.services.base import SYSTEM
from workbench.store.models import IncomeSlot, Merchant, MerchantRecord, SampleReport, User
from workbench.store.uow import uow_factory

pytestmark = pytest.mark.both_backends


def stored(wb, merchant_id: int) -> MerchantRecord | None:
    with wb.uow(read_only=True) as uow:
        row = uow.session.get(MerchantRecord, merchant_id)
        if row is not None:
            uow.session.expunge(row)
        return row


def counts_of(row: MerchantRecord | None) -> MerchantCounts | None:
    return None if row is None else MerchantCounts(*(getattr(row, f) for f in reputation.RECORD_FIELDS))


def live(wb, merchant_id: int) -> MerchantCounts:
    with wb.uow(read_only=True) as uow:
        return reputation.merchant_counts(uow, [merchant_id])[merchant_id]


@pytest.fixture
def people(wb):
    m = factories.merchant(wb, balance="50000")
    c = factories.creator(wb, "c.one")
    s = factories.support(wb)
    p = factories.product(wb, m, "面霜")
    item = wb.run(selection.submit_to_pool, m, selection.SubmitToPool.parse(
        product_id=p.id, creator_id=c.id, daily_price="99", live_price="79", commission_rate="25%"))
    wb.run(selection.publish_quote, c, selection.PublishQuote.parse(quote="800"))
    return m, c, s, item


# ---- the record follows each event -----------------------------------------------------------------

def test_answering_shipping_and_ruling_rewrite_the_record_at_once(wb, people):
    m, c, s, item = people
    first, second = (wb.run(orders.invite, c, orders.Invite(item_ids=[item])) for _ in range(2))
    assert stored(wb, m.id) is None                    # an invitation alone moves no count yet
    wb.clock.advance(hours=1)
    wb.run(orders.pay, m, orders.OrderRef(order_id=first))
    row = stored(wb, m.id)
    assert counts_of(row) == live(wb, m.id) == MerchantCounts(invitations_due=1, answered_in_time=1)
    assert row.computed_at == wb.clock.now()
    wb.clock.advance(hours=80)
    wb.run(orders.decline, m, orders.OrderRef(order_id=second))    # answered, but late
    assert counts_of(stored(wb, m.id)) == MerchantCounts(invitations_due=2, answered_in_time=1)
    wb.run(orders.accept, c, orders.OrderRef(order_id=first))
    wb.run(orders.ship_sample, m, orders.ShipSample(order_id=first, tracking="SF1"))
    assert stored(wb, m.id).samples_shipped == 1
    rid = wb.run(reputation.report_sample, c, reputation.ReportSample.parse(order_id=first, reason="fake",
                                                                            detail="假"))
    assert stored(wb, m.id).sample_problems == 0       # reported, not yet ruled
    wb.run(reputation.rule_sample, s, reputation.RuleSample.parse(report_id=rid, upheld=True, ruling="认定假货"))
    assert counts_of(stored(wb, m.id)) == live(wb, m.id)
    assert stored(wb, m.id).sample_problems == 1


def test_a_check_and_a_rating_rewrite_the_record(wb, coop):  # noqa: F811
    m, c, _o, _s, oid, tid, _l, _a = coop
    assert counts_of(stored(wb, m.id)) == live(wb, m.id)
    assert (stored(wb, m.id).checks_due, stored(wb, m.id).paid_in_time) == (1, 1)   # the fixture's check
    wb.run(reports.give_rating, c, reports.GiveRating.parse(subject="order", subject_id=oid, score="4"))
    wb.run(reports.give_rating, c, reports.GiveRating.parse(subject="task", subject_id=tid, score="2"))
    assert (stored(wb, m.id).ratings, stored(wb, m.id).rating_sum) == (2, 6)
    before = stored(wb, m.id).computed_at
    wb.clock.advance(hours=1)
    wb.run(reports.give_rating, m, reports.GiveRating.parse(subject="order", subject_id=oid, score="5"))
    assert stored(wb, m.id).computed_at == before      # the merchant rating the creator moves no merchant count


def test_a_check_left_waiting_then_disputed_leaves_the_record(wb):
    m = factories.merchant(wb, balance="50000")
    c = factories.creator(wb, quote="1000")
    p = factories.product(wb, m)
    tid = publish(wb, m, c, p, air_in=timedelta(hours=2), hours=2)
    wb.run(tasks.accept_task, c, tasks.TaskRef(task_id=tid))
    wb.clock.advance(hours=2)
    wb.run(tasks.go_live, c, tasks.TaskRef(task_id=tid))
    wb.clock.advance(hours=2)
    wb.run(tasks.end_live, c, tasks.TaskRef(task_id=tid))
    wb.clock.advance(hours=100)                        # past 2 h + 72 h: due, unpaid
    assert Firing(wb).refresh_records() == 1
    assert stored(wb, m.id).checks_due == 1
    wb.run(tasks.cancel_task, m, tasks.CancelTask(task_id=tid, reason="直播未达标"))   # goes to a dispute
    assert stored(wb, m.id).checks_due == 0 == live(wb, m.id).checks_due


def test_the_record_is_written_in_the_events_transaction_or_not_at_all(wb, people, monkeypatch):
    m, c, _s, item = people
    oid = wb.run(orders.invite, c, orders.Invite(item_ids=[item]))
    real = reputation.refresh_records

    def then_fail(uow, ids=None):
        real(uow, ids)
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(orders, "refresh_records", then_fail)
    with pytest.raises(RuntimeError):
        wb.run(orders.pay, m, orders.OrderRef(order_id=oid))
    assert stored(wb, m.id) is None                    # rolled back with the payment
    assert wb.run(orders.order_detail, m, oid).row.status == "invited"


# ---- the periodic refresh --------------------------------------------------------------------------

def test_the_periodic_refresh_counts_an_invitation_that_aged_past_the_window(wb, people):
    m, c, _s, item = people
    firing = Firing(wb, holder="a")
    oid = wb.run(orders.invite, c, orders.Invite(item_ids=[item]))
    wb.clock.advance(hours=1)
    wb.run(orders.pay, m, orders.OrderRef(order_id=oid))
    wb.run(orders.invite, c, orders.Invite(item_ids=[item]))        # never answered
    wb.clock.advance(minutes=1)
    assert firing.refresh_records() == 1                            # never refreshed yet: due at once
    assert stored(wb, m.id).invitations_due == 1
    assert firing.refresh_records() == 0                            # not again before refresh_minutes
    wb.clock.advance(hours=73)
    assert stored(wb, m.id).invitations_due == 1                    # stale: time alone moved the count
    assert live(wb, m.id).invitations_due == 2
    assert wb.run(reminders.take_lease, "a")
    assert Firing(wb, holder="b").refresh_records() == 0            # another process, without the lease
    assert firing.refresh_records() == 1
    assert counts_of(stored(wb, m.id)) == live(wb, m.id) == MerchantCounts(invitations_due=2, answered_in_time=1)
    assert stored(wb, m.id).computed_at == wb.clock.now()
    wb.clock.advance(minutes=wb.rules.reputation.refresh_minutes - 1)
    assert firing.refresh_records() == 0
    wb.clock.advance(minutes=1)
    assert firing.refresh_records() == 1                            # due again refresh_minutes later


def test_the_running_scheduler_refreshes_the_records_beside_its_firing(wb, people):
    import time as clock

    from apscheduler.schedulers.background import BackgroundScheduler

    m, c, _s, item = people
    wb.run(orders.invite, c, orders.Invite(item_ids=[item]))
    wb.clock.advance(hours=80)                                      # aged past the window, not yet counted
    assert stored(wb, m.id) is None
    firing = Firing(wb, holder="bg")
    firing.start(BackgroundScheduler(timezone="UTC"))
    try:
        assert firing.scheduler.get_job("records") is not None
        deadline = clock.monotonic() + 20
        while stored(wb, m.id) is None and clock.monotonic() < deadline:
            clock.sleep(0.1)
    finally:
        firing.stop()
    assert counts_of(stored(wb, m.id)) == MerchantCounts(invitations_due=1)


def test_the_refresh_keeps_a_record_an_event_rewrote_after_it_counted(wb, people):
    m, c, _s, item = people
    oid = wb.run(orders.invite, c, orders.Invite(item_ids=[item]))
    counted_at, counts, last = wb.run(reputation.count_records, 0)
    assert last is not None and counts[m.id].invitations_due == 0
    wb.clock.advance(seconds=1)
    wb.run(orders.pay, m, orders.OrderRef(order_id=oid))            # meanwhile the record moves
    assert wb.run(reputation.store_records, SYSTEM, counted_at, counts) == 0
    assert stored(wb, m.id).invitations_due == 1                    # the newer record stands


def test_a_record_dated_after_now_is_rewritten_by_the_refresh(wb, people):
    m, c, _s, item = people
    oid = wb.run(orders.invite, c, orders.Invite(item_ids=[item]))
    wb.clock.advance(days=30)
    wb.run(orders.pay, m, orders.OrderRef(order_id=oid))            # answered late, a month on
    wb.clock.advance(days=-30)                                      # the clock set back (a demo clock)
    assert stored(wb, m.id).computed_at > wb.clock.now()
    assert reputation.refresh_all_records(wb.run) == 1
    assert stored(wb, m.id).computed_at == wb.clock.now()


def test_the_scheduler_run_once_reports_the_records_it_refreshed_and_the_tick_leaves_them(tmp_path, backend):
    if backend != "sqlite":
        pytest.skip("the command line is tested on a SQLite file")
    db = str(tmp_path / "t.db")
    assert run("demo", db=db).returncode == 0
    later = (parse_instant(DEMO_NOW) + timedelta(hours=2)).isoformat()
    tick = run("tick", "--json", db=db, env={"WORKBENCH_NOW": later})
    assert tick.returncode == 0, tick.stderr
    assert set(json.loads(tick.stdout)) == {"timed_out", "auto_confirmed", "overdue"}   # transitions only
    out = run("scheduler", "--once", "--json", db=db, env={"WORKBENCH_NOW": later})
    assert out.returncode == 0, out.stderr
    counts = json.loads(out.stdout)
    assert counts["records"] > 0 and {"timed_out", "auto_confirmed", "overdue"} <= counts.keys()
    again = json.loads(run("scheduler", "--once", "--json", db=db, env={"WORKBENCH_NOW": later}).stdout)
    assert again["records"] == 0                                    # not due again for an hour
    assert "records=0" in run("scheduler", "--once", db=db, env={"WORKBENCH_NOW": later}).stdout


# ---- ranking reads the records ---------------------------------------------------------------------

def test_ranking_reads_the_stored_record_stale_until_refreshed(wb, people):
    m, c, _s, _item = people
    m2 = factories.merchant(wb, "m.two")
    good = factories.product(wb, m2, "乙面膜", recommend_index=75)
    bad = factories.product(wb, m, "甲面膜", recommend_index=80)
    oid = factories.shipped_order(wb, m, c, product_name="精华")
    # an upheld problem written past the use cases: the stored record does not know it yet
    with wb.uow() as uow:
        uow.session.add(SampleReport(order_id=oid, creator_id=c.id, merchant_id=m.id, reason="fake", detail="假",
                                     filed_at=uow.now, status="upheld"))
        uow.commit()
    assert live(wb, m.id).sample_problems == 1

    def ranked() -> list[int]:
        return [p.id for p in wb.run(selection.pool_products, c) if p.id in (good.id, bad.id)]

    assert ranked() == [bad.id, good.id]                             # ranked by the stale record
    with wb.uow() as uow:
        assert reputation.refresh_records(uow, [m.id]) == 1
        uow.commit()
    assert ranked() == [good.id, bad.id]
    assert {p.id: p.score for p in wb.run(selection.pool_products, c)}[bad.id] == Decimal("56.0")
    # a merchant without a record ranks as a new merchant
    with wb.uow() as uow:
        uow.session.execute(delete(MerchantRecord).where(MerchantRecord.merchant_id == m.id))
        uow.commit()
    with wb.uow(read_only=True) as uow:
        assert reputation.merchant_factors(uow, [m.id]) == {m.id: NEUTRAL}
    assert ranked() == [bad.id, good.id]


def test_ranking_reads_one_record_query_per_batch_and_no_orders_or_tasks(wb, people):
    _m, c, _s, _item = people
    for i in range(12):
        owner = factories.merchant(wb, f"m.x{i}", bind=False)
        for j in range(3):
            factories.product(wb, owner, f"商品{i}-{j}", recommend_index=10 + i * 3 + j)
    statements: list[str] = []
    listener = lambda *a: statements.append(" ".join(a[2].split()))  # noqa: E731
    event.listen(wb.engine, "before_cursor_execute", listener)
    try:
        rows = wb.run(selection.pool_products, c, selection.PoolQuery(limit=30))
        wb.run(dashboard.load_dashboard, c)
    finally:
        event.remove(wb.engine, "before_cursor_execute", listener)
    assert len(rows) == 30
    ranking = [s for s in statements if "FROM merchant_records" in s]
    assert 2 <= len(ranking) <= 3                     # the pool's one batch, the dashboard's batch or two
    assert not [s for s in statements if "GROUP BY coop_orders.merchant_id" in s or "FROM live_tasks" in s
                and "GROUP BY live_tasks.merchant_id" in s]


def test_ranking_on_a_generated_store_reads_records_by_key_and_no_orders_or_tasks(store):  # noqa: F811
    creator = store.sign_in("gen.creator")

    def work() -> None:
        for pool in ("custom", "hot"):
            store.run(selection.pool_products, creator, selection.PoolQuery(pool=pool, limit=50))
        store.run(dashboard.load_dashboard, creator)

    statements = _captured(store, work)
    ranking = [s for s, _p in statements if "FROM merchant_records" in s]
    # the walk of ix_products_rank a batch (LIMIT) at a time is the ranking's own, not a whole read
    scans = [b for b in _full_scans(store, statements)
             if not b.startswith("SCAN products USING INDEX ix_products_rank")]
    assert ranking and scans == []
    assert not [s for s, _p in statements if "merchant_id" in s and ("FROM coop_orders" in s or "FROM live_tasks" in s)
                and "GROUP BY" in s]
    assert all("WHERE merchant_records.merchant_id IN" in s for s in ranking)    # by primary key
    # the generator ends with every merchant's record, as of its now
    with store.uow(read_only=True) as uow:
        n = uow.session.scalar(select(MerchantRecord.merchant_id).order_by(MerchantRecord.merchant_id.desc()))
        assert n is not None
        ids = list(uow.session.scalars(select(Merchant.user_id)))
        assert reputation.stored_counts(uow, ids) == reputation.merchant_counts(uow, ids)


# ---- the month's income from income slots ----------------------------------------------------------

def _all_users(wb):
    with wb.uow(read_only=True) as uow:
        return [wb.sign_in(h) for h in uow.session.scalars(select(User.handle).order_by(User.id))]


def assert_income_exact(wb, since_list) -> int:
    """Every user's income from the slots equals the sum of the postings, for each `since`; returns how
    many of the figures were above zero (so the check is not vacuous)."""
    above = 0
    people = _all_users(wb)
    with wb.uow(read_only=True) as uow:
        for actor in people:
            for since in since_list:
                fast = dashboard._income_since(uow, actor, since)
                assert fast == dashboard._income_since_postings(uow, actor, since), (actor.handle, since)
                above += fast > 0
    return above


def test_income_slots_follow_each_posting_top_ups_left_out(wb):
    m = factories.merchant(wb, balance="50000")                     # a top-up: not income
    c = factories.creator(wb, quote="1000")
    p = factories.product(wb, m)
    month = datetime.combine(wb.clock.now().astimezone(ZoneInfo(c.zone)).date().replace(day=1), time(),
                             ZoneInfo(c.zone))
    with wb.uow(read_only=True) as uow:
        assert dashboard._income_since(uow, m, month) == 0
    tid = publish(wb, m, c, p, air_in=timedelta(hours=2), hours=2)
    wb.run(tasks.accept_task, c, tasks.TaskRef(task_id=tid))
    wb.clock.advance(hours=2)
    wb.run(tasks.go_live, c, tasks.TaskRef(task_id=tid))
    wb.clock.advance(hours=2)
    wb.run(tasks.end_live, c, tasks.TaskRef(task_id=tid))
    wb.run(tasks.check_task, m, tasks.TaskRef(task_id=tid))         # the creator is paid
    with wb.uow(read_only=True) as uow:
        paid = dashboard._income_since(uow, c, month)
        slots = [(s.amount_cents, s.slot_at.minute % 15) for s in uow.session.scalars(select(IncomeSlot))]
    assert paid == 2 * 100_000 and slots == [(paid, 0)]
    # the clock set back (journal ids do not follow time): a second task paid "earlier" still counts
    wb.clock.advance(days=-1)
    tid = publish(wb, m, c, p, air_in=timedelta(hours=2), hours=1)
    wb.run(tasks.accept_task, c, tasks.TaskRef(task_id=tid))
    wb.clock.advance(hours=2)
    wb.run(tasks.go_live, c, tasks.TaskRef(task_id=tid))
    wb.clock.advance(hours=1)
    wb.run(tasks.end_live, c, tasks.TaskRef(task_id=tid))
    wb.run(tasks.check_task, m, tasks.TaskRef(task_id=tid))
    assert assert_income_exact(wb, [month, month - timedelta(days=40), wb.clock.now() - timedelta(hours=2)]) >= 2
    # a start off the quarter-hours is counted from the postings
    with wb.uow(read_only=True) as uow:
        odd = wb.clock.now() - timedelta(hours=3, minutes=7)
        assert dashboard._income_since(uow, c, odd) == dashboard._income_since_postings(uow, c, odd) > 0


def test_income_slots_match_the_postings_on_the_demo_store(demo):
    month = parse_instant("2026-06-01T00:00:00+08:00")
    assert assert_income_exact(demo, [month, month - timedelta(days=61), parse_instant("2020-01-01T00:00:00+05:45")]) > 3


def test_income_on_a_generated_store_matches_the_postings(store):  # noqa: F811
    month = parse_instant("2026-06-01T00:00:00+08:00")
    assert assert_income_exact(store, [month, month - timedelta(days=30), month - timedelta(days=400)]) > 10


# ---- the migrations --------------------------------------------------------------------------------

def test_the_migrations_fill_records_and_income_slots_on_an_upgraded_store(demo):
    from alembic import command

    from workbench.store.migrate import alembic_config

    with demo.uow(read_only=True) as uow:
        merchants = list(uow.session.scalars(select(Merchant.user_id)))
        assert reputation.stored_counts(uow, merchants) == reputation.merchant_counts(uow, merchants)
        slots = sorted((s.account_id, s.slot_at, s.amount_cents) for s in uow.session.scalars(select(IncomeSlot)))
    command.downgrade(alembic_config(demo.engine), "0010")
    command.upgrade(alembic_config(demo.engine), "head")
    with demo.uow(read_only=True) as uow:
        rows = list(uow.session.scalars(select(MerchantRecord)))
        assert sorted(r.merchant_id for r in rows) == sorted(merchants)
        at = rows[0].computed_at
        # the slots the ledger wrote event by event, rebuilt from the postings
        assert sorted((s.account_id, s.slot_at, s.amount_cents) for s in uow.session.scalars(select(IncomeSlot))) \
            == slots and slots
    # exactly the service's counts as of the moment the migration ran
    with uow_factory(demo.engine, FixedClock(at), demo.rules)(read_only=True) as uow:
        assert reputation.stored_counts(uow, merchants) == reputation.merchant_counts(uow, merchants)
        assert any(c.invitations_due for c in reputation.stored_counts(uow, merchants).values())
