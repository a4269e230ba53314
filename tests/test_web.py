"""The browser demo: `workbench serve web` seen from Debian's headless Chromium, driven by Playwright."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import DEMO_NOW

CHROMIUM = "/usr/bin/chromium"     # Debian's package (tools/system-packages.sh); never a download
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

# textual-serve keeps its xterm.js terminal private; catch it as the page stores it, so the test can
# switch on xterm's screen-reader mode and read the screen from the accessibility tree.
CATCH_TERMINAL = """
Object.defineProperty(Object.prototype, "terminal", {
  configurable: true,
  set(value) {
    Object.defineProperty(this, "terminal", {value, writable: true, configurable: true, enumerable: true});
    if (value && value.buffer && typeof value.open === "function") { window.__terminal = value; }
  },
});
"""
SCREEN_HAS = """([present, absent]) => {
  const tree = document.querySelector(".xterm-accessibility-tree");
  if (!tree) return false;
  const text = tree.innerText;
  return present.every(w => text.includes(w)) && !absent.some(w => text.includes(w));
}"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Served:
    proc: subprocess.Popen[str]
    port: int
    tmp: Path          # TMPDIR of the server: its demo stores live in a folder here
    real_db: Path      # what WORKBENCH_DB names: the server must never open it
    output: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=20)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    base = tmp_path_factory.mktemp("web")
    (base / "tmp").mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("WORKBENCH_")}
    env.update(WORKBENCH_DB=f"sqlite:///{base / 'real.db'}", WORKBENCH_NOW=DEMO_NOW, WORKBENCH_LANG="zh",
               TMPDIR=str(base / "tmp"), SECRET_TOKEN="must-stay-behind")
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "workbench", "serve", "web", "--port", str(port),
                             "--max-sessions", "1"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    s = Served(proc, port, base / "tmp", base / "real.db")
    ready = threading.Event()

    def drain() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            s.output.append(line)
            if "serving" in line:
                ready.set()

    threading.Thread(target=drain, daemon=True).start()
    if not ready.wait(30):
        s.stop()
        pytest.fail("the server did not start:\n" + "".join(s.output))
    yield s
    s.stop()


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        kids = children.get(todo.pop(), [])
        found += kids
        todo += kids
    return found


