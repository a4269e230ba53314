"""Opening the store: SQLite (pragmas, checks for unwritable or damaged files) or PostgreSQL."""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DatabaseError, OperationalError


class StoreError(Exception):
    """The store cannot be opened; the message is one line for a human."""


def sqlite_path(url: str) -> Path | None:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreError(f"--db: not a database URL: {url}") from None
    if parsed.get_backend_name() != "sqlite":
        return None
    db = parsed.database
    if not db or db == ":memory:":
        return None
    return Path(db)


def _check_writable(path: Path) -> None:
    parent = path.parent
    if path.exists():
        if not os.access(path, os.W_OK):
            raise StoreError(f"--db: cannot write to {path}")
        return
    probe = parent
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir() or not os.access(probe, os.W_OK | os.X_OK):
        raise StoreError(f"--db: cannot create the database in {parent} (not writable)")


def _sqlite_pragmas(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    # The driver's own transaction handling is switched off; `_sqlite_begin` starts them.
    dbapi_connection.isolation_level = None
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


READ_ONLY = "workbench_read_only"


def _sqlite_begin(conn) -> None:
    """Writers take the write lock up front (BEGIN IMMEDIATE), so two processes changing the
    same rows queue on the busy timeout instead of failing half-way; readers begin deferred."""
    read_only = conn.get_execution_options().get(READ_ONLY, False)
    conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def _postgresql_engine(parsed: URL) -> Engine:
    """PostgreSQL through psycopg 3. Transactions are SERIALIZABLE, so any two that would have
    interfered fail one of them with a serialization error, which `uow.retrying` runs again:
    the same outcome as SQLite's one-writer-at-a-time, while writers of unrelated rows proceed."""
    if parsed.get_driver_name() != "psycopg":
        raise StoreError(f"--db: use the psycopg driver: postgresql+psycopg://user@host/database "
                         f"(got {parsed.drivername})")
    args = {"connect_timeout": 10, "application_name": "workbench"}
    # Every SSH session is a process with its own pool: keep at most two idle connections each
    # (the UI thread and a worker), so a server's connection limit counts sessions, not pools.
    return create_engine(parsed, isolation_level="SERIALIZABLE", pool_pre_ping=True, pool_size=2,
                         max_overflow=8, pool_recycle=3600, connect_args=args)


def make_engine(url: str, *, create: bool = True) -> Engine:
    """An engine for `url`. SQLite runs with WAL, foreign keys and a busy timeout; PostgreSQL
    (`postgresql+psycopg://user:password@host:5432/database`) runs SERIALIZABLE."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreError(f"--db: not a database URL: {url}") from None
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise StoreError(f"--db: {backend} is not supported (use a SQLite file or postgresql+psycopg://...)")
    path = sqlite_path(url)
    if path is not None:
        if not create and not path.exists():
            raise StoreError(f"--db: no database at {path} (run `workbench demo` to create one)")
        _check_writable(path)
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        engine = _postgresql_engine(parsed) if backend == "postgresql" else create_engine(parsed)
    except ImportError as exc:
        raise StoreError(f"--db: the driver for {parsed.drivername} is not installed ({exc.name})") from None
    if backend == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    give_up = time.monotonic() + 15
    while True:
        try:
            with engine.connect() as conn:
                if parsed.get_backend_name() == "sqlite":
                    # Cheap on any size: the header and the schema are read, not every page
                    # (quick_check took seconds on a large store; `workbench backup/restore` still run it).
                    # Never read the file with plain file I/O here: closing any descriptor of a SQLite
                    # file drops this process's POSIX locks on it, and another process may then delete
                    # the WAL under a live connection. SQLite itself says "file is not a database".
                    conn.execute(text("PRAGMA schema_version")).scalar()
                    conn.execute(text("SELECT count(*) FROM sqlite_master")).scalar()
            return engine
        except (DatabaseError, OperationalError) as exc:
            orig = " ".join(str(getattr(exc, "orig", exc)).split())
            # A new file that other processes are creating at this instant can answer "locked"
            # without waiting on the busy timeout (while it is being switched to WAL): look again.
            if backend == "sqlite" and "locked" in orig and time.monotonic() < give_up:
                time.sleep(0.1)
                continue
            engine.dispose()
            raise StoreError(f"--db: {parsed.render_as_string(hide_password=True)} cannot be opened: {orig}") from None


def checkpoint(engine: Engine) -> None:
    """Fold the WAL into the main file (so the file can be copied or moved on its own)."""
    if engine.dialect.name != "sqlite":
        return
    raw = engine.raw_connection()
    try:
        raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        raw.close()
