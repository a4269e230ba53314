"""The first screen, read in a second process while the first one loads the UI.

Most of `workbench run --as USER`'s start-up is loading libraries: Textual for the screen,
SQLAlchemy and pydantic for the store. Neither needs the other, so `prefetch()` forks before
either is loaded. The child opens the store, signs in, reads the dashboard and sends both down a
pipe, then exits; the parent loads Textual meanwhile and paints the dashboard when the view
arrives. The parent's own store (a `LazyWorkbench`) is opened in a background thread once the
first screen is on, so everything after it runs exactly as before. On a machine with two cores the
dashboard is on screen in little more than the time a bare Textual app takes.

The child does not load SQLAlchemy or pydantic either when it can help it: on a SQLite store at
the schema revision the dashboard's SQL was compiled for (`services.dashboard_compiled`), it
reads the panels with the standard library's sqlite3 (`SqliteReader`, `read_quickly`), through
the same panel code and the same SQL as every later refresh. Otherwise (PostgreSQL, another
revision, anything unexpected) it opens the store the ordinary way.

Anything unexpected in the child (an unknown user, a damaged store, a crash) makes `signed_in()`
answer None, and the caller starts the ordinary way, which reports the problem as it always has.
Nothing here imports Textual, SQLAlchemy or pydantic at module level.
"""

from __future__ import annotations

import os
import pickle
import re
import struct
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from workbench.bootstrap import Workbench
    from workbench.config import Settings
    from workbench.domain.actor import Actor
    from workbench.services.dashboard_view import DashboardView

_HEADER = struct.Struct("!I")


def available() -> bool:
    """Worth it only before the store's libraries are loaded (an SSH session's zygote has them
    already) and where processes can fork."""
    return hasattr(os, "fork") and "sqlalchemy" not in sys.modules


def prefetch(open_store: Callable[[], "Workbench"], handle: str,
             screens_for: Callable[[str | None], frozenset[str]],
             quick: Callable[[], tuple[str, "Actor", "DashboardView"]] | None = None) -> "FirstScreen | None":
    """Fork; the child signs in as `handle` and reads the dashboard: with `quick()` (see
    `read_quickly`) when it can, else through `open_store()`."""
    try:
        read_fd, write_fd = os.pipe()
        pid = os.fork()
    except OSError:
        return None
    if pid == 0:   # the child: never returns
        os.close(read_fd)
        _child(write_fd, open_store, handle, screens_for, quick)
    os.close(write_fd)
    return FirstScreen(pid, read_fd)


def _child(fd: int, open_store: Callable[[], "Workbench"], handle: str,
           screens_for: Callable[[str | None], frozenset[str]], quick) -> None:
    try:
        import gc

        gc.disable()   # a short-lived process: collecting while it loads the libraries only costs time
        # The parent owns the terminal: nothing of the child's may reach it.
        null = os.open(os.devnull, os.O_RDWR)
        for std in (0, 1, 2):
            os.dup2(null, std)
        if quick is not None:
            try:
                lang, actor, view = quick()
            except Exception:   # noqa: BLE001 - the ordinary way below reads it, or reports why not
                pass
            else:
                _send(fd, ("signed_in", lang, actor))
                _send(fd, ("view", view))
                return
        wb = open_store()
        actor = wb.sign_in(handle)
        from workbench.i18n import language

        _send(fd, ("signed_in", language(), actor))
        from workbench.services import dashboard

        view = wb.run(dashboard.load_dashboard, actor, screens_for(actor.role.value if actor.role else None))
        _send(fd, ("view", view))
    except BaseException:   # noqa: BLE001 - the parent starts the ordinary way and reports it
        pass
    finally:
        os._exit(0)


def _send(fd: int, message: Any) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    view = memoryview(_HEADER.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view):]


