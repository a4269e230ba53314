"""Kill -9 at random moments: four processes run a stream of mixed operations on one store (top-ups,
tasks published, accepted, aired, checked and cancelled, orders invited, paid, accepted and
shipped, the scheduler firing) while the test kills one of them with SIGKILL now and then and
starts it again. Afterwards the store is undamaged, the ledger balances, no operation is
half-applied and every reminder went out once.

The bounded run (make test) does 1,000 operations; under make soak (WORKBENCH_SOAK=N) N, 10,000 by default.
"""

from __future__ import annotations

import os
import random
import signal
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select

from tests.conftest import DEMO_NOW
from workbench.clock import parse_instant
from tests.test_backup import ledger_problems

pytestmark = pytest.mark.both_backends

SOAK = bool(os.environ.get("WORKBENCH_SOAK"))
# `make soak SOAK=N` sets WORKBENCH_SOAK=N: that many operations on SQLite (a fifth on PostgreSQL).
SOAK_OPS = int(os.environ["WORKBENCH_SOAK"]) if os.environ.get("WORKBENCH_SOAK", "").isdigit() else 10_000
ROOT = Path(__file__).resolve().parents[1]
SPEED = 36000         # store time runs 10 hours a second, so deadlines fall due during the run
WORKERS = 4


# ---- the worker: one process, one stream of operations ---------------------------------------

class SharedClock:
    """Store time shared by every worker, restarted or not: the anchor plus wall time × speed."""

    def __init__(self, anchor, t0: float, speed: float) -> None:
        self.anchor, self.t0, self.speed = anchor, t0, speed

    def now(self):
        return self.anchor + timedelta(seconds=(time.time() - self.t0) * self.speed)


def worker(url: str, wid: int, seed: int, t0: float, log_path: str) -> None:
    """Run operations until killed; append one line per finished operation to `log_path`."""
    from workbench.bootstrap import bootstrap
    from workbench.config import Settings
    from workbench.domain.errors import DomainError
    from workbench.domain.roles import Role
    from workbench.scheduler import Firing
    from workbench.services import funds, orders, selection, tasks, transitions, users
    from workbench.services.base import SYSTEM
    from workbench.services.task_views import TaskQuery, list_tasks

    rng = random.Random(seed)
    clock = SharedClock(parse_instant(DEMO_NOW), t0, SPEED)
    wb = bootstrap(Settings(db_url=url, lang="zh"), clock=clock, migrate=False)
    people = [wb.sign_in(u.handle) for u in wb.run(users.list_users, None) if u.verified or u.role is Role.CREATOR]
    merchants = [p for p in people if p.role is Role.MERCHANT]
    creators = [p for p in people if p.role is Role.CREATOR]
    staff = [p for p in people if p.role is Role.SUPPORT]
    firing = Firing(wb, holder=f"worker-{wid}", lease_seconds=60)
    log = open(log_path, "a", encoding="utf-8")  # noqa: SIM115 (kept open until the process dies)

    def local(minutes_ahead: int) -> str:
        from zoneinfo import ZoneInfo

        at = (clock.now() + timedelta(minutes=minutes_ahead)).astimezone(ZoneInfo("Asia/Shanghai"))
        return at.strftime("%Y-%m-%d %H:%M")

    def task_of(actor, status: str | None = None):
        rows = wb.run(list_tasks, actor, TaskQuery(status=status, limit=50))
        return rng.choice(rows) if rows else None

    def order_of(actor, status: str):
        rows = wb.run(orders.list_orders, actor, orders.OrderQuery(status=status, limit=50))
        return rng.choice(rows) if rows else None

    def op_top_up():
        m = rng.choice(merchants)
        wb.run(funds.top_up, m, funds.TopUpCmd.parse(amount=f"{rng.randint(1, 2000)}.{rng.randint(0, 99):02d}",
                                                     reference=f"crash-{wid}-{seed}"))

    def op_publish():
        m, c = rng.choice(merchants), rng.choice(creators)
        from workbench.services.products import my_products

        mine = wb.run(my_products, m)
        if not mine:
            raise DomainError("no products")
        wb.run(tasks.publish_task, m, tasks.PublishTask.parse(
            creator_id=c.id, contact_name="王敏", contact_phone="13800001234", air_at=local(rng.randint(600, 4000)),
            hours=rng.randint(1, 3), product_ids=[rng.choice(mine).id], kind=rng.choice(["dedicated", "shared"])))

    def op_task_step():
        c = rng.choice(creators)
        t = task_of(c, rng.choice(["pending", "in_progress"]))
        if t is None:
            raise DomainError("nothing to do")
        if t.status == "pending":
            fn = rng.choice([tasks.accept_task, tasks.accept_task, tasks.accept_task, tasks.reject_task])
            cmd = (tasks.Reasoned(task_id=t.id, reason="档期已满") if fn is tasks.reject_task
                   else tasks.TaskRef(task_id=t.id))
            wb.run(fn, c, cmd)
        elif t.sub_status == "waiting_air":
            wb.run(tasks.go_live, c, tasks.TaskRef(task_id=t.id))
        elif t.sub_status == "live":
            wb.run(tasks.end_live, c, tasks.TaskRef(task_id=t.id))
        else:
            for m in merchants:   # the task's merchant passes the check; the others are told "not found"
                try:
                    wb.run(tasks.check_task, m, tasks.TaskRef(task_id=t.id))
                    return
                except DomainError:
                    continue
            raise DomainError("not checked")

    def op_cancel():
        who = rng.choice(merchants + creators)
        t = task_of(who, rng.choice(["pending", "in_progress"]))
        if t is None:
            raise DomainError("nothing to cancel")
        wb.run(tasks.cancel_task, who, tasks.CancelTask(task_id=t.id, reason="计划有变"))

    def op_order():
        c = rng.choice(creators)
        step = rng.random()
        if step < 0.3:
            pool = wb.run(selection.exclusive_pool, c)
            if not pool:
                raise DomainError("empty pool")
            wb.run(orders.invite, c, orders.Invite(item_ids=[rng.choice(pool).id]))
            return
        m = rng.choice(merchants)
        if step < 0.6:
            o = order_of(m, "invited")
            if o is None:
                raise DomainError("nothing to pay")
            wb.run(orders.pay, m, orders.OrderRef(order_id=o.id))
        elif step < 0.8:
            o = order_of(c, "paid")
            if o is None:
                raise DomainError("nothing to accept")
            wb.run(orders.accept, c, orders.OrderRef(order_id=o.id))
        else:
            o = order_of(m, "accepted")
            if o is None:
                raise DomainError("nothing to ship")
            wb.run(orders.ship_sample, m, orders.ShipSample(order_id=o.id, tracking=f"SF{rng.randint(10**9, 10**10)}"))

    def op_fire():
        firing.run_once()

    def op_tick():
        wb.run(transitions.apply_due, SYSTEM)

    def op_decide():
        pending = wb.run(funds.fund_account, staff[0]).pending_reviews
        if not pending:
            m = rng.choice(merchants)
            wb.run(funds.top_up, m, funds.TopUpCmd.parse(amount="88", method="bank", reference=f"bank-{wid}"))
            return
        wb.run(funds.decide_top_up, rng.choice(staff), funds.DecideTopUp.parse(
            top_up_id=pending[0].id, approve=rng.random() < 0.7))

    ops = [(op_top_up, 3), (op_publish, 4), (op_task_step, 5), (op_cancel, 1), (op_order, 4),
           (op_fire, 2), (op_tick, 1), (op_decide, 1)]
    names = [f.__name__[3:] for f, _w in ops]
    weights = [w for _f, w in ops]
    n = 0
    while True:
        i = rng.choices(range(len(ops)), weights)[0]
        n += 1
        began = time.monotonic()
        try:
            ops[i][0]()
            outcome = "ok"
        except DomainError:
            outcome = "refused"
        except Exception as exc:  # noqa: BLE001 - the test counts and shows these
            outcome = "error " + " ".join(repr(exc).split())[:300]
        log.write(f"{names[i]} {time.monotonic() - began:.3f} {outcome}\n")
        log.flush()


