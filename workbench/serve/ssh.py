"""`workbench serve ssh`: the TUI over SSH, public keys only, one process per session.

Each terminal session gets a pseudo-terminal and its own child process (forked from a zygote that
imported the TUI once and holds no database), signed in as the user the key belongs to. What
asyncssh does not do is done here: the limits a public service needs (idle timeout, sessions per
user and in total, failed logins per address), the audit of every login, logout and refusal,
and a clean shutdown on SIGTERM.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import fcntl
import functools
import io
import logging
import os
import re
import shlex
import signal
import struct
import sys
import termios
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncssh

from workbench.bootstrap import Workbench
from workbench.serve import SESSION_BOOT, Zygote, session_args
from workbench.services import keys
from workbench.services.base import SYSTEM, Actor

log = logging.getLogger("workbench.ssh")

# What the server itself says on a terminal (before the TUI starts or after it ended). The server
# talks to sessions in both languages at once, so these few lines carry their own translations.
MESSAGES = {
    "idle": ("空闲超过 {minutes} 分钟，会话已关闭。", "Closed after {minutes} minutes without input."),
    "shutdown": ("服务器正在停止，会话已关闭。", "The server is shutting down; session closed."),
    "crashed": ("会话意外结束（退出码 {code}）。", "The session ended unexpectedly (exit code {code})."),
    "busy": ("会话已满，请稍后再试。", "Too many sessions open; try again later."),
    "busy_user": ("您已打开 {n} 个会话，请先关闭一个。", "You already have {n} sessions open; close one first."),
    "no_pty": ("需要终端: 请用 ssh -t 连接。", "A terminal is needed: connect with ssh -t."),
    "exec_only": ("通过 SSH 只能运行 `workbench <区域> <操作> …` 命令（不能 {what}）。",
                  "Over SSH only `workbench <area> <action> …` commands run (not {what})."),
}

# Leaves the client's terminal usable if a session ended without restoring it: main screen,
# cursor shown, mouse and paste modes, focus events and the kitty keyboard protocol off.
RESET = (b"\x1b[?1049l\x1b[?25h\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l\x1b[?1015l"
         b"\x1b[?2004l\x1b[?1004l\x1b[?2048l\x1b[<u\x1b[0m")

MAX_KEYS_PER_CONNECTION = 6     # unknown keys offered on one connection before it is closed
MAX_UNAUTHENTICATED = 64        # connections still logging in, from all addresses together
_TERM_RE = re.compile(r"^[A-Za-z0-9._+-]{1,64}$")
COLOR_SYSTEMS = ("auto", "standard", "256", "truecolor")


@dataclass
class SshConfig:
    host_key: Path
    host: str = "127.0.0.1"
    port: int = 2222
    idle_timeout: float = 900.0          # seconds without a keystroke
    max_sessions: int = 50
    max_per_user: int = 3
    max_failed_logins: int = 10          # failed logins from one address within failure_window
    failure_window: float = 60.0
    block_seconds: float = 300.0         # how long such an address is then refused
    login_timeout: float = 30.0
    shutdown_grace: float = 10.0
    color: str | None = None             # TEXTUAL_COLOR_SYSTEM for every session
    esc_delay_ms: int = 100
    lang: str = "zh"                     # when neither the client nor the user chose one


def message(kind: str, lang: str, **params: Any) -> bytes:
    zh, en = MESSAGES[kind]
    text = (en if lang == "en" else zh).format(**params)
    return f"\r\nworkbench: {text}\r\n".encode()


# ---- host key ------------------------------------------------------------------------------------

def load_host_key(path: Path) -> asyncssh.SSHKey:
    """The server's identity: created once (ed25519, mode 600) and kept, so clients can trust it."""
    if path.exists():
        return asyncssh.read_private_key(str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    key = asyncssh.generate_private_key("ssh-ed25519", comment="workbench host key")
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key.export_private_key())
    os.replace(tmp, path)
    path.with_name(path.name + ".pub").write_bytes(key.export_public_key())
    return key


# ---- failed logins -----------------------------------------------------------------------------