class FirstScreen:
    """The parent's end: who signed in (and in which language), then the dashboard's view."""

    def __init__(self, pid: int, fd: int) -> None:
        self.pid, self.fd = pid, fd
        self._lock = threading.Lock()

    def _receive(self) -> Any:
        header = self._read(_HEADER.size)
        if header is None:
            return None
        data = self._read(_HEADER.unpack(header)[0])
        return None if data is None else pickle.loads(data)

    def _read(self, n: int) -> bytes | None:
        chunks, left = [], n
        while left:
            chunk = os.read(self.fd, left)
            if not chunk:
                return None
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)

    def ready(self) -> bool:
        """Whether the child's next answer has arrived (or it has exited): reading it will not wait."""
        if self.fd < 0:
            return True
        import select

        return bool(select.select([self.fd], [], [], 0)[0])

    def signed_in(self) -> "tuple[str, Actor] | None":
        """(language, actor), or None when the child could not sign in (then it has exited)."""
        with self._lock:
            message = self._safe_receive()
        if not message or message[0] != "signed_in":
            self.close()
            return None
        return message[1], message[2]

    def view(self) -> "DashboardView | None":
        """The dashboard read by the child, or None if it could not be read; once."""
        with self._lock:
            if self.fd < 0:
                return None
            message = self._safe_receive()
        self.close(wait=False)   # the child is exiting: reaped at close(), off the first paint's path
        return message[1] if message and message[0] == "view" else None

    def _safe_receive(self) -> Any:
        try:
            return self._receive()
        except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError):
            return None

    def close(self, wait: bool = True) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
        if self.pid:
            try:
                done, _status = os.waitpid(self.pid, 0 if wait else os.WNOHANG)
            except ChildProcessError:
                done = self.pid
            if done:
                self.pid = 0


class LazyWorkbench:
    """Stands for the Workbench until it is opened in a background thread: `start()` begins
    (the app calls it once the first screen is painted), any other use waits for it. `on_change`
    listeners given before are passed on."""

    def __init__(self, build: Callable[[], "Workbench"], on_start: Callable[[], None] | None = None) -> None:
        self._build = build
        self._on_start = on_start
        self._wb: "Workbench | None" = None
        self._error: BaseException | None = None
        self._ready = threading.Event()
        self._started = False
        self._lock = threading.Lock()
        self._listeners: list[Callable[[], None]] = []
        self._when_ready: list[Callable[[], None]] = []

    def start(self) -> None:
        with self._lock:
            if self._started:
                return
            self._started = True
        if self._on_start is not None:
            self._on_start()
        threading.Thread(target=self._open, name="workbench-open", daemon=True).start()

    def _open(self) -> None:
        try:
            wb = self._build()
            with self._lock:
                for listener in self._listeners:
                    wb.on_change(listener)
                self._wb = wb
        except BaseException as exc:   # noqa: BLE001 - raised again to whoever uses the store
            self._error = exc
        with self._lock:
            self._ready.set()
            callbacks, self._when_ready = self._when_ready, []
        for callback in callbacks:
            callback()

    def get(self) -> "Workbench":
        """The open Workbench, waiting for it. Using the store does not start the opening (the
        app's poll would start it during the first paint and slow it): `start()` does."""
        self._ready.wait()
        if self._error is not None:
            raise self._error
        assert self._wb is not None
        return self._wb

    def when_ready(self, callback: Callable[[], None]) -> None:
        """`callback()` once the store is open (in the opening thread), or now if it is."""
        with self._lock:
            if not self._ready.is_set():
                self._when_ready.append(callback)
                return
        callback()

    def on_change(self, listener: Callable[[], None]) -> None:
        with self._lock:
            if self._wb is None:
                self._listeners.append(listener)
                return
        self._wb.on_change(listener)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.get(), name)


# ---- the dashboard without SQLAlchemy ----------------------------------------------------------------

class QuickReadError(Exception):
    """The quick reader cannot read this store; the ordinary way will."""


_LIST = re.compile(r"\(__\[POSTCOMPILE_(\w+)\]\)")


