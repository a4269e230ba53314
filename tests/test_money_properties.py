"""Random sequences of money-moving actions keep the ledger sound after every step.

Invariants: every journal balances; no owned account is negative; cached balances equal their
postings; all money in the system equals what came in from outside; and a merchant's frozen
balance is exactly the sum of their open tasks, so frozen money is released once and only once.
"""

from __future__ import annotations

import shutil
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from sqlalchemy import func, select

from tests import factories
from tests.conftest import DEMO_NOW, open_store
from workbench.domain.errors import DomainError
from workbench.services import disputes, funds, tasks, transitions
from workbench.services.base import SYSTEM
from workbench.store.engine import checkpoint
from workbench.store.models import Account, LiveTask, Posting

_TEMPLATE: Path | None = None


def _template() -> Path:
    """A migrated store with two merchants, two creators, products and support, built once."""
    global _TEMPLATE
    if _TEMPLATE is None:
        path = Path(tempfile.mkdtemp()) / "template.db"
        wb = open_store(path)
        for h in ("m.a", "m.b"):
            m = factories.merchant(wb, h)
            factories.product(wb, m)
        factories.creator(wb, "c.a", quote="300")
        factories.creator(wb, "c.b", quote="1250.50")
        factories.support(wb, "s.a")
        checkpoint(wb.engine)
        wb.close()
        _TEMPLATE = path
    return _TEMPLATE


class Ledger(RuleBasedStateMachine):
    @initialize()
    def open(self):
        self.wb = self._open_store()
        self.m = {h: self.wb.sign_in(h) for h in ("m.a", "m.b")}
        self.c = {h: self.wb.sign_in(h) for h in ("c.a", "c.b")}
        self.s = self.wb.sign_in("s.a")
        from workbench.services.products import my_products
        self.p = {h: self.wb.run(my_products, a)[0].id for h, a in self.m.items()}
        self.task_ids: list[int] = []

    def _open_store(self):
        self.dir = Path(tempfile.mkdtemp())
        shutil.copy(_template(), self.dir / "s.db")
        return open_store(self.dir / "s.db", at=DEMO_NOW)

    def teardown(self):
        if hasattr(self, "wb"):
            self.wb.close()
            shutil.rmtree(self.dir, ignore_errors=True)

    def _try(self, fn, *args):
        try:
            return self.wb.run(fn, *args)
        except DomainError:
            return None

    @rule(who=st.sampled_from(["m.a", "m.b"]), yuan=st.integers(1, 20_000), fen=st.integers(0, 99),
          bank=st.booleans())
    def top_up(self, who, yuan, fen, bank):
        view = self._try(funds.top_up, self.m[who], funds.TopUpCmd.parse(
            amount=f"{yuan}.{fen:02d}", method="bank" if bank else "online"))
        if view and bank:
            self._try(funds.decide_top_up, self.s, funds.DecideTopUp(top_up_id=view.id, approve=True))

    @rule(who=st.sampled_from(["m.a", "m.b"]), creator=st.sampled_from(["c.a", "c.b"]),
          hours=st.integers(1, 6), air_in_hours=st.integers(1, 200))
    def publish(self, who, creator, hours, air_in_hours):
        from zoneinfo import ZoneInfo
        air = (self.wb.clock.now() + timedelta(hours=air_in_hours)).astimezone(ZoneInfo("Asia/Shanghai"))
        cmd = tasks.PublishTask.parse(
            creator_id=self.c[creator].id, contact_name="王敏", contact_phone="13800001234",
            air_at=air.strftime("%Y-%m-%d %H:%M"), hours=hours, product_ids=[self.p[who]])
        tid = self._try(tasks.publish_task, self.m[who], cmd)
        if tid:
            self.task_ids.append(tid)

    @rule(data=st.data(), action=st.sampled_from(["accept", "reject", "go_live", "end_live", "check",
                                                   "merchant_cancel", "creator_cancel"]))
    def act(self, data, action):
        if not self.task_ids:
            return
        tid = data.draw(st.sampled_from(self.task_ids))
        with self.wb.uow() as uow:
            task = uow.session.get(LiveTask, tid)
            merchant, creator = task.merchant_id, task.creator_id
        m = next(a for a in self.m.values() if a.id == merchant)
        c = next(a for a in self.c.values() if a.id == creator)
        ref = tasks.TaskRef(task_id=tid)
        if action == "accept":
            self._try(tasks.accept_task, c, ref)
        elif action == "reject":
            self._try(tasks.reject_task, c, tasks.Reasoned(task_id=tid, reason="x"))
        elif action in ("go_live", "end_live"):
            self._try(getattr(tasks, action), c, ref)
        elif action == "check":
            self._try(tasks.check_task, m, ref)
        elif action == "merchant_cancel":
            self._try(tasks.cancel_task, m, tasks.CancelTask(task_id=tid, reason="x"))
        else:
            self._try(tasks.cancel_task, c, tasks.CancelTask(task_id=tid, reason="x"))

    @rule(hours=st.integers(1, 100))
    def time_passes(self, hours):
        self.wb.clock.advance(hours=hours)
        self.wb.run(transitions.apply_due, SYSTEM)

    @rule(data=st.data())
    def rule_dispute(self, data):
        queue = self.wb.run(disputes.list_disputes, self.s)
        if not queue:
            return
        d = data.draw(st.sampled_from(queue))
        cents = data.draw(st.integers(0, d.amount_cents + 100))
        self._try(disputes.rule_dispute, self.s, disputes.RuleDispute(
            dispute_id=d.id, compensation=f"{cents // 100}.{cents % 100:02d}", reason="ruling"))

    @invariant()
    def ledger_is_sound(self):
        if not hasattr(self, "wb"):
            return
        with self.wb.uow(read_only=True) as uow:
            s = uow.session
            unbalanced = s.scalar(select(func.count()).select_from(
                select(Posting.journal_id).group_by(Posting.journal_id)
                .having(func.sum(Posting.amount_cents) != 0).subquery()))
            assert unbalanced == 0
            accounts = list(s.scalars(select(Account)))
            sums = {aid: total for aid, total in s.execute(
                select(Posting.account_id, func.sum(Posting.amount_cents)).group_by(Posting.account_id))}
            for acc in accounts:
                assert acc.kind == "external" or acc.balance_cents >= 0
                assert sums.get(acc.id, 0) == acc.balance_cents
            assert sum(a.balance_cents for a in accounts) == 0  # inside money == -(outside)
            for m in self.m.values():
                frozen = next((a.balance_cents for a in accounts if a.owner_id == m.id and a.kind == "frozen"), 0)
                open_tasks = s.scalar(select(func.coalesce(func.sum(LiveTask.amount_cents), 0)).where(
                    LiveTask.merchant_id == m.id,
                    LiveTask.status.in_(["pending", "in_progress", "disputed"])))
                assert frozen == open_tasks