# ---- the parent: start, kill, restart, count ----------------------------------------------------

PRELOAD = ["tests.test_crash", "workbench.bootstrap", "workbench.scheduler", "workbench.services.funds",
           "workbench.services.orders", "workbench.services.tasks", "workbench.services.task_views",
           "workbench.services.selection", "workbench.services.transitions", "workbench.services.users",
           "workbench.services.products", "sqlalchemy.dialects.sqlite"]


def _forkserver():
    """Workers are forked from a server process that imported Workbench once (and never opened a
    store), so a restart after a kill takes milliseconds, not an interpreter start-up."""
    import multiprocessing as mp

    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)
    return ctx


def _start(ctx, url: str, wid: int, seed: int, t0: float, log: Path):
    proc = ctx.Process(target=worker, args=(url, wid, seed, t0, str(log)), daemon=True)
    proc.start()
    return proc


def _done(logs: list[Path]) -> list[str]:
    lines = []
    for log in logs:
        if log.exists():
            lines += [line for line in log.read_text(encoding="utf-8").splitlines() if line.strip()]
    return lines


def _check_store(url: str, final_now) -> dict[str, int]:
    """The invariants after the crashes, then one catch-up firing: nothing lost, nothing doubled."""
    from workbench.bootstrap import bootstrap
    from workbench.clock import FixedClock
    from workbench.config import Settings
    from workbench.scheduler import Firing
    from workbench.services import reminders
    from workbench.store.models import AuditEntry, Notification, Reminder, TopUp

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "sqlite":
                assert conn.exec_driver_sql("PRAGMA integrity_check").fetchall() == [("ok",)]
            assert ledger_problems(lambda sql: conn.exec_driver_sql(sql).fetchall()) == []
    finally:
        engine.dispose()

    wb = bootstrap(Settings(db_url=url, lang="zh"), clock=FixedClock(final_now))
    try:
        # the lease of a killed worker runs out; then one catch-up sends what is due
        wb.clock.advance(minutes=2)
        assert Firing(wb, holder="after-the-crashes").run_once()["leader"] == 1
        with wb.uow(read_only=True) as uow:
            s = uow.session
            rows = list(s.scalars(select(Reminder)))
            keys = Counter((r.kind, r.ref_type, r.ref_id, r.user_id, r.fire_at) for r in rows)
            assert max(keys.values(), default=1) == 1, "a reminder was sent twice"
            notes = Counter((n.kind.removeprefix("reminder_"), n.ref_id, n.user_id) for n in s.scalars(
                select(Notification).where(Notification.kind.like("reminder_%"))))
            sent = Counter((r.kind, r.ref_id, r.user_id) for r in rows)
            assert notes == sent, "a reminder without its notification, or the other way round"
            # every deadline still ahead whose reminder time has come has its reminder
            lead_times = reminders.leads(wb.rules)
            reminded = {(r.kind, r.ref_type, r.ref_id, r.user_id) for r in rows}
            lost = [d for d in reminders.open_deadlines(uow, uow.now + timedelta(hours=100))
                    if d.at > uow.now and any(d.at - timedelta(hours=h) <= uow.now for h in lead_times[d.kind])
                    and (d.kind, d.ref_type, d.ref_id, d.user_id) not in reminded]
            assert lost == [], f"reminders lost: {lost[:5]}"
            top_ups = s.scalar(select(func_count()).select_from(TopUp))
            audited = s.scalar(select(func_count()).select_from(AuditEntry).where(AuditEntry.action == "funds.top_up"))
            assert top_ups == audited, "a top-up without its audit row"
            return {"reminders": len(rows), "top_ups": top_ups}
    finally:
        wb.close()


