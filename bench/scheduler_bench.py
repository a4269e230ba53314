"""The scheduler at a million open deadlines.

    python -m bench.scheduler_bench [--open 1000000] [--naive 100000] [--idle 60]

1. A store with N open orders and tasks whose deadlines lie ahead (bulk-inserted; the parents
   through the services). Finding what is due (the sweep's queries, `next_due_at`, the due
   transitions) is timed in process: target < 5 ms.
2. The `workbench scheduler` daemon on that store, at rest: CPU share over `--idle` seconds
   (target < 1% of a core) and its peak RSS (target < 100 MB).
3. 1,000 reminders falling due in the same minute, delivered by the running daemon: the delay from
   each reminder's due moment to its notification being visible in the store (target p99 < 1 s).
4. Against the naive design, one APScheduler date job per deadline in an SQLAlchemyJobStore, at
   `--naive` deadlines: start-up time and memory of both, in separate processes, and the ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.common import cpu_seconds, rss_mb, summary, table, timed, write

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


# ---- building the store --------------------------------------------------------------------------

def build_store(path: Path, n_open: int, now: datetime, seed: int = 7) -> dict[str, int]:
    """`n_open` open orders and tasks, every deadline at least a day ahead (so the daemon is at rest),
    and the sweep's mark at `now` (as if a scheduler had been running)."""
    from sqlalchemy import insert

    from workbench.bootstrap import bootstrap
    from workbench.clock import FixedClock
    from workbench.config import Settings
    from workbench.services import users
    from workbench.services.base import SYSTEM
    from workbench.store.engine import checkpoint
    from workbench.store.models import CoopOrder, LiveTask, SweepMark

    rng = random.Random(seed)
    wb = bootstrap(Settings(db_url=f"sqlite:///{path}", lang="zh"), clock=FixedClock(now))
    merchants, creators = [], []
    for i in range(50):
        wb.run(users.register, SYSTEM, users.RegisterMerchant.parse(
            handle=f"bm{i}", name=f"商家{i}", company=f"商家{i}有限公司", contact_name="王敏",
            contact_phone="13800001234", service_fee_rate="0.20", verified=True,
            stores=[{"name": f"店铺{i}", "platform": "taobao", "standing": "normal"}]))
        merchants.append(wb.sign_in(f"bm{i}").id)
    for i in range(200):
        wb.run(users.register, SYSTEM, users.RegisterCreator.parse(
            handle=f"bc{i}", name=f"主播{i}", nickname=f"主播{i}", level_v=3, level_l=4, fans=10_000,
            avg_viewers=1_000, quote="1000", resting=False, categories=["美妆"], verified=True))
        creators.append(wb.sign_in(f"bc{i}").id)
    day = timedelta(days=1)
    n_window, n_latest = n_open // 4, n_open * 35 // 100
    n_air = n_open - n_window - n_latest

    def spread(lo: timedelta, hi: timedelta) -> datetime:
        return now + lo + (hi - lo) * rng.random()

    def orders(count: int, status: str):
        for _ in range(count):
            base = dict(merchant_id=rng.choice(merchants), creator_id=rng.choice(creators), quote_cents=80_000,
                        status=status, invited_at=now - 3 * day, paid_at=now - 3 * day, accepted_at=now - 3 * day,
                        settled_cents=0, version=1, sample_tracking="SF", close_reason="", return_tracking="")
            if status == "sample_shipped":
                window = spread(2 * day, 5 * day)
                base.update(shipped_at=window - 5 * day, window_ends_at=window, cap_at=window + 22 * day)
            else:
                latest = spread(4 * day, 27 * day)
                base.update(shipped_at=now - 2 * day, window_ends_at=now + 3 * day, cap_at=latest + day,
                            live_at=latest - day, latest_delivery_at=latest)
            yield base

    def tasks(count: int):
        for _ in range(count):
            yield dict(merchant_id=rng.choice(merchants), creator_id=rng.choice(creators), contact_name="王敏",
                       contact_phone="13800001234", air_at=spread(4 * day, 60 * day), return_sample=False,
                       kind="dedicated", hours=2, quote_cents=100_000, amount_cents=200_000, plan="normal",
                       status="in_progress", sub_status="waiting_air", created_at=now - 2 * day,
                       accepted_at=now - day, last_action_at=now - day, cancel_reason="", version=1)

    def chunks(rows, size=20_000):
        batch = []
        for row in rows:
            batch.append(row)
            if len(batch) == size:
                yield batch
                batch = []
        if batch:
            yield batch

    with wb.engine.begin() as conn:
        for status, count in (("sample_shipped", n_window), ("scheduled", n_latest // 2),
                              ("confirmed", n_latest - n_latest // 2)):
            for batch in chunks(orders(count, status)):
                conn.execute(insert(CoopOrder), batch)
        for batch in chunks(tasks(n_air)):
            conn.execute(insert(LiveTask), batch)
        conn.execute(insert(SweepMark), [{"name": "reminders", "swept_to": now}])
    with wb.engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    checkpoint(wb.engine)
    wb.close()
    return {"orders": n_window + n_latest, "tasks": n_air}


def add_burst(path: Path, now: datetime, count: int = 1000, start_in: float = 20.0, span: float = 60.0) -> None:
    """`count` shipped orders whose 24-hour reminders fall due within `span` seconds from
    `now + start_in` (the burst the daemon must deliver on time)."""
    from sqlalchemy import create_engine, insert, select

    from workbench.store.models import CoopOrder, Creator, Merchant

    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        m = conn.scalar(select(Merchant.user_id).limit(1))
        creators = list(conn.scalars(select(Creator.user_id).limit(200)))
        rows = []
        for i in range(count):
            window = now + timedelta(hours=24, seconds=start_in + span * i / count)
            rows.append(dict(merchant_id=m, creator_id=creators[i % len(creators)], quote_cents=80_000,
                             status="sample_shipped", invited_at=now, paid_at=now, accepted_at=now,
                             shipped_at=window - timedelta(days=5), window_ends_at=window,
                             cap_at=window + timedelta(days=22), settled_cents=0, version=1,
                             sample_tracking="SF", close_reason="", return_tracking=""))
        conn.execute(insert(CoopOrder), rows)
    engine.dispose()


# ---- 1. finding what is due ----------------------------------------------------------------------

def lookup_figures(path: Path, now: datetime) -> dict[str, dict]:
    from workbench.bootstrap import bootstrap
    from workbench.clock import FixedClock
    from workbench.config import Settings
    from workbench.services import reminders, webhooks
    from workbench.services.base import SYSTEM
    from workbench.services.transitions import apply_due
    from sqlalchemy import text

    clock = FixedClock(now + timedelta(seconds=60))     # a sweep a minute after the last
    wb = bootstrap(Settings(db_url=f"sqlite:///{path}", lang="zh"), clock=clock)
    def floor(uow) -> None:       # an empty read-only use case: transaction and session overhead
        uow.session.execute(text("SELECT 1"))

    floor.read_only = True
    try:
        out = {
            "floor: an empty use case": summary(timed(lambda: wb.run(floor), 50)),
            "due reminders (sweep query)": summary(timed(lambda: wb.run(reminders.due_reminders), 50)),
            "next due moment": summary(timed(lambda: wb.run(reminders.next_due_at), 50)),
            "due transitions (apply, none due)": summary(timed(lambda: wb.run(apply_due, SYSTEM), 50)),
            "due webhook pushes": summary(timed(lambda: wb.run(webhooks.claim_due), 50)),
        }
        assert wb.run(reminders.due_reminders) == []
    finally:
        wb.close()
    return out


# ---- 2 and 3. the daemon -------------------------------------------------------------------------

def start_daemon(path: Path, env_extra: dict[str, str] | None = None) -> subprocess.Popen:
    """The daemon, logging to a file beside the store (a pipe nobody reads would fill and stall it)."""
    env = {**os.environ, "WORKBENCH_DB": str(path), **(env_extra or {})}
    log = path.with_suffix(".log")
    with log.open("w") as out:
        proc = subprocess.Popen([PY, "-m", "workbench", "scheduler", "--holder", "bench"], cwd=ROOT, env=env,
                                stdout=out, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 60
    while "scheduler started" not in log.read_text():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the daemon did not start: {log.read_text()[-500:]}")
        time.sleep(0.1)
    return proc


def stop_daemon(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()


def idle_figures(path: Path, seconds: float) -> dict[str, float]:
    proc = start_daemon(path)
    try:
        time.sleep(5)                               # first sweep and planning done
        c0, t0 = cpu_seconds(proc.pid), time.monotonic()
        time.sleep(seconds)
        c1, t1 = cpu_seconds(proc.pid), time.monotonic()
        rss, peak = rss_mb(proc.pid)
    finally:
        stop_daemon(proc)
    return {"cpu_percent": (c1 - c0) / (t1 - t0) * 100, "seconds": t1 - t0, "rss_mb": rss, "peak_rss_mb": peak}


def delivery_figures(path: Path, count: int = 1000) -> dict[str, float]:
    """The daemon runs on the real clock; the burst is placed relative to the real now."""
    import sqlite3

    now = datetime.now(UTC)
    add_burst(path, now, count)
    proc = start_daemon(path)
    seen: dict[int, float] = {}
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        last = 0
        deadline = time.monotonic() + 150
        while len(seen) < count and time.monotonic() < deadline:
            rows = db.execute("SELECT id, fire_at FROM reminders WHERE id > ? ORDER BY id", (last,)).fetchall()
            wall = datetime.now(UTC)
            for rid, fire_at in rows:
                due = datetime.fromisoformat(fire_at)
                due = due if due.tzinfo else due.replace(tzinfo=UTC)
                seen[rid] = (wall - due).total_seconds()
                last = rid
            time.sleep(0.01)
        db.close()
        rss, peak = rss_mb(proc.pid)
    finally:
        stop_daemon(proc)
    delays = sorted(seen.values())
    out = summary(delays)
    out.update(delivered=len(delays), expected=count, peak_rss_mb=peak)
    return out


# ---- 4. the naive design -------------------------------------------------------------------------

NAIVE = r"""
import sys, time, json
t0 = time.perf_counter()
from datetime import datetime, timedelta, timezone
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from sqlalchemy import create_engine, event
from bench.common import rss_mb
url, n, populate = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
engine = create_engine(url)
@event.listens_for(engine, "connect")
def _tune(conn, _record):   # the same SQLite settings as the workbench's own store
    conn.execute("PRAGMA journal_mode=WAL"); conn.execute("PRAGMA synchronous=NORMAL")
sched = BackgroundScheduler(jobstores={"default": SQLAlchemyJobStore(engine=engine)}, timezone="UTC")
sched.start(paused=True)
if populate:
    now = datetime.now(timezone.utc)
    for i in range(n):
        sched.add_job("bench.scheduler_bench:remind", "date", run_date=now + timedelta(days=2, seconds=i * 5),
                      args=("latest_delivery", i), id=f"d{i}", misfire_grace_time=None)
sched.resume()
sched.get_jobs()   # what a naive UI does to show the calendar: load the jobs
elapsed = time.perf_counter() - t0
print(json.dumps({"seconds": elapsed, "rss_mb": rss_mb()[1]}))
sched.shutdown(wait=False)
"""

OURS = r"""
import sys, time, json
t0 = time.perf_counter()
from apscheduler.schedulers.background import BackgroundScheduler
from workbench.bootstrap import bootstrap
from workbench.config import env_settings
from workbench.scheduler import Firing
from workbench.services import calendar, reminders
from bench.common import rss_mb
wb = bootstrap(env_settings(db_url=sys.argv[1]), create=False)
firing = Firing(wb, holder="bench")
firing.start(BackgroundScheduler(timezone="UTC"))
firing._fire()     # the first sweep and the plan for the next due moment, done in the foreground
elapsed = time.perf_counter() - t0
print(json.dumps({"seconds": elapsed, "rss_mb": rss_mb()[1]}))
firing.stop()
"""


def remind(kind: str, ref_id: int) -> None:   # the naive design's job function
    pass


def naive_figures(tmp: Path, n: int) -> dict[str, dict]:
    def run(code: str, *args: str) -> dict:
        done = subprocess.run([PY, "-c", code, *args], cwd=ROOT, capture_output=True, text=True, check=True)
        return json.loads(done.stdout.strip().splitlines()[-1])

    naive_db = tmp / "jobs.db"
    naive_first = run(NAIVE, f"sqlite:///{naive_db}", str(n), "1")
    naive_restart = run(NAIVE, f"sqlite:///{naive_db}", str(n), "0")
    store = tmp / "ours.db"
    build_store(store, n, datetime.now(UTC).replace(microsecond=0))
    ours = run(OURS, str(store))
    return {"naive_first_start": naive_first, "naive_restart": naive_restart, "ours_start": ours}


# ---- main ----------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--open", type=int, default=1_000_000, help="open orders and tasks with deadlines")
    parser.add_argument("--naive", type=int, default=100_000, help="deadlines for the naive comparison")
    parser.add_argument("--idle", type=float, default=60.0, help="seconds of rest measured")
    parser.add_argument("--burst", type=int, default=1000, help="reminders due in the same minute")
    parser.add_argument("--only-burst", action="store_true", help="measure the delivery burst only")
    args = parser.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="wb-bench-"))
    try:
        store = tmp / "big.db"
        now = datetime.now(UTC).replace(microsecond=0)
        t0 = time.perf_counter()
        counts = build_store(store, args.open, now)
        built = time.perf_counter() - t0
        if args.only_burst:
            burst = delivery_figures(store, args.burst)
            print(f"delivery delay of {burst['delivered']}/{args.burst}: p99 {burst['p99'] * 1000:.0f} ms, "
                  f"median {burst['median'] * 1000:.0f} ms, max {burst['max'] * 1000:.0f} ms")
            return 0
        print(f"store: {counts} in {built:.0f} s, {store.stat().st_size / 1e6:.0f} MB", flush=True)
        lookups = lookup_figures(store, now)
        idle = idle_figures(store, args.idle)
        burst = delivery_figures(store, args.burst)
        naive = naive_figures(tmp, args.naive)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    rows = []
    base = lookups["floor: an empty use case"]["median"]
    for name, s in lookups.items():
        if name.startswith("floor"):
            rows.append((name, f"median {s['median']:.2f} ms (min {s['min']:.2f}, max {s['max']:.2f})", "", None))
            continue
        rows.append((name, f"median {s['median']:.2f} ms (min {s['min']:.2f}, max {s['max']:.2f}), "
                     f"{s['median'] / base:.1f}x floor", "< 5 ms", s["median"] < 5))
    rows.append(("daemon at rest, CPU", f"{idle['cpu_percent']:.3f}% of a core over {idle['seconds']:.0f} s",
                 "< 1%", idle["cpu_percent"] < 1))
    rows.append(("daemon RSS (peak)", f"{idle['peak_rss_mb']:.1f} MB", "< 100 MB", idle["peak_rss_mb"] < 100))
    rows.append((f"delivery delay, {burst['expected']} due in one minute",
                 f"p99 {burst['p99'] * 1000:.0f} ms, median {burst['median'] * 1000:.0f} ms "
                 f"({burst['delivered']} delivered)", "p99 < 1 s",
                 burst["p99"] < 1 and burst["delivered"] == burst["expected"]))
    rows.append(("daemon RSS during the burst", f"{burst['peak_rss_mb']:.1f} MB", "< 100 MB",
                 burst["peak_rss_mb"] < 100))
    nf, nr, ours = naive["naive_first_start"], naive["naive_restart"], naive["ours_start"]
    rows.append((f"naive: first start, {args.naive:,} jobs", f"{nf['seconds']:.2f} s, {nf['rss_mb']:.0f} MB", "", None))
    rows.append((f"naive: restart, {args.naive:,} jobs", f"{nr['seconds']:.2f} s, {nr['rss_mb']:.0f} MB", "", None))
    rows.append((f"ours: start, {args.naive:,} deadlines", f"{ours['seconds']:.2f} s, {ours['rss_mb']:.0f} MB", "", None))
    rows.append(("ratio naive/ours, start-up", f"first {nf['seconds'] / ours['seconds']:.1f}x, "
                 f"restart {nr['seconds'] / ours['seconds']:.1f}x", "", None))
    rows.append(("ratio naive/ours, memory", f"first {nf['rss_mb'] / ours['rss_mb']:.2f}x, "
                 f"restart {nr['rss_mb'] / ours['rss_mb']:.2f}x", "", None))
    print()
    print(table(f"Scheduler at {args.open:,} open deadlines (store built in {built:.0f} s)", rows))
    path = write("scheduler", {"open": counts, "build_seconds": built, "lookups_ms": lookups, "idle": idle,
                               "burst_seconds": burst, "naive": naive})
    print(f"\nfigures: {path.relative_to(ROOT)}")
    return 0 if all(r[3] is not False for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