def _listeners(port: int) -> set[str]:
    """Local addresses listening on the port, from the kernel's socket tables."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:
                found.add(address)
    return found


def _ws_status(port: int, origin: str) -> int:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/ws", headers={
        "Origin": origin, "Connection": "Upgrade", "Upgrade": "websocket",
        "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_listens_on_loopback_only_by_default(served: Served) -> None:
    assert _listeners(served.port) == {"0100007F"}     # 127.0.0.1, little-endian hex


def test_refuses_a_page_from_another_origin(served: Served) -> None:
    assert _ws_status(served.port, "http://evil.example") == 403
    assert _ws_status(served.port, f"http://127.0.0.1:{served.port}.evil.example") == 403
    assert not _descendants(served.proc.pid)


def test_refuses_to_open_a_real_store_without_real_store(tmp_path: Path) -> None:
    real = tmp_path / "real.db"
    done = subprocess.run([sys.executable, "-m", "workbench", "serve", "web", "--db", str(real)],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 2
    assert done.stderr.startswith("workbench: --db:") and done.stderr.count("\n") == 1
    assert not real.exists()


def test_a_reset_keeps_the_store_an_open_page_uses_until_it_closes(tmp_path: Path) -> None:
    from workbench.serve.web import DemoStores

    stores = DemoStores(tmp_path)
    first, second = tmp_path / "demo-1.db", tmp_path / "demo-2.db"
    for path in (first, second, tmp_path / "demo-1.db-wal"):
        path.write_bytes(b"")
    stores._switch(first)
    in_use = stores.acquire()
    stores._switch(second)                       # a reset while a page is open on the first
    assert in_use == first and first.exists() and stores.acquire() == second
    stores.release(in_use)
    assert not first.exists() and not (tmp_path / "demo-1.db-wal").exists() and second.exists()


def test_apps_get_bounded_sizes_and_none_of_the_servers_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    from textual_serve.download_manager import DownloadManager

    from workbench.serve.web import MAX_COLUMNS, AppSession

    monkeypatch.setenv("WORKBENCH_DB", "sqlite:////somewhere/real.db")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "x")
    monkeypatch.setenv("TEXTUAL_DEBUG_SOCKET", "x")
    async def nothing(*_args: object) -> None:
        return None

    session = AppSession("true", write_bytes=nothing, write_str=nothing, close=nothing,
                         download_manager=DownloadManager())
    env = session._build_environment(80, 24)
    assert "WORKBENCH_DB" not in env and "AWS_SECRET_ACCESS_KEY" not in env and "TEXTUAL_DEBUG_SOCKET" not in env
    assert env["TEXTUAL_DRIVER"].endswith("WebDriver") and "PATH" in env
    sizes: list[tuple[int, int]] = []

    async def record(self: AppSession, width: int, height: int) -> None:
        sizes.append((width, height))

    monkeypatch.setattr("textual_serve.app_service.AppService.set_terminal_size", record)
    asyncio.run(session.set_terminal_size(10**9, -5))
    assert sizes == [(MAX_COLUMNS, 1)]


def test_browser_shows_the_dashboard_answers_a_key_and_the_server_stops_cleanly(served: Served, tmp_path: Path) -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is missing: run tools/system-packages.sh (make test does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 900})
        try:
            # Only the server itself is reachable, and the page needs nothing else (no font service).
            outside: list[str] = []

            def only_the_server(route) -> None:
                if route.request.url.startswith(served.url):
                    route.continue_()
                else:
                    outside.append(route.request.url)
                    route.abort()

            browser.route("**/*", only_the_server)
            page = browser.pages[0] if browser.pages else browser.new_page()
            page.add_init_script(CATCH_TERMINAL)
            page.goto(served.url)
            page.wait_for_function("() => window.__terminal !== undefined", timeout=10_000)
            page.evaluate("() => { window.__terminal.options.screenReaderMode = true; }")
            page.wait_for_function(SCREEN_HAS, arg=[["待办事项", "核心数据"], []], timeout=20_000)
            assert outside == []

            # The visitor's app runs on the demo store, without the server's secrets.
            apps = [p for p in _descendants(served.proc.pid)
                    if b"run" in Path(f"/proc/{p}/cmdline").read_bytes().split(b"\0")]
            assert apps
            argv = Path(f"/proc/{apps[-1]}/cmdline").read_bytes().decode().split("\0")
            assert argv[argv.index("--db") + 1].startswith(f"sqlite:///{served.tmp}/workbench-web-")
            environ = Path(f"/proc/{apps[-1]}/environ").read_bytes().decode(errors="replace")
            assert "WORKBENCH_DB=" not in environ and "SECRET_TOKEN" not in environ

            # One session is the cap here: a second visitor waits.
            assert _ws_status(served.port, f"http://127.0.0.1:{served.port}") == 503

            page.locator("#terminal").click()
            page.keyboard.press("f")
            page.wait_for_function(SCREEN_HAS, arg=[["充值记录"], ["核心数据"]], timeout=10_000)

            # SIGTERM with the visitor still on: the app quits, the server exits 0 and cleans up.
            started = time.monotonic()
            assert served.stop() == 0, "".join(served.output)
            assert time.monotonic() - started < 15
            page.wait_for_selector("text=Session ended", timeout=5_000)
        finally:
            browser.close()
    assert not any(p for p in _descendants(served.proc.pid))
    assert not list(served.tmp.glob("workbench-web-*")), "the demo stores were left behind"
    assert not served.real_db.exists() and not list(served.real_db.parent.glob("real.db*"))
