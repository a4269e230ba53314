"""SSH serving under load: N concurrent sessions on one machine, keystroke-to-screen time and memory.

    .venv/bin/python bench/ssh_bench.py [--sessions 50] [--keys 20] [--interval 0.5]

Builds a demo store in a temporary folder, gives every demo user a key, starts
`workbench serve ssh` on a free loopback port, opens the sessions at once (each with a PTY),
waits for every dashboard, then has every session press Down and Up in turn (the highlight
moves in the to-do list) and times each key from sending it to the first bytes of the redraw
arriving. Memory is read from /proc for every session process: RSS as the
kernel counts it, PSS (shared pages split between the processes sharing them) and USS (pages
only that process holds). Prints a table and writes bench/results/ssh.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import asyncssh

ROOT = Path(__file__).resolve().parent.parent
NOW = "2026-06-01T10:00:00+08:00"
DASHBOARD = "待办事项".encode()
KEYS = (b"\x1b[B", b"\x1b[A")      # Down, Up: the cursor moves in the to-do list


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def workbench(*args: str, env: dict[str, str]) -> str:
    out = subprocess.run([sys.executable, "-m", "workbench", *args], env=env,
                         capture_output=True, text=True, check=True)
    return out.stdout


def prepare(folder: Path, env: dict[str, str]) -> tuple[str, list[tuple[str, asyncssh.SSHKey]]]:
    from workbench.bootstrap import bootstrap
    from workbench.config import Settings
    from workbench.services import keys as key_service
    from workbench.services.base import SYSTEM
    from screens.registry import available_for
    from workbench.services.dashboard import load_dashboard
    from workbench.services.users import list_users

    db = folder / "bench.db"
    workbench("demo", "--db", str(db), env=env)
    wb = bootstrap(Settings(db_url=f"sqlite:///{db}", lang="zh"), create=False)
    keys = []
    for user in wb.run(list_users):
        actor = wb.sign_in(user.handle)
        todo = wb.run(load_dashboard, actor, available_for(user.role.value)).todo
        if sum(1 for item in todo if item.count) < 2:
            continue            # Down and Up must move the highlight: two to-do lines at least
        key = asyncssh.generate_private_key("ssh-ed25519")
        wb.run(key_service.add_key, SYSTEM, key_service.AddKey.parse(
            handle=user.handle, public_key=key.export_public_key().decode()))
        keys.append((user.handle, key))
    wb.close()
    return f"sqlite:///{db}", keys


class Session:
    def __init__(self, handle: str) -> None:
        self.handle = handle
        self.buf = bytearray()
        self.arrived = asyncio.Event()
        self.first_screen: float | None = None
        self.latencies: list[float] = []
        self.bytes_per_key: list[int] = []
        self.unanswered = 0
        self.quit_s: float | None = None

    async def run(self, port: int, key: asyncssh.SSHKey, start: asyncio.Event, go: asyncio.Event,
                  n_keys: int, interval: float) -> None:
        await start.wait()
        t0 = time.perf_counter()
        async with asyncssh.connect("127.0.0.1", port, username=self.handle, client_keys=[key],
                                    known_hosts=None, agent_path=None) as conn:
            proc = await conn.create_process(term_type="xterm-256color", term_size=(100, 30),
                                             encoding=None)
            reader = asyncio.ensure_future(self._read(proc))
            while DASHBOARD not in self.buf:
                self.arrived.clear()
                await asyncio.wait_for(self.arrived.wait(), 60)
            self.first_screen = time.perf_counter() - t0
            await go.wait()
            await asyncio.sleep(random.uniform(0, interval))
            for i in range(n_keys):
                await asyncio.sleep(0.25)           # let the previous redraw finish
                self.buf.clear()
                self.arrived.clear()
                sent = time.perf_counter()
                proc.stdin.write(KEYS[i % 2])
                try:
                    await asyncio.wait_for(self.arrived.wait(), 5)
                except asyncio.TimeoutError:
                    self.unanswered += 1
                    continue
                self.latencies.append(time.perf_counter() - sent)
                await asyncio.sleep(max(0.0, interval - 0.25 + random.uniform(-0.1, 0.1)))
                self.bytes_per_key.append(len(self.buf))
            proc.stdin.write(b"\x11")               # Ctrl+Q
            quit_sent = time.perf_counter()
            try:
                await asyncio.wait_for(proc.wait(), 60)
                self.quit_s = time.perf_counter() - quit_sent
            except asyncio.TimeoutError:
                self.quit_s = None
            reader.cancel()

    async def _read(self, proc: asyncssh.SSHClientProcess) -> None:
        while True:
            data = await proc.stdout.read(1 << 16)
            if not data:
                return
            self.buf += data
            self.arrived.set()


def memory(pid: int) -> dict[str, int]:
    fields: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, value, *_ = line.split()
        fields[name.rstrip(":")] = int(value)
    return {"rss_kb": fields["Rss"], "pss_kb": fields["Pss"],
            "uss_kb": fields.get("Private_Clean", 0) + fields.get("Private_Dirty", 0)}


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found += [int(p) for p in text]
    return found


def summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return {"median": statistics.median(ordered), "min": ordered[0], "max": ordered[-1], "p95": p95,
            "n": len(ordered)}


async def measure(port: int, server_pid: int, keys: list[tuple[str, asyncssh.SSHKey]], n: int,
                  n_keys: int, interval: float) -> dict:
    start, go = asyncio.Event(), asyncio.Event()
    sessions = [Session(keys[i % len(keys)][0]) for i in range(n)]
    tasks = [asyncio.ensure_future(s.run(port, keys[i % len(keys)][1], start, go, n_keys, interval))
             for i, s in enumerate(sessions)]
    start.set()
    while any(s.first_screen is None for s in sessions):
        if any(t.done() and t.exception() for t in tasks):
            raise next(t.exception() for t in tasks if t.done() and t.exception())
        await asyncio.sleep(0.1)
    await asyncio.sleep(2)      # every session settled on its dashboard
    zygotes = children(server_pid)
    pids = [c for z in zygotes for c in children(z)]
    idle_mem = [memory(p) for p in pids]
    zygote_mem = [memory(z)["rss_kb"] / 1024 for z in zygotes]
    go.set()
    await asyncio.gather(*tasks)
    return {
        "sessions": n,
        "session_processes": len(pids),
        "first_screen_s": summary([s.first_screen for s in sessions]),
        "keystroke_to_screen_ms": summary([x * 1000 for s in sessions for x in s.latencies]),
        "keys_without_redraw": sum(s.unanswered for s in sessions),
        "quit_s": summary([s.quit_s for s in sessions if s.quit_s is not None]),
        "sessions_not_quit_in_60s": sum(1 for s in sessions if s.quit_s is None),
        "load_average_after": os.getloadavg(),
        "bytes_per_keystroke": summary([float(b) for s in sessions for b in s.bytes_per_key]),
        "rss_mb": summary([m["rss_kb"] / 1024 for m in idle_mem]),
        "pss_mb": summary([m["pss_kb"] / 1024 for m in idle_mem]),
        "uss_mb": summary([m["uss_kb"] / 1024 for m in idle_mem]),
        "zygote_rss_mb": zygote_mem,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--keys", type=int, default=20, help="keystrokes per session")
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between a session's keys")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "ssh.json"))
    args = parser.parse_args()
    env = {**os.environ, "WORKBENCH_NOW": NOW, "WORKBENCH_LANG": "zh"}
    env.pop("WORKBENCH_DB", None)
    with tempfile.TemporaryDirectory(prefix="wb-ssh-bench-") as tmp:
        folder = Path(tmp)
        db_url, keys = prepare(folder, env)
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "workbench", "serve", "ssh", "--db", db_url, "--port", str(port),
             "--host-key", str(folder / "host_key"), "--max-sessions", str(args.sessions + 10),
             "--max-per-user", str(args.sessions), "--idle-timeout", "600"],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            line = server.stdout.readline()
            if "listening" not in line:
                raise SystemExit(f"the server did not start: {line!r}")
            result = asyncio.run(measure(port, server.pid, keys, args.sessions, args.keys, args.interval))
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                server.kill()
    result["machine"] = {"cpus": os.cpu_count(), "python": platform.python_version(),
                         "system": platform.platform()}
    result["settings"] = {"keys_per_session": args.keys, "interval_s": args.interval,
                          "terminal": "xterm-256color 100x30"}
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"{args.sessions} concurrent SSH sessions, {args.keys} keys each, {os.cpu_count()} cores")
    print(f"{'measure':<26}{'median':>10}{'p95':>10}{'min':>10}{'max':>10}")
    for name, unit in (("first_screen_s", "s"), ("quit_s", "s"), ("keystroke_to_screen_ms", "ms"),
                       ("bytes_per_keystroke", "B"), ("rss_mb", "MB"), ("pss_mb", "MB"),
                       ("uss_mb", "MB")):
        s = result[name]
        print(f"{name + ' (' + unit + ')':<26}{s['median']:>10.1f}{s['p95']:>10.1f}{s['min']:>10.1f}{s['max']:>10.1f}")
    print(f"written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
