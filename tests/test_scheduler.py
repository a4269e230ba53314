"""Reminders and the scheduler: each reminder once, the nearest one after downtime, one firing
process at a time, and the daemon's clean shutdown."""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.conftest import DEMO_NOW, open_store, open_url
from workbench.scheduler import Firing
from workbench.services import notifications, reminders, selection
from workbench.store.models import Reminder

pytestmark = pytest.mark.both_backends


def shipped_order(wb):
    m = factories.merchant(wb, balance="5000")
    c = factories.creator(wb, "c.rem")
    return m, c, factories.shipped_order(wb, m, c)


def reminder_texts(wb, who) -> list[str]:
    return [n.text for n in wb.run(notifications.list_notifications, who) if n.kind.startswith("reminder_")]


def test_each_lead_time_fires_once_before_the_schedule_window_closes(wb):
    _m, c, oid = shipped_order(wb)
    firing = Firing(wb, holder="test")
    assert firing.run_once()["reminders"] == 0
    wb.clock.advance(days=4)                      # 24 h before the window closes
    assert firing.run_once()["reminders"] == 1
    assert firing.run_once()["reminders"] == 0    # never twice
    wb.clock.advance(hours=22)                    # 2 h before
    assert firing.run_once()["reminders"] == 1
    texts = reminder_texts(wb, c)
    assert len(texts) == 2 and all(f"#{oid}" in t for t in texts) and "迟发" not in texts[0]
    wb.clock.advance(hours=2)                     # the window closes: the transition, no reminder
    counts = firing.run_once()
    assert counts["auto_confirmed"] == 1 and counts["reminders"] == 0


def test_after_downtime_only_the_nearest_reminder_is_sent_marked_late(wb):
    _m, c, _oid = shipped_order(wb)
    wb.clock.advance(days=4, hours=23)            # nothing ran through both lead times
    counts = Firing(wb, holder="test").run_once()
    assert counts["reminders"] == 1 and counts["late_reminders"] == 1
    [text] = reminder_texts(wb, c)
    assert "2 小时" in text and "迟发 60 分钟" in text


def test_the_next_due_moment_is_known(wb):
    shipped_order(wb)
    assert wb.run(reminders.next_due_at) == wb.clock.now() + timedelta(days=4)


def test_one_lease_holder_at_a_time_and_takeover_after_expiry(wb):
    assert wb.run(reminders.take_lease, "a", 30)
    assert not wb.run(reminders.take_lease, "b", 30)
    assert wb.run(reminders.take_lease, "a", 30)      # renewal
    wb.clock.advance(seconds=31)
    assert wb.run(reminders.take_lease, "b", 30)      # a died: b takes over
    assert Firing(wb, holder="a").run_once() == {"leader": 0}


def _fire_in_process(url: str, holder: str, barrier, out) -> None:
    wb = open_url(url, at="2026-06-05T11:00:00+08:00")
    barrier.wait()
    total = 0
    for _ in range(5):
        counts = Firing(wb, holder=holder, lease_seconds=1).run_once()
        total += counts.get("reminders", 0)
        wb.clock.advance(seconds=2)   # leases expire, so the processes take turns
    out.put(total)
    wb.close()


def test_three_processes_on_one_store_send_each_reminder_once(wb):
    for i in range(3):
        m = factories.merchant(wb, f"m.r{i}", balance="5000")
        c = factories.creator(wb, f"c.r{i}")
        factories.shipped_order(wb, m, c, tracking=f"SF{i}")
    ctx = mp.get_context("spawn")
    barrier, out = ctx.Barrier(3), ctx.Queue()
    procs = [ctx.Process(target=_fire_in_process, args=(wb.settings.db_url, f"p{i}", barrier, out))
             for i in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    sent = sum(out.get(timeout=5) for _ in procs)
    with wb.uow() as uow:
        rows = uow.session.scalar(select(func.count()).select_from(Reminder))
    assert sent == rows == 3     # one 24-hour reminder per order, whoever held the lease


def test_the_cli_once_mode_catches_up_and_a_second_run_sends_nothing(tmp_path):
    from tests.test_flow_a_cli import at
    from tests.test_cli import run

    db = tmp_path / "demo.db"
    assert run("demo", db=db).returncode == 0
    first = at("2026-06-03T10:30:00+08:00", "scheduler", "--once", db=db)
    again = at("2026-06-03T10:31:00+08:00", "scheduler", "--once", db=db)
    assert first["leader"] == 1 and first["reminders"] >= 1
    assert again["reminders"] == 0


def test_the_daemon_stops_cleanly_on_sigterm(tmp_path):
    from tests.test_cli import run

    db = tmp_path / "demo.db"
    assert run("demo", db=db).returncode == 0
    env = {**os.environ, "WORKBENCH_DB": str(db), "WORKBENCH_NOW": DEMO_NOW}
    proc = subprocess.Popen([sys.executable, "-m", "workbench", "scheduler", "--holder", "daemon"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    try:
        deadline = time.monotonic() + 30
        while "scheduler started" not in proc.stdout.readline():
            assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(1.0)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
        assert "scheduler stopped" in proc.stdout.read()
    finally:
        if proc.poll() is None:
            proc.kill()
    wb = open_store(db)
    try:   # the lease was released: another holder gets it at once
        assert wb.run(reminders.take_lease, "next", 30)
    finally:
        wb.close()


async def test_a_running_tui_fires_reminders_without_blocking(demo_path):
    from screens.app import WorkbenchApp
    from tests.tui_helpers import settle

    wb = open_store(demo_path, at="2026-06-03T10:30:00+08:00")
    try:
        creator = wb.sign_in("c.dingdang")
        app = WorkbenchApp(wb, creator, scheduler=True)
        async with app.run_test(size=(120, 40)) as pilot:
            for _ in range(40):
                await settle(pilot)
                if reminder_texts(wb, creator):
                    break
                await pilot.pause(0.1)
            texts = reminder_texts(wb, creator)
            assert len(texts) == 1 and "须在 2026-06-04 10:00 前排期" in texts[0]
            assert next(t.count for t in app.screen.view.todo if t.key == "notifications") >= 1
    finally:
        wb.close()


def test_support_staff_hear_of_a_stock_plan_still_unreviewed_a_day_before_its_live(wb):
    from workbench.services import stock

    c = factories.creator(wb, "c.plan")
    s1, s2 = factories.support(wb, "s.one"), factories.support(wb, "s.two")
    m = factories.merchant(wb)
    p = factories.product(wb, m)
    wb.run(selection.submit_to_pool, m, selection.SubmitToPool.parse(
        product_id=p.id, creator_id=c.id, daily_price="99", live_price="79", commission_rate="20%"))
    from tests.test_orders import local
    wb.run(stock.submit_plan, c, stock.SubmitPlan(live_at=local(wb, days=3), product_ids=[p.id]))
    firing = Firing(wb, holder="test")
    assert firing.run_once()["reminders"] == 0
    wb.clock.advance(days=2, minutes=1)
    assert firing.run_once()["reminders"] == 2          # one for each support staff member
    assert firing.run_once()["reminders"] == 0
    assert reminder_texts(wb, s1) and reminder_texts(wb, s2)
