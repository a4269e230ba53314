"""The app at a million orders and a million tasks: start-up, dashboard, order pages, memory, the tick.

    python -m bench.app_bench [--sizes 10000 1000000] [--seed 1] [--starts 5] [--cache DIR]

Each size N is a synthetic store (`workbench generate`: N orders, N tasks, N/100 creators, N/10
products), built once and kept in the cache folder under its size and seed, so reruns start at once.
Against every store:

a. `workbench run` in tmux at 120×40, from launch to the dashboard fully painted (the five panel
   titles and their figures on screen), against the floor: a bare Textual app (Header, Static,
   Footer) launched and polled the same way in the same run. Target ≤ 1.5× the floor.
b. Refreshing the five dashboard panels through the service, per role: p50 ≤ 20 ms, p99 ≤ 50 ms.
c. The order list filtered on a state, first page and pages deep into it by keyset: ≤ 50 ms a page.
d. Resident memory of the running TUI session against the bare app's: ≤ bare + 40 MB, at rest on
   its dashboard (a second after painting it). Shown beside it, not judged: the same session after
   opening the order list, the tasks and the fund account (what the screens' code adds once used).
e. `workbench tick` applying 10,000 due transitions, in a copy of the store at the moment when
   exactly that many are due: ≤ 2 s.

It prints the target table for the largest size and the growth of each figure from the smallest to
the largest, and writes bench/results/app.json.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from bench.common import rss_mb, summary, table, timed, write

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
WORKBENCH = str(Path(PY).with_name("workbench"))
ANCHOR = "2026-06-01T12:00:00+08:00"      # the generator's now, and the app's
COLUMNS, LINES = 120, 40
TITLES = ("待办事项", "核心数据", "操作指引", "平台推荐", "成功案例")
FIGURES = ("可用余额", "累计支出", "进行中合作")   # the merchant's core data: on screen once loaded
DUE_TARGET = 10_000
TRANSITIONS = ("timed_out", "auto_confirmed", "overdue")   # what `workbench tick --json` counts

BARE_APP = '''
from textual.app import App
from textual.binding import Binding
from textual.widgets import Footer, Header, Static


class Bare(App):
    BINDINGS = [Binding("ctrl+q", "quit", "Quit")]

    def compose(self):
        yield Header()
        yield Static("bare app ready")
        yield Footer()


Bare().run()
'''


# ---- stores --------------------------------------------------------------------------------------

def store_for(n: int, seed: int, cache: Path) -> Path:
    """The generated store of size n, from the cache or built now."""
    path = cache / f"store-{n}-s{seed}.sqlite"
    if not path.exists():
        print(f"building the {n:,}-row store (once; kept in {cache}) ...", flush=True)
        t0 = time.monotonic()
        subprocess.run([WORKBENCH, "generate", "--db", str(path), "--orders", str(n), "--tasks", str(n),
                        "--creators", str(max(100, n // 100)), "--products", str(max(1000, n // 10)),
                        "--seed", str(seed), "--now", ANCHOR], check=True, env=_env(),
                       stdout=subprocess.DEVNULL)
        print(f"  built in {time.monotonic() - t0:.0f} s", flush=True)
    # Bring it to the latest migration (the first run after a schema change adds the new indexes).
    wb = _open(path, ANCHOR)
    from workbench.store.engine import checkpoint
    checkpoint(wb.engine)
    wb.close()
    return path


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WORKBENCH_")}
    env.update({"WORKBENCH_LANG": "zh", "WORKBENCH_NOW": ANCHOR, **extra})
    return env


def _open(path: Path, now: str):
    from workbench.bootstrap import bootstrap
    from workbench.clock import FixedClock, parse_instant
    from workbench.config import Settings

    return bootstrap(Settings(db_url=f"sqlite:///{path}", lang="zh"), clock=FixedClock(parse_instant(now)))


# ---- a. start-up and d. memory, in tmux ---------------------------------------------------------

def _tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], check=True, capture_output=True, text=True).stdout


def _painted_after(command: str, ready, name: str, timeout: float = 60.0) -> tuple[float, float]:
    """Seconds from launching `command` in a fresh 120×40 tmux session until `ready(screen)`, and
    the process's resident memory (MB) a second later, once it is at rest."""
    subprocess.run(["tmux", "kill-session", "-t", name], capture_output=True)
    t0 = time.perf_counter()
    _tmux("new-session", "-d", "-s", name, "-x", str(COLUMNS), "-y", str(LINES), f"exec {command}")
    try:
        while True:
            screen = _tmux("capture-pane", "-p", "-t", name)
            if ready(screen):
                elapsed = time.perf_counter() - t0
                break
            if time.perf_counter() - t0 > timeout:
                raise RuntimeError(f"not painted after {timeout:.0f} s:\n{screen}")
            time.sleep(0.01)
        time.sleep(1.0)
        pid = _tmux("display-message", "-p", "-t", name, "#{pane_pid}").strip()
        rss = rss_mb(pid)[0]
    finally:
        subprocess.run(["tmux", "kill-session", "-t", name], capture_output=True)
    return elapsed, rss


