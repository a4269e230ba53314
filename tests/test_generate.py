"""The synthetic store (`workbench generate`): deterministic, every state present, rules and money consistent."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text

from tests.conftest import DEMO_NOW
from workbench.bootstrap import Workbench, bootstrap
from workbench.clock import FixedClock, parse_instant
from workbench.config import Settings
from workbench.domain.ledger import check_balanced
from workbench.domain.orders import OrderStatus, latest_after_auto_confirm, latest_after_schedule
from workbench.domain.tasks import SUBS_OF, timeout_due
from workbench.generate import Sizes, generate
from workbench.services import dashboard, orders, task_views
from workbench.store.models import Account, Base, CoopOrder, Journal, LiveTask, Posting

SIZES = Sizes(orders=400, tasks=400, creators=40, products=300)


def _build(path: Path, seed: int = 11, typed: bool = False) -> Workbench:
    anchor = parse_instant(DEMO_NOW)
    wb = bootstrap(Settings(db_url=f"sqlite:///{path}", lang="zh"), clock=FixedClock(anchor))
    generate(wb, SIZES, seed, anchor, typed=typed)
    return wb


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory):
    wb = _build(tmp_path_factory.mktemp("gen") / "gen.db")
    yield wb
    wb.close()


def _plain(row):
    """A detached copy of a row's columns, readable after the unit of work ends."""
    from types import SimpleNamespace

    return SimpleNamespace(**{c.key: getattr(row, c.key) for c in row.__table__.columns})


def _digest(wb: Workbench) -> str:
    h = hashlib.sha256()
    with wb.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            order = ", ".join(c.name for c in table.primary_key.columns)
            for row in conn.execute(text(f"SELECT * FROM {table.name} ORDER BY {order}")):
                h.update(repr(tuple(row)).encode())
    return h.hexdigest()


def test_same_seed_gives_the_same_rows_and_another_seed_does_not(store, tmp_path):
    again = _build(tmp_path / "again.db")
    other = _build(tmp_path / "other.db", seed=12)
    try:
        assert _digest(again) == _digest(store)
        assert _digest(other) != _digest(store)
    finally:
        again.close()
        other.close()


def test_the_fast_writer_stores_exactly_what_typed_core_inserts_store(store, tmp_path):
    typed = _build(tmp_path / "typed.db", typed=True)
    try:
        assert _digest(typed) == _digest(store)
    finally:
        typed.close()


def test_the_indexes_dropped_for_loading_are_back_as_migrated(store, tmp_path):
    fresh = bootstrap(Settings(db_url=f"sqlite:///{tmp_path / 'fresh.db'}", lang="zh"))
    query = "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name"
    try:
        with fresh.engine.connect() as a, store.engine.connect() as b:
            assert list(a.exec_driver_sql(query)) == list(b.exec_driver_sql(query))
            assert b.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    finally:
        fresh.close()


def test_every_order_state_and_every_task_state_is_present(store):
    with store.uow(read_only=True) as uow:
        order_states = set(uow.session.scalars(select(CoopOrder.status).distinct()))
        task_states = set(uow.session.execute(select(LiveTask.status, LiveTask.sub_status).distinct()))
    assert order_states == {s.value for s in OrderStatus}
    assert task_states == {(s.value, sub.value) for s, subs in SUBS_OF.items() for sub in subs}


def test_order_deadlines_follow_the_rules(store):
    fa, now = store.rules.flow_a, store.clock.now()
    with store.uow(read_only=True) as uow:
        rows = [_plain(o) for o in uow.session.scalars(select(CoopOrder))]
    due = 0
    for o in rows:
        times = [t for t in (o.invited_at, o.paid_at, o.accepted_at, o.shipped_at, o.closed_at) if t]
        assert times == sorted(times) and times[-1] <= now, o.id
        if o.status not in ("invited", "declined"):
            assert o.paid_at is not None
        if o.shipped_at is not None:
            assert o.window_ends_at == o.shipped_at + timedelta(days=fa.schedule_window_days)
            assert o.cap_at == o.paid_at + timedelta(days=fa.delivery_cap_days)
            assert o.sample_tracking
        if o.status in ("scheduled", "confirmed", "delivered", "overdue"):
            if o.live_at is not None:
                assert o.latest_delivery_at == latest_after_schedule(o.live_at, fa.scheduled_grace_hours, o.cap_at)
                assert o.live_at <= o.cap_at and o.live_at.second == 0
            else:
                assert o.status != "scheduled"
                assert o.latest_delivery_at == latest_after_auto_confirm(
                    o.window_ends_at, fa.auto_confirm_delivery_days, o.cap_at)
        if o.status == "confirmed":
            assert o.window_ends_at <= now
        if o.status == "overdue":
            assert o.latest_delivery_at <= o.closed_at <= now
        if o.status == "delivered":
            assert 0 < o.settled_cents <= o.quote_cents and o.closed_at <= o.latest_delivery_at
        if o.status == "closed":
            assert o.closed_at <= o.window_ends_at and o.close_reason and o.return_tracking
        due += (o.status == "sample_shipped" and o.window_ends_at <= now) or (
            o.status in ("scheduled", "confirmed") and o.latest_delivery_at <= now)
    open_deadlines = [o for o in rows if o.status in ("sample_shipped", "scheduled", "confirmed")]
    assert 0 < due < len(open_deadlines) / 2     # some are due, most are still ahead


