"""The browser demo: textual-serve runs `workbench run` per visitor, on a throwaway demo store.

textual-serve has no login, no Origin check, no session cap, and hands each app the server's
whole environment; the server here adds an Origin allowlist, a cap, clamped terminal sizes and
a scrubbed environment. A login is still missing: anything but loopback must sit behind an
authenticating reverse proxy (README, "In a browser (demo)").
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from aiohttp import WSCloseCode, web
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

from workbench.config import Settings

log = logging.getLogger("workbench.web")

MAX_COLUMNS, MAX_ROWS = 400, 150
GOOGLE_FONTS = re.compile(r"<link[^>]*fonts\.googleapis\.com[^>]*>", re.S)
QUIT_GRACE = 5.0            # seconds an app gets to quit before it is killed
# What an app inherits from the server's environment; everything else (secrets, WORKBENCH_DB)
# stays behind. textual-serve adds its own TEXTUAL_* and size variables on top.
KEPT_ENV = ("PATH", "HOME", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "LC_MESSAGES", "TZ",
            "TMPDIR", "PYTHONPATH", "WORKBENCH_DATA", "WORKBENCH_LANG", "WORKBENCH_ZONE",
            "WORKBENCH_NOW")
SERVE_ENV = ("TEXTUAL_DRIVER", "TEXTUAL_FPS", "TEXTUAL_COLOR_SYSTEM", "TERM_PROGRAM", "TERM_PROGRAM_VERSION",
             "COLUMNS", "ROWS", "TEXTUAL", "TEXTUAL_LOG")


class WebServeError(Exception):
    """The server cannot start as asked; the message names the option."""


class DemoBuildError(RuntimeError):
    """`workbench demo` failed: a defect, not bad input."""


@dataclass(frozen=True)
class WebOptions:
    host: str = "127.0.0.1"
    port: int = 8000
    user: str = "m.shanwei"
    reset_every: float | None = None    # minutes; None: only at start
    real_store: bool = False            # serve settings.db_url instead of a demo store
    public_url: str | None = None       # the address visitors use, when behind a proxy
    max_sessions: int = 8


def child_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k in KEPT_ENV}


def _clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def _remove_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)


class DemoStores:
    """Throwaway demo databases, one per reset; each is removed once no session uses it.

    A reset makes a new file instead of replacing the one open sessions write to (replacing a
    SQLite file under an open connection corrupts it), so visitors are not cut off by a reset.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.generation = 0
        self.current: Path | None = None
        self._users: dict[Path, int] = {}

    def _next(self) -> tuple[Path, list[str]]:
        self.generation += 1
        path = self.root / f"demo-{self.generation}.db"
        return path, [sys.executable, "-m", "workbench", "demo", "--db", f"sqlite:///{path}"]

    def build(self) -> Path:
        path, cmd = self._next()
        done = subprocess.run(cmd, env=child_env(), capture_output=True, text=True)
        if done.returncode != 0:
            raise DemoBuildError(f"could not build the demo store: {done.stderr.strip()}")
        self._switch(path)
        return path

    async def rebuild(self) -> Path:
        path, cmd = self._next()
        proc = await asyncio.create_subprocess_exec(*cmd, env=child_env(), stdout=subprocess.DEVNULL,
                                                    stderr=subprocess.PIPE)
        try:
            _, err = await proc.communicate()
        except asyncio.CancelledError:   # the server is stopping: do not leave a builder behind
            proc.kill()
            await proc.wait()
            raise
        if proc.returncode != 0:
            raise DemoBuildError(f"could not rebuild the demo store: {err.decode(errors='replace').strip()}")
        self._switch(path)
        return path

    def _switch(self, path: Path) -> None:
        old, self.current = self.current, path
        if old is not None and not self._users.get(old):
            _remove_sqlite(old)

    def acquire(self) -> Path:
        assert self.current is not None
        self._users[self.current] = self._users.get(self.current, 0) + 1
        return self.current

    def release(self, path: Path) -> None:
        self._users[path] -= 1
        if not self._users[path]:
            del self._users[path]
            if path != self.current:
                _remove_sqlite(path)


class AppSession(AppService):
    """One visitor's app process, with a scrubbed environment and bounded sizes."""

    def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
        served = super()._build_environment(width, height)
        env = child_env()
        env.update({k: served[k] for k in SERVE_ENV if k in served})
        return env

    async def start(self, width: int, height: int) -> None:
        await super().start(_clamp(width, 1, MAX_COLUMNS), _clamp(height, 1, MAX_ROWS))

    async def set_terminal_size(self, width: int, height: int) -> None:
        if isinstance(width, int) and isinstance(height, int):
            await super().set_terminal_size(_clamp(width, 1, MAX_COLUMNS), _clamp(height, 1, MAX_ROWS))

    async def run(self) -> None:
        await super().run()
        # The app ended (quit or failed to start): end the page's connection with it.
        await self.remote_close()

    async def stop(self) -> None:
        process = self._process
        try:
            await asyncio.wait_for(super().stop(), QUIT_GRACE)
        except (TimeoutError, ConnectionError):
            pass
        if process is not None:
            if process.returncode is None:
                try:
                    await asyncio.wait_for(process.wait(), QUIT_GRACE)
                except TimeoutError:
                    process.kill()
                    await process.wait()