class FailedLogins:
    """Per-address count of failed logins; too many within the window blocks the address a while."""

    def __init__(self, limit: int, window: float, block: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.window, self.block, self.clock = limit, window, block, clock
        self._fails: dict[str, deque[float]] = {}
        self._blocked: dict[str, float] = {}

    def blocked(self, address: str) -> bool:
        until = self._blocked.get(address)
        if until is None:
            return False
        if until > self.clock():
            return True
        del self._blocked[address]
        return False

    def failed(self, address: str) -> bool:
        """Count one failure; True when it makes the address blocked."""
        now = self.clock()
        fails = self._fails.setdefault(address, deque())
        fails.append(now)
        while fails and fails[0] <= now - self.window:
            fails.popleft()
        if len(fails) >= self.limit:
            self._blocked[address] = now + self.block
            del self._fails[address]
            return True
        return False

    def prune(self) -> None:
        now = self.clock()
        for address in [a for a, f in self._fails.items() if not f or f[-1] <= now - self.window]:
            del self._fails[address]
        for address in [a for a, u in self._blocked.items() if u <= now]:
            del self._blocked[address]


# ---- exec: `workbench …` commands for scripts ------------------------------------------------------

class ExecRefused(Exception):
    def __init__(self, text: str, status: int = 2) -> None:
        super().__init__(text)
        self.text, self.status = text, status


# The areas a script may reach: every use case (`workbench <area> <action>`) and the user's keys.
# Not `run`, `demo`, `tick`, `scheduler`, `serve`: they are the operator's, on the server's console.
_KEY_ACTIONS = {"keys", "add-key", "remove-key"}


def exec_argv(command: str, handle: str, db_url: str) -> list[str] | None:
    """The `workbench` arguments to run for an exec request, as the key's user on the server's store.

    None when the command is not a `workbench` command (the request is refused outright);
    ExecRefused, with the text for the client, for a `workbench` command not open over SSH.
    """
    from workbench import cli

    try:
        words = shlex.split(command)
    except ValueError:
        return None
    if not words or words[0] != "workbench":
        return None
    args = words[1:]
    areas = {a.area for a in cli.ACTIONS} | {"users"}
    if args and not args[0].startswith("-") and args[0] not in areas:
        raise ExecRefused(message("exec_only", "en", what=f"`workbench {args[0]}`").decode().strip())
    first = _parse(cli, args + ["--as", handle])
    if getattr(first, "area", None) == "users" and getattr(first, "users_action", None) not in _KEY_ACTIONS:
        raise ExecRefused(message("exec_only", "en", what="`workbench users`").decode().strip())
    area = first.area
    if getattr(first, "db", None) is not None:
        raise ExecRefused("workbench: --db: the store is the server's")
    if getattr(first, "csv_file", None) or getattr(first, "out_file", None):
        raise ExecRefused("workbench: --csv/--out: files on the server are not reachable over SSH")
    if area == "users" and getattr(first, "users_action", None) == "add-key" and first.keyfile != "-":
        raise ExecRefused("workbench: KEYFILE: over SSH the key is read from standard input: use -")
    final = args + ["--as", handle, "--db", db_url]
    checked = _parse(cli, final)
    if checked.as_user != handle or checked.db != db_url:   # argparse: the last value wins
        raise ExecRefused("workbench: --as: over SSH commands run as the key's user")
    return final


@functools.cache
def _parser() -> Any:
    """The CLI's own parser, built once (it imports every use case): checks run on the event loop."""
    from workbench import cli

    return cli._build_parser()


def _parse(cli: Any, argv: list[str]) -> Any:
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            return _parser().parse_args(argv)
    except SystemExit as exc:
        text = (out.getvalue() + err.getvalue()).rstrip()
        raise ExecRefused(text, exc.code if isinstance(exc.code, int) else 2) from None


# ---- the server ------------------------------------------------------------------------------------

class SshServer:
    """Holds what connections share: the store, the limits, the live sessions, the zygote."""

    def __init__(self, wb: Workbench, config: SshConfig) -> None:
        self.wb = wb
        self.config = config
        self.failures = FailedLogins(config.max_failed_logins, config.failure_window,
                                     config.block_seconds)
        self.sessions: set[TerminalSession] = set()
        self.connections: set[Connection] = set()
        self.zygote = Zygote(_base_env(), wb.settings.db_url)
        self.stopping = False
        self._db = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ssh-store")
        self._pending: set[asyncio.Future[Any]] = set()
        self._listener: asyncssh.SSHAcceptor | None = None
        self._refused_blocked: dict[str, int] = {}

    # The store is used from one worker thread so the event loop never waits on SQLite.
    async def db(self, use_case: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._db, functools.partial(self.wb.run, use_case, *args, **kwargs))

    def record(self, actor: Actor, event: str, address: str, **detail: Any) -> None:
        """Audit an SSH event without holding up the connection; shutdown waits for all of them."""
        log.info("%s %s %s %s", event, actor.handle, address, detail)
        fut = asyncio.ensure_future(self.db(keys.record_access, actor, event, address, **detail))
        self._pending.add(fut)
        fut.add_done_callback(self._recorded)

    def _recorded(self, fut: asyncio.Future[Any]) -> None:
        self._pending.discard(fut)
        if not fut.cancelled() and fut.exception() is not None:
            log.error("audit failed: %r", fut.exception())

    def refuse_blocked(self, address: str) -> None:
        # One audit row per address for each run of refusals, with the count so far, so a flood of
        # connections from a blocked address cannot flood the audit log.
        n = self._refused_blocked.get(address, 0) + 1
        self._refused_blocked[address] = n
        if n in (1, 10, 100, 1000) or n % 10000 == 0:
            self.record(SYSTEM, "refused", address, reason="too many failed logins", count=n)

    def login_failed(self, address: str, **detail: Any) -> None:
        self.record(SYSTEM, "refused", address, **detail)
        if self.failures.failed(address):
            self._refused_blocked.pop(address, None)
            self.record(SYSTEM, "blocked", address, seconds=self.config.block_seconds,
                        failures=self.config.max_failed_logins)

    def count(self, user_id: int | None = None) -> int:
        return sum(1 for s in self.sessions if user_id is None or s.conn.actor.id == user_id)

    async def start(self) -> None:
        cfg = self.config
        # Opening the store reads the SQLite header with a plain open()/close() while a connection
        # is open, which drops that connection's POSIX locks; another process closing its last
        # connection could then delete the WAL under it. Fresh connections lock properly.
        self.wb.engine.dispose()
        _parser()
        await self.zygote.start()
        self._listener = await asyncssh.create_server(
            lambda: Connection(self), cfg.host, cfg.port,
            server_host_keys=[load_host_key(cfg.host_key)],
            line_editor=False, agent_forwarding=False, x11_forwarding=False, allow_scp=False,
            encoding=None, login_timeout=cfg.login_timeout, keepalive_interval=30,
            keepalive_count_max=3, reuse_address=True,
            server_version="Workbench")
        asyncio.ensure_future(self._sweep())

    @property
    def port(self) -> int:
        assert self._listener is not None
        return self._listener.sockets[0].getsockname()[1]

    async def _sweep(self) -> None:
        """Close sessions idle too long; forget old failures."""
        while not self.stopping:
            await asyncio.sleep(min(1.0, self.config.idle_timeout / 4))
            now = time.monotonic()
            for session in list(self.sessions):
                if now - session.last_input > self.config.idle_timeout and not session.closing:
                    asyncio.ensure_future(session.close("idle", minutes=_minutes(self.config.idle_timeout)))
            self.failures.prune()

    async def stop(self) -> None:
        """Stop listening, tell every session and close it, write the last audit rows, then stop."""
        self.stopping = True
        if self._listener is not None:
            self._listener.close()
        await asyncio.gather(*(s.close("shutdown") for s in list(self.sessions)),
                             return_exceptions=True)
        for conn in list(self.connections):
            if conn.conn is not None:
                conn.conn.close()
        await asyncio.sleep(0.1)   # let connection_lost run and queue the logouts
        if self._pending:
            await asyncio.gather(*list(self._pending), return_exceptions=True)
        await self.zygote.stop()
        self._db.shutdown(wait=True)


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:g}"


