"""Serving Workbench to remote terminals: over SSH (`ssh`) and in a browser (`web`).

This module holds the process that runs one remote SSH session: the server starts one child per
session with the session's terminal as its standard streams; the child makes that terminal its
controlling tty (so resizes arrive as SIGWINCH), opens the store itself and runs the TUI pinned
to the user the key belongs to.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import signal
import socket
import sys
from collections.abc import Sequence

log = logging.getLogger("workbench.serve")

# How the server starts a session without the zygote: a fresh interpreter (exec, never a fork of
# the server, which holds an open database).
SESSION_BOOT = "import sys; from workbench.serve import session_main; sys.exit(session_main(sys.argv[1:]))"
# The zygote: a fresh interpreter that imports the TUI once, opens no database, and forks one
# child per session, so a session starts in a fraction of a second instead of importing anew.
ZYGOTE_BOOT = "import sys; from workbench.serve import zygote_main; zygote_main(int(sys.argv[1]), sys.argv[2])"


def session_args(handle: str, db_url: str, lang: str, zone: str | None) -> list[str]:
    argv = ["--as", handle, "--db", db_url, "--lang", lang]
    if zone:
        argv += ["--zone", zone]
    return argv


def session_main(argv: Sequence[str] | None = None) -> int:
    """Run the TUI as one user on the terminal at fd 0 until it quits or is told to stop."""
    parser = argparse.ArgumentParser(prog="workbench-session")
    parser.add_argument("--as", dest="as_user", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--lang")
    parser.add_argument("--zone")
    args = parser.parse_args(argv)
    if os.isatty(0) and os.getsid(0) != os.getpid():
        os.login_tty(0)   # a new session whose controlling tty is the terminal at fd 0

    from workbench.bootstrap import bootstrap
    from workbench.config import env_settings

    # The server brought the schema up to date before it listened.
    wb = bootstrap(env_settings(db_url=args.db, lang=args.lang, zone=args.zone), create=False,
                   migrate=False)
    wb.engine.dispose()   # drop the connection that opened the store: see SshServer.start
    actor = wb.sign_in(args.as_user)
    app = pinned_app(wb, actor)
    app.run()
    wb.close()
    return app.return_code or 0


def pinned_app(wb, actor):  # noqa: ANN001, ANN201 - Textual is imported only here
    """The TUI signed in as `actor` for good: no user switching, SIGTERM and SIGHUP quit cleanly."""
    import asyncio
    import inspect
    from pathlib import Path

    # Deferred, as in `workbench run`: the core never loads Textual otherwise.
    from screens.app import WorkbenchApp

    class PinnedApp(WorkbenchApp):
        # Textual reads CSS_PATH relative to the subclass's module: point at the app's own file.
        CSS_PATH = str(Path(inspect.getfile(WorkbenchApp)).parent / WorkbenchApp.CSS_PATH)

        def on_mount(self) -> None:
            # Textual calls WorkbenchApp.on_mount as well (handlers run for each class).
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGHUP):
                loop.add_signal_handler(sig, self.exit)

        def check_action(self, action: str, parameters: tuple) -> bool | None:
            if action == "switch_user":
                return False     # hidden: the key decides who this is
            return super().check_action(action, parameters)

        def action_switch_user(self) -> None:
            self.bell()

    # The scheduler's lease is held by the daemon or another process, never by a remote session.
    return PinnedApp(wb, actor, scheduler=False)


# ---- the zygote --------------------------------------------------------------------------------

def _defer_migrations() -> None:
    """Keep Alembic (11 MB per process) out of sessions, which never migrate: the server did.

    `workbench.bootstrap` imports `upgrade` from `workbench.store.migrate` at the top, and that
    module imports Alembic. Sessions get a stand-in whose `upgrade`, or any other name, loads
    the real module on first use.
    """
    import importlib
    import types

    name = "workbench.store.migrate"
    if name in sys.modules:
        return

    def real() -> types.ModuleType:
        if sys.modules.get(name) is stand_in:
            del sys.modules[name]
        module = importlib.import_module(name)
        setattr(sys.modules["workbench.store"], "migrate", module)
        return module

    class StandIn(types.ModuleType):
        def __getattr__(self, attr: str):  # noqa: ANN204
            if attr.startswith("__"):      # the import system probing (__path__, …)
                raise AttributeError(attr)
            return getattr(real(), attr)

    def upgrade(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        return real().upgrade(*args, **kwargs)

    import workbench.store

    stand_in = StandIn(name)
    stand_in.upgrade = upgrade
    sys.modules[name] = stand_in


def _preload() -> None:
    import importlib

    _defer_migrations()

    for name in ("textual.app", "textual.drivers.linux_driver", "sqlalchemy.dialects.sqlite",
                 "workbench.bootstrap", "screens.app", "screens.dashboard", "screens.commands",
                 "workbench.services.dashboard", "workbench.services.notifications"):
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - a broken module is reported by the session that needs it
            pass


def _warm(db_url: str) -> None:
    """Run what a session starts with once per role, then close the store again.

    A fresh process spends most of a session's start filling SQLAlchemy's per-class caches
    (0.4 s for the first dashboard, 0.06 s after); children forked afterwards start warm. Every
    connection is closed before the first fork (`_holds_store` checks), so none is shared.
    """
    from screens import registry
    from workbench.bootstrap import bootstrap
    from workbench.config import env_settings
    from workbench.services import dashboard, notifications, users

    wb = bootstrap(env_settings(db_url=db_url), create=False, migrate=False)
    try:
        roles = set()
        for user in wb.run(users.list_users):
            if user.role in roles:
                continue
            roles.add(user.role)
            actor = wb.sign_in(user.handle)
            wb.run(dashboard.load_dashboard, actor, registry.available_for(user.role.value))
            wb.run(notifications.store_version)
            wb.run(notifications.news, actor, -1)
    finally:
        wb.close()


def _holds_store(db_url: str) -> bool:
    from workbench.store.engine import sqlite_path

    path = sqlite_path(db_url)
    if path is None:
        return False
    for fd in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{fd}").startswith(str(path.resolve())):
                return True
        except OSError:
            continue
    return False


def zygote_main(fd: int, db_url: str) -> None:
    """Serve fork requests on the SEQPACKET socket `fd`: one request, one child, its exit reported.

    Request: JSON `{"id", "argv", "env"}` with the session's terminal passed as a file descriptor.
    Replies: `{"id", "pid"}` once forked, `{"exit": pid, "status": code}` when a child ends.
    """
    import selectors

    import gc

    _preload()
    try:
        _warm(db_url)
    except Exception as exc:  # noqa: BLE001 - sessions then start cold, nothing worse
        print(f"workbench: session warm-up skipped: {exc!r}", file=sys.stderr)
    if _holds_store(db_url):
        raise SystemExit("workbench: the zygote still holds the store open; sessions start fresh")
    gc.collect()
    gc.freeze()   # keep the imported objects out of the collector, so children share their pages
    sock = socket.socket(fileno=fd)
    sock.send(json.dumps({"ready": os.getpid()}).encode())
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # the server decides when sessions end
    sel = selectors.DefaultSelector()
    sel.register(sock, selectors.EVENT_READ)
    sel.register(wake_r, selectors.EVENT_READ)
    while True:
        for key, _ in sel.select():
            if key.fileobj is sock:
                try:
                    msg, fds, _flags, _addr = socket.recv_fds(sock, 1 << 16, 1)
                except OSError:
                    msg, fds = b"", []
                if not msg:
                    os._exit(0)      # the server is gone
                request = json.loads(msg)
                pid = os.fork()
                if pid == 0:
                    _child(request, fds[0], sock, (wake_r, wake_w))
                for f in fds:
                    os.close(f)
                sock.send(json.dumps({"id": request["id"], "pid": pid}).encode())
            else:
                os.read(wake_r, 4096)
                while True:
                    try:
                        pid, status = os.waitpid(-1, os.WNOHANG)
                    except ChildProcessError:
                        break
                    if pid == 0:
                        break
                    sock.send(json.dumps({"exit": pid,
                                          "status": os.waitstatus_to_exitcode(status)}).encode())


def _child(request: dict, tty: int, sock: socket.socket, wake: tuple[int, int]) -> None:
    code = 1
    try:
        signal.set_wakeup_fd(-1)
        for sig in (signal.SIGCHLD, signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, signal.SIG_DFL)
        sock.close()
        for f in wake:
            os.close(f)
        os.environ.clear()
        os.environ.update(request["env"])
        import importlib

        import textual.constants

        importlib.reload(textual.constants)   # ESCDELAY, TEXTUAL_COLOR_SYSTEM of this session
        os.login_tty(tty)
        code = session_main(request["argv"])
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:  # a defect in one session: say so on its terminal, end only it
        import traceback

        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


class Zygote:
    """The server's end of the zygote: starts it, asks it for sessions, hears of their exits."""

    def __init__(self, env: dict[str, str], db_url: str) -> None:
        self.env = env
        self.db_url = db_url
        self.proc: asyncio.subprocess.Process | None = None
        self.sock: socket.socket | None = None
        self._next = 0
        self._waiting: dict[int, asyncio.Future[int]] = {}
        self.exits: dict[int, int] = {}
        self._exit_waiters: dict[int, asyncio.Future[int]] = {}
        self._ready: asyncio.Future[None] = asyncio.Future()
        self.starts = 0

    async def start(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-c", ZYGOTE_BOOT, str(theirs.fileno()), self.db_url, pass_fds=(theirs.fileno(),),
            stdin=asyncio.subprocess.DEVNULL, env=self.env)
        theirs.close()
        ours.setblocking(False)
        self.sock = ours
        self._ready = asyncio.get_running_loop().create_future()
        asyncio.get_running_loop().add_reader(ours.fileno(), self._readable)
        # Sessions are served once the zygote has imported the TUI; a slow start is no failure.
        self.starts += 1
        try:
            await asyncio.wait_for(asyncio.shield(self._ready), 60)
        except (OSError, asyncio.TimeoutError) as exc:
            log.warning("sessions start without the zygote: %s", exc)

    @property
    def alive(self) -> bool:
        return self.sock is not None and self.proc is not None and self.proc.returncode is None

    def _readable(self) -> None:
        assert self.sock is not None
        while True:
            try:
                data = self.sock.recv(1 << 16)
            except BlockingIOError:
                return
            except OSError:
                data = b""
            if not data:
                self._lost()
                return
            reply = json.loads(data)
            if "ready" in reply:
                if not self._ready.done():
                    self._ready.set_result(None)
            elif "pid" in reply:
                fut = self._waiting.pop(reply["id"], None)
                if fut is not None and not fut.done():
                    fut.set_result(reply["pid"])
            elif "exit" in reply:
                self.exits[reply["exit"]] = reply["status"]
                waiter = self._exit_waiters.pop(reply["exit"], None)
                if waiter is not None and not waiter.done():
                    waiter.set_result(reply["status"])

    def _lost(self) -> None:
        if self.sock is not None:
            asyncio.get_running_loop().remove_reader(self.sock.fileno())
            self.sock.close()
            self.sock = None
        for fut in self._waiting.values():
            if not fut.done():
                fut.set_exception(OSError("the session zygote stopped"))
        self._waiting.clear()
        if not self._ready.done():
            self._ready.set_exception(OSError("the session zygote did not start"))

    async def fork(self, argv: list[str], env: dict[str, str], tty: int) -> int:
        if not self.alive:
            if self.starts >= 3:     # it keeps failing: sessions start from a fresh interpreter
                raise OSError("no session zygote")
            await self.stop()
            await self.start()
        if not self._ready.done() or self._ready.exception() is not None:
            raise OSError("the session zygote is not ready")
        assert self.sock is not None
        self._next += 1
        fut: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._waiting[self._next] = fut
        msg = json.dumps({"id": self._next, "argv": argv, "env": env}).encode()
        socket.send_fds(self.sock, [msg], [tty])
        return await asyncio.wait_for(fut, 10)

    async def exit_status(self, pid: int, timeout: float = 1.0) -> int | None:
        if pid in self.exits:
            return self.exits.pop(pid)
        fut: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._exit_waiters[pid] = fut
        try:
            return await asyncio.wait_for(fut, timeout)
        except asyncio.TimeoutError:
            return None
        finally:
            self._exit_waiters.pop(pid, None)
            self.exits.pop(pid, None)

    async def stop(self) -> None:
        if self.sock is not None:
            self._lost()
        if self.proc is not None and self.proc.returncode is None:
            self.proc.terminate()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.proc.wait(), 5)
            if self.proc.returncode is None:
                self.proc.kill()
                await self.proc.wait()