class WebDemo(Server):
    """textual-serve's server, guarded: Origin allowlist, session cap, the current demo store."""

    def __init__(self, options: WebOptions, settings: Settings, stores: DemoStores | None) -> None:
        host = f"[{options.host}]" if ":" in options.host else options.host
        public_url = (options.public_url or f"http://{host}:{options.port}").rstrip("/")
        super().__init__("workbench run", host=options.host, port=options.port,
                         title="Workbench", public_url=public_url)
        self.options = options
        self.settings = settings
        self.stores = stores
        self.sessions: set[web.WebSocketResponse] = set()
        self.allowed_origins = {_origin(public_url)} | {
            f"http://{name}:{options.port}" for name in ("127.0.0.1", "localhost", "[::1]")}

    def session_command(self, db_url: str) -> str:
        argv = [sys.executable, "-m", "workbench", "run", "--db", db_url, "--as", self.options.user,
                "--lang", self.settings.lang, "--zone", self.settings.zone]
        return shlex.join(argv)

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        if self.stores is not None and self.options.reset_every:
            app.cleanup_ctx.append(self._resetting)
        return app

    async def _resetting(self, app: web.Application):
        task = asyncio.create_task(self._reset_loop())
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    async def _reset_loop(self) -> None:
        assert self.stores is not None and self.options.reset_every
        while True:
            await asyncio.sleep(self.options.reset_every * 60)
            try:
                await self.stores.rebuild()
                log.info("demo store recreated (generation %d)", self.stores.generation)
            except DemoBuildError as exc:
                log.error("%s; keeping the current one", exc)

    async def on_startup(self, app: web.Application) -> None:
        store = "the demo store" if self.stores is not None else f"the REAL store {self.settings.db_url}"
        print(f"workbench web: serving {store} as {self.options.user} on {self.public_url} "
              f"(at most {self.options.max_sessions} sessions; no login)", flush=True)

    async def on_shutdown(self, app: web.Application) -> None:
        # Closing the sockets ends each handler's loop, which quits its app.
        await asyncio.gather(*(ws.close(code=WSCloseCode.GOING_AWAY, message=b"server stopping")
                               for ws in list(self.sessions)), return_exceptions=True)

    async def handle_index(self, request: web.Request) -> web.StreamResponse:
        # The stock page loads its font from fonts.googleapis.com, which visitors in mainland
        # China cannot reach; the terminal starts only once that request gives up. Use the copy
        # textual-serve ships instead.
        response = await super().handle_index(request)
        if isinstance(response, web.Response) and response.text:
            font = f"{self.public_url}/static/fonts/RobotoMono-VariableFont_wght.ttf"
            response.text = GOOGLE_FONTS.sub(
                f'<style>@font-face {{ font-family: "Roboto Mono"; src: url("{font}"); }}</style>',
                response.text)
        return response

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        origin = request.headers.get("Origin", "").lower()
        if origin not in self.allowed_origins:
            log.warning("refused a session from %s: origin %r not allowed", request.remote, origin)
            raise web.HTTPForbidden(text="origin not allowed\n")
        if len(self.sessions) >= self.options.max_sessions:
            log.warning("refused a session from %s: %d sessions open", request.remote, len(self.sessions))
            raise web.HTTPServiceUnavailable(text="too many sessions, try again later\n")
        width = to_int(request.query.get("width", "80"), 80)
        height = to_int(request.query.get("height", "24"), 24)

        websocket = web.WebSocketResponse(heartbeat=15, max_msg_size=64 * 1024)
        self.sessions.add(websocket)   # counted before the first await, so the cap holds
        store = self.stores.acquire() if self.stores is not None else None
        db_url = f"sqlite:///{store}" if store is not None else self.settings.db_url
        session: AppSession | None = None
        log.info("session opened from %s (%d open)", request.remote, len(self.sessions))
        try:
            await websocket.prepare(request)
            session = AppSession(self.session_command(db_url), write_bytes=websocket.send_bytes,
                                 write_str=websocket.send_str, close=websocket.close,
                                 download_manager=self.download_manager, debug=self.debug)
            await session.start(width, height)
            await self._process_messages(websocket, session)
        except asyncio.CancelledError:
            await websocket.close()
        except Exception:
            log.exception("session from %s failed", request.remote)
        finally:
            if session is not None:
                await session.stop()
            self.sessions.discard(websocket)
            if store is not None and self.stores is not None:
                self.stores.release(store)
            log.info("session closed (%d open)", len(self.sessions))
        return websocket

    def run(self, sock: socket.socket) -> None:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
        web.run_app(self._make_app(), sock=sock, print=None, shutdown_timeout=QUIT_GRACE + 5)


def listen(host: str, port: int) -> socket.socket:
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
        sock = socket.socket(family, kind, proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(64)
    except OSError as exc:
        raise WebServeError(f"--port: cannot listen on {host}:{port} ({exc.strerror or exc})") from None
    return sock


def check_user(settings: Settings, user: str) -> None:
    """Refuse to start when the user cannot sign in to the store the sessions will open."""
    from workbench.bootstrap import bootstrap

    wb = bootstrap(settings, create=False)
    try:
        wb.sign_in(user)
    finally:
        wb.close()


def serve_web(options: WebOptions, settings: Settings) -> int:
    """Serve until SIGINT/SIGTERM; the demo stores live in a temporary folder removed at exit."""
    if options.host not in ("127.0.0.1", "localhost", "::1") and not options.public_url:
        print("workbench web: warning: no login; outside loopback put it behind an authenticating "
              "proxy and pass --public-url", file=sys.stderr)
    sock = listen(options.host, options.port)
    root: Path | None = None
    try:
        stores: DemoStores | None = None
        if options.real_store:
            check_user(settings, options.user)
        else:
            root = Path(tempfile.mkdtemp(prefix="workbench-web-"))
            stores = DemoStores(root)
            path = stores.build()
            check_user(settings.replace(db_url=f"sqlite:///{path}"), options.user)
        WebDemo(options, settings, stores).run(sock)
    finally:
        sock.close()
        if root is not None:
            shutil.rmtree(root, ignore_errors=True)
    print("workbench web: stopped", flush=True)
    return 0