def _base_env() -> dict[str, str]:
    """What every child gets from the server: the Workbench settings, nothing else of its environment."""
    env = {k: v for k, v in os.environ.items()
           if k.startswith("WORKBENCH_") and k not in ("WORKBENCH_DB", "WORKBENCH_DEBUG")}
    env.update(PATH=os.defpath, LANG="C.UTF-8", PYTHONIOENCODING="utf-8")
    if os.environ.get("PYTHONPATH"):
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    return env


class Connection(asyncssh.SSHServer):
    """One client connection: public-key auth against the keys table, forwarding refused."""

    def __init__(self, server: SshServer) -> None:
        self.server = server
        self.conn: asyncssh.SSHServerConnection | None = None
        self.address = "?"
        self.username = ""
        self.actor: Actor | None = None
        self._candidate: tuple[str, Actor] | None = None
        self.tried: list[str] = []
        self.blocked = False
        self.started = time.monotonic()

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self.conn = conn
        peer = conn.get_extra_info("peername")
        self.address = str(peer[0]) if peer else "?"
        unauthenticated = sum(1 for c in self.server.connections if c.actor is None)
        if unauthenticated >= MAX_UNAUTHENTICATED:
            self.blocked = True
            self.server.record(SYSTEM, "refused", self.address, reason="too many connections logging in")
            conn.close()
            return
        if self.server.stopping or self.server.failures.blocked(self.address):
            self.blocked = True
            if not self.server.stopping:
                self.server.refuse_blocked(self.address)
            conn.close()
            return
        self.server.connections.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        if exc is not None:
            log.info("connection from %s lost: %r", self.address, exc)
        self.server.connections.discard(self)
        if self.blocked:
            return
        if self.actor is None:
            why = "no accepted key" if self.tried or self.username else "no login"
            detail: dict[str, Any] = {"reason": why, "login": self.username}
            if self.tried:
                detail["keys"] = self.tried[-5:]
            self.server.login_failed(self.address, **detail)
        else:
            self.server.record(self.actor, "logout", self.address,
                               seconds=round(time.monotonic() - self.started, 1))

    def begin_auth(self, username: str) -> bool:
        self.username = username[:64]
        return True

    def password_auth_supported(self) -> bool:
        return False

    def kbdint_auth_supported(self) -> bool:
        return False

    def host_based_auth_supported(self) -> bool:
        return False

    def public_key_auth_supported(self) -> bool:
        return True

    async def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        fingerprint = key.get_fingerprint("sha256")
        actor = await self.server.db(keys.key_owner, fingerprint)
        if actor is None:
            if fingerprint not in self.tried:
                self.tried.append(fingerprint)
            if len(self.tried) >= MAX_KEYS_PER_CONNECTION and self.conn is not None:
                self.conn.close()          # counted as one failed login when the connection ends
            return False
        self._candidate = (fingerprint, actor)
        return True

    def auth_completed(self) -> None:
        assert self._candidate is not None
        fingerprint, self.actor = self._candidate
        client = self.conn.get_extra_info("client_version") if self.conn else ""
        self.server.record(self.actor, "login", self.address, key=fingerprint, login=self.username,
                           client=str(client or "")[:80])

    def session_requested(self) -> TerminalSession | bool:
        if self.server.stopping:
            return False
        return TerminalSession(self)

    # Forwarding of any kind is refused; asyncssh refuses it too, this also audits it.
    def connection_requested(self, dest_host: str, dest_port: int, orig_host: str, orig_port: int) -> bool:
        self._refuse_forward("local forward", f"{dest_host}:{dest_port}")
        return False

    def server_requested(self, listen_host: str, listen_port: int) -> bool:
        self._refuse_forward("remote forward", f"{listen_host}:{listen_port}")
        return False

    def unix_connection_requested(self, dest_path: str) -> bool:
        self._refuse_forward("local forward", dest_path)
        return False

    def unix_server_requested(self, listen_path: str) -> bool:
        self._refuse_forward("remote forward", listen_path)
        return False

    def _refuse_forward(self, kind: str, target: str) -> None:
        self.server.record(self.actor or SYSTEM, "refused", self.address, reason=kind, target=target[:200])