def test_task_times_follow_the_rules(store):
    fb, now = store.rules.flow_b, store.clock.now()
    with store.uow(read_only=True) as uow:
        rows = [_plain(t) for t in uow.session.scalars(select(LiveTask))]
    for t in rows:
        assert t.created_at <= now and t.air_at > t.created_at and t.air_at.second == 0
        assert t.amount_cents == t.quote_cents * t.hours
        if t.accepted_at is not None:
            assert t.created_at <= t.accepted_at <= timeout_due(t.created_at, fb.acceptance_timeout_hours)
        if t.status == "in_progress":
            assert t.accepted_at is not None and t.closed_at is None
        if t.status in ("completed", "cancelled"):
            assert t.created_at <= t.closed_at <= now
        if t.sub_status == "timed_out":
            assert t.closed_at >= timeout_due(t.created_at, fb.acceptance_timeout_hours)
    pending = [t for t in rows if t.status == "pending"]
    late = [t for t in pending if timeout_due(t.created_at, fb.acceptance_timeout_hours) <= now]
    assert 0 < len(late) < len(pending)


def test_every_journal_balances_and_balances_are_their_postings(store):
    with store.uow(read_only=True) as uow:
        legs: dict[int, list[int]] = defaultdict(list)
        per_account: dict[int, int] = defaultdict(int)
        for jid, acc, cents in uow.session.execute(select(Posting.journal_id, Posting.account_id, Posting.amount_cents)):
            legs[jid].append(cents)
            per_account[acc] += cents
        journals = set(uow.session.scalars(select(Journal.id)))
        accounts = list(uow.session.execute(select(Account.id, Account.kind, Account.balance_cents)))
        held = defaultdict(int)
        for m, q in uow.session.execute(select(CoopOrder.merchant_id, CoopOrder.quote_cents).where(
                CoopOrder.status.in_(["paid", "accepted", "sample_shipped", "scheduled", "confirmed"]))):
            held[m] += q
        for m, a in uow.session.execute(select(LiveTask.merchant_id, LiveTask.amount_cents).where(
                LiveTask.status.in_(["pending", "in_progress", "disputed"]))):
            held[m] += a
        frozen = {o: b for o, b in uow.session.execute(select(Account.owner_id, Account.balance_cents).where(
            Account.kind == "frozen"))}
    assert journals == set(legs)
    for amounts in legs.values():
        check_balanced(amounts)
    for acc, kind, balance in accounts:
        assert balance == per_account.get(acc, 0), acc
        assert kind == "external" or balance >= 0
    assert {m: v for m, v in frozen.items() if v} == dict(held)


def test_the_app_works_for_the_generated_users(store):
    for handle in ("gen.merchant", "gen.creator", "gen.agency", "gen.support"):
        actor = store.sign_in(handle)
        view = store.run(dashboard.load_dashboard, actor)
        assert view.todo and view.figures
    merchant = store.sign_in("gen.merchant")
    mine = store.run(orders.list_orders, merchant)
    assert len(mine) == orders.PAGE and all(r.merchant for r in mine)
    assert store.run(task_views.list_tasks, store.sign_in("gen.creator"))
    figures = {f.key: f.value for f in store.run(dashboard.load_dashboard, merchant).figures}
    assert figures["frozen"] != "¥0.00"


def test_the_tick_applies_what_fell_due_and_the_ledger_still_balances(store, tmp_path):
    import shutil

    from workbench.services.base import SYSTEM
    from workbench.services.transitions import apply_due
    from workbench.store.engine import checkpoint

    checkpoint(store.engine)
    copy = tmp_path / "tick.db"
    shutil.copy(store.engine.url.database, copy)
    wb = bootstrap(Settings(db_url=f"sqlite:///{copy}", lang="zh"), clock=FixedClock(store.clock.now()))
    try:
        counts = wb.run(apply_due, SYSTEM)
        assert counts["timed_out"] and counts["auto_confirmed"] and counts["overdue"]
        assert wb.run(apply_due, SYSTEM) == {"timed_out": 0, "auto_confirmed": 0, "overdue": 0}
    finally:
        wb.close()


# ---- the command ---------------------------------------------------------------------------------

def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    from workbench.cli import main

    code = main(["generate", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def _refused(result: tuple[int, str, str], option: str) -> None:
    code, _out, err = result
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and option in lines[0], err


def test_the_command_builds_a_store_and_refuses_to_overwrite_it(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("WORKBENCH_NOW", DEMO_NOW)
    db = tmp_path / "gen.db"
    small = ("--db", str(db), "--orders", "30", "--tasks", "30", "--creators", "5", "--products", "20", "--seed", "3")
    code, out, err = _cli(capsys, *small)
    assert code == 0, err
    assert "coop_orders 30" in out and "total" in out and db.exists()
    _refused(_cli(capsys, *small), "--force")
    code, out, err = _cli(capsys, *small, "--force")
    assert code == 0, err


def test_generated_rows_keep_their_foreign_keys(store):
    with store.engine.connect() as conn:
        assert list(conn.exec_driver_sql("PRAGMA foreign_key_check")) == []


@pytest.mark.parametrize(("option", "value"), [("--orders", "-5"), ("--tasks", "many"), ("--creators", "0"),
                                               ("--seed", "x"), ("--merchants", "1.5"), ("--now", "tomorrow")])
def test_bad_options_are_refused_naming_the_option(tmp_path, capsys, option, value):
    _refused(_cli(capsys, "--db", str(tmp_path / "x.db"), option, value), option)
    assert not (tmp_path / "x.db").exists()