USED = ("o", "t", "f")   # the merchant opens orders, tasks and the fund account, going back each time


def _rss_after_use(command: str, ready, name: str, timeout: float = 60.0) -> float:
    """Resident memory (MB) of a session that painted its dashboard and then opened the screens of
    USED one after the other: what a session holds once it has been used, not only at rest."""
    subprocess.run(["tmux", "kill-session", "-t", name], capture_output=True)
    _tmux("new-session", "-d", "-s", name, "-x", str(COLUMNS), "-y", str(LINES), f"exec {command}")
    try:
        t0 = time.perf_counter()
        while not ready(_tmux("capture-pane", "-p", "-t", name)):
            if time.perf_counter() - t0 > timeout:
                raise RuntimeError("not painted")
            time.sleep(0.05)
        time.sleep(1.0)
        for key in USED:
            _tmux("send-keys", "-t", name, key)
            time.sleep(2.0)
            _tmux("send-keys", "-t", name, "Escape")
            time.sleep(0.5)
        time.sleep(1.0)
        return rss_mb(_tmux("display-message", "-p", "-t", name, "#{pane_pid}").strip())[0]
    finally:
        subprocess.run(["tmux", "kill-session", "-t", name], capture_output=True)


def _quote(env: dict[str, str], argv: list[str]) -> str:
    import shlex
    keep = {k: env[k] for k in ("PATH", "HOME", "WORKBENCH_LANG", "WORKBENCH_NOW", "LANG", "LC_ALL") if k in env}
    return "env -i " + " ".join(f"{k}={shlex.quote(v)}" for k, v in keep.items()) + " TERM=screen-256color " \
        + " ".join(shlex.quote(a) for a in argv)


def startup(path: Path, cache: Path, repeat: int) -> dict:
    bare = cache / "bare_app.py"
    bare.write_text(BARE_APP)
    env = _env(LANG="C.UTF-8")
    bare_cmd = _quote(env, [PY, str(bare)])
    app_cmd = _quote(env, [WORKBENCH, "run", "--as", "gen.merchant", "--no-scheduler", "--db", str(path)])

    def app_ready(screen: str) -> bool:
        return all(t in screen for t in TITLES) and all(f in screen for f in FIGURES) and "¥" in screen

    floor, app, floor_rss, app_rss = [], [], [], []
    _painted_after(app_cmd, app_ready, "wb-bench-app")       # warm the page cache and bytecode once
    for _ in range(repeat):   # interleaved, so load on the machine hits both alike
        t, r = _painted_after(bare_cmd, lambda s: "bare app ready" in s, "wb-bench-bare")
        floor.append(t * 1000)
        floor_rss.append(r)
        t, r = _painted_after(app_cmd, app_ready, "wb-bench-app")
        app.append(t * 1000)
        app_rss.append(r)
    ratio = statistics.median(app) / statistics.median(floor)
    used = statistics.median(_rss_after_use(app_cmd, app_ready, "wb-bench-used") for _ in range(3))
    return {"floor_ms": summary(floor), "app_ms": summary(app), "ratio": ratio,
            "bare_rss_mb": statistics.median(floor_rss), "app_rss_mb": statistics.median(app_rss),
            "rss_over_bare_mb": statistics.median(app_rss) - statistics.median(floor_rss),
            "used_rss_mb": used, "used_over_bare_mb": used - statistics.median(floor_rss)}