class TerminalSession(asyncssh.SSHServerSession):
    """One channel: a TUI on a pseudo-terminal, or one `workbench` command for a script."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.server = conn.server
        self.chan: asyncssh.SSHServerChannel | None = None
        self.term: str | None = None
        self.size = (80, 24, 0, 0)
        self.pty = False
        self.command: list[str] | None = None
        self.refusal: ExecRefused | None = None
        self.pid: int | None = None
        self.pidfd: int | None = None
        self.master: int | None = None
        self.last_input = time.monotonic()
        self.closing = False
        self.lang = self.server.config.lang
        self._inbuf = bytearray()
        # What the client types reaches the session as whole UTF-8 characters: a character split
        # across packets waits here for its last byte, and bytes that are not UTF-8 (a terminal set
        # to GBK, a stray 8-bit key) arrive as U+FFFD. Textual's reader decodes strictly, and one
        # such byte would end the session.
        self._typed = codecs.getincrementaldecoder("utf-8")("replace")
        self._ended = asyncio.Event()
        self._reading = False
        self.bytes_out = 0

    # -- requests --
    def connection_made(self, chan: asyncssh.SSHServerChannel) -> None:
        self.chan = chan

    def pty_requested(self, term_type: str, term_size: tuple[int, int, int, int],
                      term_modes: Any) -> bool:
        self.pty = True
        self.term = term_type if _TERM_RE.match(term_type or "") else "xterm-256color"
        self.size = _clamp(*term_size)
        return True

    def shell_requested(self) -> bool:
        return True

    def exec_requested(self, command: str) -> bool:
        actor = self.conn.actor
        assert actor is not None
        try:
            argv = exec_argv(command, actor.handle, self.server.wb.settings.db_url)
        except ExecRefused as refusal:
            self.refusal = refusal
            self.server.record(actor, "refused", self.conn.address, reason="exec",
                               command=command[:200])
            return True      # a `workbench` command: the client gets the reason and exit code
        if argv is None:
            self.server.record(actor, "refused", self.conn.address, reason="exec", command=command[:200])
            return False
        self.command = argv
        return True

    def subsystem_requested(self, subsystem: str) -> bool:
        self.server.record(self.conn.actor or SYSTEM, "refused", self.conn.address,
                           reason="subsystem", subsystem=subsystem[:64])
        return False

    def session_started(self) -> None:
        asyncio.ensure_future(self._start())

    async def _start(self) -> None:
        assert self.chan is not None
        actor = self.conn.actor
        assert actor is not None
        cfg = self.server.config
        over: tuple[str, str, dict[str, Any]] | None = None
        if self.refusal is None and (self.command is not None or self.pty):
            # Counted and reserved before anything is awaited, so sessions arriving together
            # cannot all slip under a limit.
            if self.server.count() >= cfg.max_sessions:
                over = ("busy", "too many sessions", {"limit": cfg.max_sessions})
            elif self.server.count(actor.id) >= cfg.max_per_user:
                over = ("busy_user", "too many sessions for the user",
                        {"n": cfg.max_per_user, "limit": cfg.max_per_user})
            else:
                self.server.sessions.add(self)
        try:
            self.lang = await self._language(actor)
            if self.closing:
                return
            if self.refusal is not None:
                self.chan.write_stderr((self.refusal.text + "\n").encode())
                self.chan.exit(self.refusal.status)
            elif self.command is None and not self.pty:
                self.chan.write_stderr(message("no_pty", self.lang).lstrip(b"\r\n"))
                self.server.record(actor, "refused", self.conn.address, reason="no terminal")
                self.chan.exit(1)
            elif over is not None:
                kind, reason, params = over
                self._refuse(kind, reason, **params)
            elif self.command is not None:
                await self._run_command()
            else:
                await self._run_tui(actor)
        finally:
            self.server.sessions.discard(self)

    def _refuse(self, kind: str, reason: str, **params: Any) -> None:
        assert self.chan is not None and self.conn.actor is not None
        self.chan.write(message(kind, self.lang, **params).lstrip(b"\r\n") if self.pty
                        else message(kind, self.lang, **params).strip() + b"\n")
        self.server.record(self.conn.actor, "refused", self.conn.address, reason=reason,
                           limit=params.get("limit"))
        self.chan.exit(1)

    async def _language(self, actor: Actor) -> str:
        env = self.chan.get_environment() if self.chan else {}
        for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
            value = str(env.get(var, ""))
            if value.startswith("en"):
                return "en"
            if value.startswith("zh"):
                return "zh"
        chosen = await self.server.db(keys.user_language, actor.id)
        return chosen if chosen in ("zh", "en") else self.server.config.lang

    def _child_env(self) -> dict[str, str]:
        cfg = self.server.config
        env = _base_env()
        env["TERM"] = self.term or "xterm-256color"
        env["ESCDELAY"] = str(cfg.esc_delay_ms)
        client = self.chan.get_environment() if self.chan else {}
        if str(client.get("COLORTERM", "")) in ("truecolor", "24bit"):
            env["COLORTERM"] = str(client["COLORTERM"])
        if cfg.color:
            env["TEXTUAL_COLOR_SYSTEM"] = cfg.color
        env["WORKBENCH_LANG"] = self.lang
        return env

    # -- the TUI on a pseudo-terminal --
    async def _run_tui(self, actor: Actor) -> None:
        assert self.chan is not None
        master, slave = os.openpty()
        self.master = master
        self._set_size(*self.size)
        os.set_blocking(master, False)
        argv = session_args(actor.handle, self.server.wb.settings.db_url, self.lang, None)
        try:
            self.pid = await self.server.zygote.fork(argv, self._child_env(), slave)
        except (OSError, asyncio.TimeoutError):
            # No zygote: start the session from a fresh interpreter instead (slower, same result).
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-c", SESSION_BOOT, *argv, stdin=slave, stdout=slave, stderr=slave,
                env=self._child_env(), start_new_session=True)
            self.pid = proc.pid
            self._proc = proc
        finally:
            os.close(slave)
        loop = asyncio.get_running_loop()
        exited = loop.create_future()
        try:
            self.pidfd = os.pidfd_open(self.pid)
        except ProcessLookupError:     # it has already ended
            exited.set_result(None)
        else:
            loop.add_reader(self.pidfd, lambda: exited.done() or exited.set_result(None))
            if self.closing:           # the client left or the server stops while it started
                self._signal(self.pidfd, signal.SIGTERM)
        self._resume_output()
        self.server.record(actor, "session", self.conn.address, pid=self.pid, term=self.term,
                           size=f"{self.size[0]}x{self.size[1]}")
        try:
            await exited
        finally:
            if self.pidfd is not None:
                loop.remove_reader(self.pidfd)
        if self._proc is not None:
            status: int | None = await self._proc.wait()
        else:
            status = await self.server.zygote.exit_status(self.pid, timeout=0.5)
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._ended.wait(), 1.0)   # the last output of the child
        self._stop_output()
        os.close(master)
        if self.pidfd is not None:
            os.close(self.pidfd)
        self.master = self.pidfd = None
        if self.chan is None or self.chan.is_closing():
            return
        if not self.closing and status not in (0, None):
            self.chan.write(RESET + message("crashed", self.lang, code=status))
            self.server.record(actor, "crashed", self.conn.address, pid=self.pid, status=status)
        elif self.closing_reason:
            self.chan.write(RESET + message(self.closing_reason, self.lang, **self.closing_params))
        self.chan.exit(0 if self.closing or status in (0, None) else 1)

    closing_reason: str | None = None
    closing_params: dict[str, Any] = {}
    _proc: asyncio.subprocess.Process | None = None      # only when started without the zygote

    def _set_size(self, width: int, height: int, pixwidth: int, pixheight: int) -> None:
        if self.master is not None:
            fcntl.ioctl(self.master, termios.TIOCSWINSZ, struct.pack("HHHH", height, width, pixwidth, pixheight))

    def terminal_size_changed(self, width: int, height: int, pixwidth: int, pixheight: int) -> None:
        self.size = _clamp(width, height, pixwidth, pixheight)
        self._set_size(*self.size)      # the kernel sends SIGWINCH to the session's child

    def _resume_output(self) -> None:
        if self.master is not None and not self._reading and not self._ended.is_set():
            asyncio.get_running_loop().add_reader(self.master, self._output)
            self._reading = True

    def _stop_output(self) -> None:
        if self.master is not None and self._reading:
            asyncio.get_running_loop().remove_reader(self.master)
            self._reading = False

    def _output(self) -> None:
        assert self.master is not None
        try:
            data = os.read(self.master, 1 << 16)
        except BlockingIOError:
            return
        except OSError:          # EIO: the child closed its terminal
            data = b""
        if not data:
            self._stop_output()
            self._ended.set()
            return
        self.bytes_out += len(data)
        if self.chan is not None and not self.chan.is_closing():
            self.chan.write(data)

    # Flow control: a slow client stops us reading the child, which then blocks on its terminal.
    def pause_writing(self) -> None:
        self._stop_output()

    def resume_writing(self) -> None:
        self._resume_output()

    def data_received(self, data: bytes, datatype: Any) -> None:
        self.last_input = time.monotonic()
        if self.master is None:
            if self.proc_stdin is not None:
                self.proc_stdin.write(data)
            return
        data = self._typed.decode(data).encode()
        if not data:
            return
        if self._inbuf:
            self._inbuf += data
            return
        try:
            n = os.write(self.master, data)
        except BlockingIOError:
            n = 0
        except OSError:
            return
        if n < len(data):
            self._inbuf += data[n:]
            assert self.chan is not None
            self.chan.pause_reading()
            asyncio.get_running_loop().add_writer(self.master, self._flush_input)

    def _flush_input(self) -> None:
        assert self.master is not None
        try:
            n = os.write(self.master, self._inbuf)
        except BlockingIOError:
            return
        except OSError:
            n = len(self._inbuf)
        del self._inbuf[:n]
        if not self._inbuf:
            asyncio.get_running_loop().remove_writer(self.master)
            if self.chan is not None:
                self.chan.resume_reading()

    proc_stdin: asyncio.StreamWriter | None = None

    def eof_received(self) -> bool:
        if self.proc_stdin is not None:
            self.proc_stdin.close()
        return True

    def connection_lost(self, exc: Exception | None) -> None:
        self.chan = None
        if self.pid is not None and not self.closing:
            asyncio.ensure_future(self.close(None))

    # -- ending a session --
    async def close(self, reason: str | None, **params: Any) -> None:
        """Tell the child to quit (it restores the terminal), then say why on the terminal."""
        if self.closing:
            return
        self.closing = True
        self.closing_reason = reason
        self.closing_params = params
        if reason is not None and self.conn.actor is not None:
            self.server.record(self.conn.actor, "closed", self.conn.address, reason=reason)
        if self.pid is None or self.pidfd is None:
            if self.chan is not None and reason is not None:
                self.chan.write(message(reason, self.lang, **params))
                self.chan.exit(0)
            return
        pidfd = self.pidfd
        self._signal(pidfd, signal.SIGTERM)
        deadline = time.monotonic() + self.server.config.shutdown_grace
        while self.pidfd is not None and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        if self.pidfd is not None:
            self._signal(pidfd, signal.SIGKILL)

    @staticmethod
    def _signal(pidfd: int, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError, OSError):
            signal.pidfd_send_signal(pidfd, sig)

    # -- one `workbench` command for a script --
    async def _run_command(self) -> None:
        assert self.chan is not None and self.command is not None
        env = _base_env()
        env["WORKBENCH_LANG"] = self.lang
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "workbench", *self.command, env=env,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, start_new_session=True)
        self.pid = proc.pid
        self.pidfd = os.pidfd_open(proc.pid)
        self.proc_stdin = proc.stdin

        async def pump(stream: asyncio.StreamReader, write: Callable[[bytes], None]) -> None:
            while data := await stream.read(1 << 16):
                if self.chan is not None:
                    write(data)

        chan = self.chan
        await asyncio.gather(pump(proc.stdout, chan.write), pump(proc.stderr, chan.write_stderr))
        status = await proc.wait()
        os.close(self.pidfd)
        self.pidfd = None
        if self.chan is not None:
            self.chan.exit(status if status >= 0 else 1)


def _clamp(width: int, height: int, pixwidth: int = 0, pixheight: int = 0) -> tuple[int, int, int, int]:
    return (max(1, min(int(width) or 80, 1000)), max(1, min(int(height) or 24, 1000)),
            max(0, min(int(pixwidth), 65535)), max(0, min(int(pixheight), 65535)))


# ---- running it ------------------------------------------------------------------------------------

def serve_forever(wb: Workbench, config: SshConfig, ready: Callable[[SshServer], None] | None = None) -> int:
    """Serve until SIGTERM or SIGINT; then close every session cleanly and return 0."""

    async def main() -> None:
        server = SshServer(wb, config)
        await server.start()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        if ready is not None:
            ready(server)
        await stop.wait()
        await server.stop()

    asyncio.run(main())
    return 0