Ledger.TestCase.settings = settings(max_examples=25, stateful_step_count=30, deadline=None,
                                    suppress_health_check=[HealthCheck.too_slow])
TestLedger = Ledger.TestCase


def test_the_ledger_stays_sound_on_postgresql(request):
    """The same machine on PostgreSQL, with fewer examples (each gets a database of its own)."""
    import os

    from hypothesis.stateful import run_state_machine_as_test

    from workbench.bootstrap import bootstrap
    from workbench.clock import FixedClock, parse_instant
    from workbench.config import Settings

    if "postgresql" not in os.environ.get("WORKBENCH_TEST_BACKENDS", "postgresql"):
        pytest.skip("WORKBENCH_TEST_BACKENDS leaves PostgreSQL out")
    pg_server, pg_template = request.getfixturevalue("pg_server"), request.getfixturevalue("pg_template")

    def open_pg(name: str):
        return bootstrap(Settings(db_url=pg_server.url(name), lang="zh"),
                         clock=FixedClock(parse_instant(DEMO_NOW)), migrate=False)

    template = pg_server.new_database(template=pg_template)
    wb = open_pg(template)
    for h in ("m.a", "m.b"):
        factories.product(wb, factories.merchant(wb, h))
    factories.creator(wb, "c.a", quote="300")
    factories.creator(wb, "c.b", quote="1250.50")
    factories.support(wb, "s.a")
    wb.close()

    class LedgerOnPostgreSQL(Ledger):
        def _open_store(self):
            self.db = pg_server.new_database(template=template)
            return open_pg(self.db)

        def teardown(self):
            if hasattr(self, "wb"):
                self.wb.close()
                pg_server.drop_database(self.db)

    run_state_machine_as_test(LedgerOnPostgreSQL, settings=settings(
        max_examples=8, stateful_step_count=30, deadline=None, suppress_health_check=[HealthCheck.too_slow]))