def func_count():
    from sqlalchemy import func

    return func.count()


def test_kill_minus_nine_at_random_moments_loses_and_half_applies_nothing(backend, demo, tmp_path):
    url = demo.settings.db_url
    demo.close()
    if backend == "sqlite":
        target = max(SOAK_OPS, 1_000) if SOAK else 1_000
    else:
        target = max(SOAK_OPS // 5, 300) if SOAK else 300
    budget = max(900, target // 2) if SOAK else 150   # a ceiling for a loaded machine; usually 5-35 s
    rng = random.Random(20260601)
    t0 = time.time()
    logs = [tmp_path / f"worker{w}.log" for w in range(WORKERS)]
    ctx = _forkserver()
    procs = {w: _start(ctx, url, w, rng.randrange(10**9), t0, logs[w]) for w in range(WORKERS)}
    # Each life of a worker ends with SIGKILL after a random number of operations (3 to 30), at a
    # random instant inside the one it is running then.
    life = {w: (0, rng.randint(3, 30)) for w in range(WORKERS)}
    kills = 0
    started = time.monotonic()
    try:
        while sum(counts := [len(_done([log])) for log in logs]) < target:
            assert time.monotonic() - started < budget, f"only {sum(counts)} operations in {budget} s"
            time.sleep(0.03)
            for w in range(WORKERS):
                if procs[w].exitcode is not None:
                    raise AssertionError(f"worker {w} died by itself (exit code {procs[w].exitcode}); see stderr")
                if counts[w] - life[w][0] < life[w][1]:
                    continue
                time.sleep(rng.uniform(0, 0.01))
                procs[w].kill()    # SIGKILL
                procs[w].join()
                assert procs[w].exitcode == -signal.SIGKILL
                kills += 1
                procs[w] = _start(ctx, url, w, rng.randrange(10**9), t0, logs[w])
                life[w] = (len(_done([logs[w]])), rng.randint(3, 30))
    finally:
        for p in procs.values():       # the end is a crash too
            p.kill()
            p.join()
    elapsed = time.monotonic() - started
    final_now = SharedClock(parse_instant(DEMO_NOW), t0, SPEED).now()
    lines = _done(logs)
    by_op = Counter(f"{line.split()[0]} {line.split()[2]}" for line in lines)
    errors = [line for line in lines if " error " in line]
    figures = _check_store(url, final_now)
    print(f"\ncrash run on {backend}: {len(lines)} operations by {WORKERS} processes in {elapsed:.1f} s, "
          f"{kills} SIGKILLs survived, store time {(final_now - parse_instant(DEMO_NOW)) / timedelta(hours=1):.0f} h; "
          f"{figures['reminders']} reminders, {figures['top_ups']} top-ups; " + ", ".join(
              f"{k}={v}" for k, v in sorted(by_op.items())))
    assert errors == [], f"{len(errors)} operations failed with an unexpected error: {errors[:5]}"
    assert kills >= (25 if backend == "sqlite" else 8)
    for op in ("top_up", "publish", "task_step", "order"):
        assert by_op[f"{op} ok"] > 0, f"no {op} succeeded: the stream does not exercise it"