# ---- b. dashboard refresh, c. order pages --------------------------------------------------------

def dashboard_refresh(path: Path, repeat: int = 60) -> dict:
    from workbench.services import dashboard

    wb = _open(path, ANCHOR)
    screens = frozenset({"orders", "tasks", "funds", "notifications", "intents", "stock_plans", "disputes",
                         "complaints", "stock_reviews", "bindings", "binding_invites", "base_data", "help"})
    out = {}
    try:
        for handle in ("gen.merchant", "gen.creator", "gen.agency", "gen.support"):
            actor = wb.sign_in(handle)
            out[handle] = summary(timed(lambda: wb.run(dashboard.load_dashboard, actor, screens), repeat=repeat))
    finally:
        wb.close()
    return out


def order_pages(path: Path, repeat: int = 15) -> dict:
    """First page and pages deep into a filtered list, reached by keyset (the id the previous page ended on)."""
    from sqlalchemy import func, select

    from workbench.services import orders
    from workbench.store.models import CoopOrder

    wb = _open(path, ANCHOR)
    out = {}
    try:
        for handle, status in (("gen.merchant", "delivered"), ("gen.support", "delivered"),
                               ("gen.support", "overdue")):
            actor = wb.sign_in(handle)
            scope = [CoopOrder.status == status]
            if handle == "gen.merchant":
                scope.append(CoopOrder.merchant_id == actor.id)
            with wb.engine.connect() as conn:
                total = conn.scalar(select(func.count()).select_from(CoopOrder).where(*scope))
                pages = max(1, -(-total // orders.PAGE))
                marks = {}
                for label, page in (("first", 0), ("10%", pages // 10), ("50%", pages // 2), ("last", pages - 1)):
                    after = None
                    if page:
                        after = conn.scalar(select(CoopOrder.id).where(*scope).order_by(CoopOrder.id.desc())
                                            .offset(page * orders.PAGE - 1).limit(1))
                    marks[label] = after
            figures = {}
            for label, after in marks.items():
                cmd = orders.OrderQuery(status=status, after_id=after)
                rows = wb.run(orders.list_orders, actor, cmd)
                assert rows, (handle, status, label)
                figures[label] = summary(timed(lambda: wb.run(orders.list_orders, actor, cmd), repeat=repeat))
            out[f"{handle} {status} ({total:,} rows, {pages:,} pages)"] = figures
    finally:
        wb.close()
    return out


# ---- e. the tick ----------------------------------------------------------------------------------

def _due_counts(wb, now: datetime) -> int:
    from sqlalchemy import func, select

    from workbench.domain.orders import OrderStatus
    from workbench.domain.tasks import TaskStatus, timeout_due
    from workbench.store.models import CoopOrder, LiveTask

    cutoff = timeout_due(now, -wb.rules.flow_b.acceptance_timeout_hours)
    with wb.engine.connect() as conn:
        return sum(conn.scalar(select(func.count()).select_from(model).where(*where)) for model, where in (
            (LiveTask, [LiveTask.status == TaskStatus.PENDING.value, LiveTask.created_at <= cutoff]),
            (CoopOrder, [CoopOrder.status == OrderStatus.SAMPLE_SHIPPED.value, CoopOrder.window_ends_at <= now]),
            (CoopOrder, [CoopOrder.status.in_([OrderStatus.SCHEDULED.value, OrderStatus.CONFIRMED.value]),
                         CoopOrder.latest_delivery_at <= now])))


def tick(path: Path, cache: Path, repeat: int) -> dict:
    """The moment at which `DUE_TARGET` transitions are due (searched to the second), then
    `workbench tick` at that moment on fresh copies of the store."""
    from workbench.clock import parse_instant

    wb = _open(path, ANCHOR)
    try:
        anchor = parse_instant(ANCHOR)
        lo, hi = anchor - timedelta(days=400), anchor + timedelta(days=400)
        want = min(DUE_TARGET, _due_counts(wb, hi))   # a small store may hold fewer
        while (hi - lo).total_seconds() > 1:
            mid = lo + (hi - lo) / 2
            if _due_counts(wb, mid) >= want:
                hi = mid
            else:
                lo = mid
        at = hi
        due = _due_counts(wb, at)
    finally:
        wb.close()
    copy = cache / "tick-copy.sqlite"
    runs, counts = [], {}
    for _ in range(repeat):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{copy}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(path, copy)
        # Write the copy out first: otherwise the tick's first fsync also waits for the gigabytes
        # of the copy still in the page cache, which is the copy's cost, not the tick's.
        with open(copy, "rb+") as f:
            os.fsync(f.fileno())
        t0 = time.perf_counter()
        done = subprocess.run([WORKBENCH, "tick", "--json", "--db", str(copy)], check=True, capture_output=True,
                              text=True, env=_env(WORKBENCH_NOW=at.isoformat()))
        runs.append((time.perf_counter() - t0) * 1000)
        import json
        counts = json.loads(done.stdout)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{copy}{suffix}").unlink(missing_ok=True)
    return {"at": at.isoformat(), "due": due, "applied": counts, "ms": summary(runs)}


# ---- the report -----------------------------------------------------------------------------------

def measure(n: int, seed: int, cache: Path, starts: int, ticks: int) -> dict:
    path = store_for(n, seed, cache)
    print(f"== {n:,} orders + {n:,} tasks ({path.stat().st_size / 2**20:,.0f} MiB)", flush=True)
    fig: dict = {}
    fig["startup"] = startup(path, cache, starts)
    print(f"  start-up: app {fig['startup']['app_ms']['median']:.0f} ms, bare {fig['startup']['floor_ms']['median']:.0f} ms,"
          f" ratio {fig['startup']['ratio']:.2f}; RSS +{fig['startup']['rss_over_bare_mb']:.1f} MB", flush=True)
    fig["dashboard"] = dashboard_refresh(path)
    print("  dashboard: " + ", ".join(f"{h} p50 {s['median']:.1f} / p99 {s['p99']:.1f} ms"
                                       for h, s in fig["dashboard"].items()), flush=True)
    fig["orders"] = order_pages(path)
    print("  order pages: worst median " + f"{_worst_page(fig['orders']):.1f} ms", flush=True)
    fig["tick"] = tick(path, cache, ticks)
    print(f"  tick: {fig['tick']['applied']} in {fig['tick']['ms']['median']:.0f} ms", flush=True)
    return fig


def _worst_page(pages: dict) -> float:
    return max(s["median"] for figures in pages.values() for s in figures.values())


def _worst_p99_page(pages: dict) -> float:
    return max(s["p99"] for figures in pages.values() for s in figures.values())


def report(results: dict[int, dict]) -> str:
    n = max(results)
    big = results[n]
    st, dash, tk = big["startup"], big["dashboard"], big["tick"]
    p50 = max(s["median"] for s in dash.values())
    p99 = max(s["p99"] for s in dash.values())
    page = _worst_page(big["orders"])
    applied = sum(v for k, v in tk["applied"].items() if k in TRANSITIONS)
    flat_start = all(r["startup"]["ratio"] <= 1.5 for r in results.values())
    rows = [
        ("start to dashboard painted (tmux 120×40)",
         f"{st['app_ms']['median']:.0f} ms vs bare {st['floor_ms']['median']:.0f} ms = {st['ratio']:.2f}×",
         "≤ 1.5× bare, at every size", st["ratio"] <= 1.5 and flat_start),
        ("dashboard refresh, worst role (service)", f"p50 {p50:.1f} ms, p99 {p99:.1f} ms",
         "p50 ≤ 20 ms, p99 ≤ 50 ms", p50 <= 20 and p99 <= 50),
        ("order list page with a filter (keyset)", f"worst median {page:.1f} ms (p99 {_worst_p99_page(big['orders']):.1f})",
         "≤ 50 ms a page", page <= 50),
        ("TUI session memory, at rest", f"{st['app_rss_mb']:.0f} MB vs bare {st['bare_rss_mb']:.0f} MB "
                                        f"(+{st['rss_over_bare_mb']:.1f} MB)", "≤ bare + 40 MB",
         st["rss_over_bare_mb"] <= 40),
        ("workbench tick, due transitions", f"{applied:,} in {tk['ms']['median'] / 1000:.2f} s "
                                            f"({tk['ms']['min'] / 1000:.2f}–{tk['ms']['max'] / 1000:.2f})",
         "10,000 in ≤ 2 s", applied >= DUE_TARGET and tk["ms"]["median"] <= 2000),
    ]
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    out = [table(f"Workbench at {n:,} orders + {n:,} tasks (SQLite), medians (min–max)", rows),
           f"(machine: {os.cpu_count()} cores, load average {load} at the end of the run)", ""]
    sizes = sorted(results)
    head = f"{'what':<34}" + "".join(f"{s:>14,}" for s in sizes)
    lines = ["Growth with N (orders = tasks = N; creators N/100, products N/10)", "-" * len(head), head]

    def row(label: str, get) -> None:
        lines.append(f"{label:<34}" + "".join(f"{get(results[s]):>14}" for s in sizes))

    row("start-up, app ms", lambda r: f"{r['startup']['app_ms']['median']:.0f}")
    row("start-up, bare ms", lambda r: f"{r['startup']['floor_ms']['median']:.0f}")
    row("start-up ratio", lambda r: f"{r['startup']['ratio']:.2f}×")
    for handle in big["dashboard"]:
        row(f"dashboard {handle} p50/p99 ms",
            lambda r, h=handle: f"{r['dashboard'][h]['median']:.1f}/{r['dashboard'][h]['p99']:.1f}")
    row("order page, worst median ms", lambda r: f"{_worst_page(r['orders']):.1f}")
    row("TUI RSS over bare, MB", lambda r: f"{r['startup']['rss_over_bare_mb']:.1f}")
    row("  the same after 3 screens, MB", lambda r: f"{r['startup']['used_over_bare_mb']:.1f}")
    row("tick, transitions", lambda r: f"{sum(v for k, v in r['tick']['applied'].items() if k in TRANSITIONS):,}")
    row("tick, s", lambda r: f"{r['tick']['ms']['median'] / 1000:.2f}")
    out += lines
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--starts", type=int, default=5, help="start-ups timed per size")
    parser.add_argument("--ticks", type=int, default=2, help="tick runs per size, each on a fresh copy")
    parser.add_argument("--cache", type=Path, default=Path(os.environ.get(
        "WORKBENCH_BENCH_CACHE", Path(tempfile.gettempdir()) / "workbench-bench")))
    args = parser.parse_args()
    if shutil.which("tmux") is None:
        print("app_bench: tmux is needed for the start-up and memory figures", file=sys.stderr)
        return 1
    args.cache.mkdir(parents=True, exist_ok=True)
    results = {n: measure(n, args.seed, args.cache, args.starts, args.ticks) for n in args.sizes}
    text = report(results)
    print()
    print(text)
    path = write("app", {"sizes": {str(n): r for n, r in results.items()}, "table": text.splitlines()})
    print(f"\nfigures: {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