class SqliteReader:
    """The panels' reader (`services.panels.Reader`) over sqlite3 and the compiled SQL: parameters
    bound and columns read back as SQLAlchemy does for these types (`dashboard_sql.compiled`)."""

    def __init__(self, path: Path) -> None:
        import sqlite3
        from urllib.parse import quote

        from workbench.services.dashboard_compiled import QUERIES, REVISION

        self.queries = QUERIES
        # mode=rw: never create a file that is not there; query_only: this reader writes nothing.
        self.conn = sqlite3.connect(f"file:{quote(str(path))}?mode=rw", uri=True, isolation_level=None,
                                    check_same_thread=False)
        self.conn.execute("PRAGMA busy_timeout=10000")
        self.conn.execute("PRAGMA query_only=ON")
        found = self.conn.execute("SELECT version_num FROM alembic_version").fetchall()
        if found != [(REVISION,)]:
            self.close()
            raise QuickReadError(f"the store is at {found}, the compiled SQL at {REVISION}")
        self.conn.execute("BEGIN")   # one snapshot for every panel, as a session's transaction

    def rows(self, name: str, **params: Any) -> list[tuple]:
        sql, defaults, readers = self.queries[name]
        values = {**defaults, **params}
        bound: dict[str, Any] = {}

        def expand(m: re.Match) -> str:
            items = values[m.group(1)]
            if not items:
                raise QuickReadError(f"{name}: an empty list")
            names = [f"{m.group(1)}__{i}" for i in range(len(items))]
            bound.update(zip(names, items))
            return "(" + ", ".join(f":{n}" for n in names) + ")"

        sql = _LIST.sub(expand, sql)
        bound.update((k, v) for k, v in values.items() if not isinstance(v, list))
        bound = {k: _bind(v) for k, v in bound.items()}
        rows = self.conn.execute(sql, bound).fetchall()
        if not any(readers):
            return rows
        return [tuple(_read(r, v) for r, v in zip(readers, row)) for row in rows]

    def close(self) -> None:
        self.conn.close()


def _bind(value: Any) -> Any:
    if isinstance(value, datetime):   # UTCDateTime, as SQLAlchemy's SQLite DATETIME writes it
        if value.tzinfo is None:
            raise ValueError("naive datetime reached the store")
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, bool):
        return int(value)
    if value is None or isinstance(value, (int, str)):
        return value
    raise QuickReadError(f"cannot bind {type(value).__name__}")


def _read(reader: str, value: Any) -> Any:
    if value is None or not reader:
        return value
    if reader == "bool":
        return bool(value)
    if reader == "datetime":
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    scale = int(reader.partition(":")[2])   # decimal:N, as SQLAlchemy's Numeric reads a SQLite value
    return Decimal(f"%.{scale}f" % value)


def read_quickly(settings: "Settings", handle: str, screens_for: Callable[[str | None], frozenset[str]],
                 now: datetime) -> tuple[str, "Actor", "DashboardView"]:
    """Sign in as `handle` and read the dashboard with `SqliteReader` (SQLite stores only)."""
    from workbench.config import load_rules
    from workbench.domain.actor import Actor
    from workbench.domain.roles import Role
    from workbench.i18n import language, set_language
    from workbench.services import panels

    url = settings.db_url
    if not url.startswith("sqlite:///") or "?" in url:
        raise QuickReadError("not a SQLite file")
    path = Path(url.removeprefix("sqlite:///"))
    if not path.is_file():
        raise QuickReadError("no such file")
    set_language(settings.lang)
    rules = load_rules()
    reader = SqliteReader(path)
    try:
        found = reader.rows("users.by_handle", handle=handle)
        if not found:
            raise QuickReadError("no such user")   # the ordinary way says so, in its words
        uid, handle, name, role = found[0]
        actor = Actor(id=uid, handle=handle, name=name, role=Role(role), zone=settings.zone)
        view = panels.build(panels.context(reader, now, rules), actor, screens_for(actor.role.value))
    finally:
        reader.close()
    return language(), actor, view
