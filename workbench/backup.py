"""Backup and restore of a SQLite store: a consistent copy taken while the store is in use, and a
restore that checks what it is given and replaces the store in one rename."""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url

from workbench.store.engine import StoreError, sqlite_path
from workbench.store.migrate import MIGRATIONS, head_revision

SQLITE_MAGIC = b"SQLite format 3\x00"
# Tables every Workbench store has had since its first migration.
CORE_TABLES = {"alembic_version", "users", "accounts", "journals", "postings", "audit_log"}


class BackupError(StoreError):
    """A backup or restore was refused or failed; the message is one line for a human."""


@dataclass(frozen=True)
class StoreFile:
    path: Path
    revision: str
    size: int


def _postgresql_advice(db_url: str, verb: str, path: Path) -> BackupError:
    url = make_url(db_url).set(drivername="postgresql").render_as_string(hide_password=True)
    if verb == "backup":
        how = f"pg_dump --format=custom --file={path} '{url}'"
    else:
        how = f"pg_restore --clean --if-exists --no-owner --dbname='{url}' {path}"
    return BackupError(f"--db: a PostgreSQL store is backed up with pg_dump and restored with pg_restore: {how}")


def _known_revisions() -> set[str]:
    return {rev.revision for rev in ScriptDirectory(str(MIGRATIONS)).walk_revisions()}


def inspect(path: Path, *, thorough: bool = True) -> StoreFile:
    """What `path` holds, if it is an undamaged Workbench store this version can open
    (`thorough=False`: a quick check, for a live store that is large)."""
    try:
        with path.open("rb") as f:
            magic = f.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise BackupError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if magic != SQLITE_MAGIC:
        raise BackupError(f"{path}: not a Workbench store (not a SQLite database)")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise BackupError(f"{path}: cannot be opened ({exc})") from None
    try:
        check = conn.execute("PRAGMA integrity_check" if thorough else "PRAGMA quick_check").fetchall()
        if [r[0] for r in check] != ["ok"]:
            raise BackupError(f"{path}: the file is damaged ({check[0][0]})")
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not CORE_TABLES <= tables:
            raise BackupError(f"{path}: not a Workbench store (no {', '.join(sorted(CORE_TABLES - tables))} table)")
        revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path}: the file is damaged ({exc})") from None
    finally:
        conn.close()
    if revision is None:
        raise BackupError(f"{path}: not a Workbench store (no schema revision)")
    if revision[0] not in _known_revisions():
        raise BackupError(f"{path}: made by a newer Workbench (schema {revision[0]}, this one knows up to "
                          f"{head_revision()}); upgrade Workbench first")
    return StoreFile(path, revision[0], path.stat().st_size)


def _copy(source: Path, target: Path) -> None:
    """Copy with SQLite's backup API in one step: it reads one snapshot (writers in WAL mode go on
    meanwhile), and the copy is a single self-contained file (no -wal beside it)."""
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(target)
    try:
        src.execute("PRAGMA busy_timeout=30000")
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")
        dst.commit()
    finally:
        dst.close()
        src.close()
    with target.open("rb") as f:
        os.fsync(f.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove(path: Path) -> None:
    for suffix in ("", "-journal", "-wal", "-shm"):
        p = path.with_name(path.name + suffix)
        if p.exists():
            p.unlink()


def backup(db_url: str, target: Path, *, force: bool = False) -> StoreFile:
    """A consistent copy of the live store at `target`, checked before it is put in place."""
    source = sqlite_path(db_url)
    if source is None:
        if make_url(db_url).get_backend_name() == "postgresql":
            raise _postgresql_advice(db_url, "backup", target)
        raise BackupError("--db: only a store in a SQLite file can be backed up this way")
    if not source.exists():
        raise BackupError(f"--db: no database at {source}")
    inspect(source, thorough=False)
    target = target.expanduser()
    if target.resolve() == source.resolve():
        raise BackupError(f"{target}: is the store itself; choose another file")
    if target.exists() and not force:
        raise BackupError(f"{target}: already exists; add --force to replace it")
    if not target.parent.is_dir():
        raise BackupError(f"{target}: the folder {target.parent} does not exist")
    partial = target.with_name(f".{target.name}.partial")
    _remove(partial)
    try:
        _copy(source, partial)
        inspect(partial)
        os.replace(partial, target)
    except OSError as exc:
        raise BackupError(f"{target}: cannot be written ({exc.strerror or exc})") from None
    finally:
        _remove(partial)
    _fsync_dir(target.parent)
    return inspect(target)


def restore(source: Path, db_url: str, *, force: bool = False) -> StoreFile:
    """Replace the store with the backup at `source`. Refuses anything that is not an undamaged
    Workbench store of a schema this version knows, and an existing store without `force`. The
    new store is built beside the old one and renamed over it, so a failure leaves the old one."""
    source = source.expanduser()
    target = sqlite_path(db_url)
    if target is None:
        if make_url(db_url).get_backend_name() == "postgresql":
            raise _postgresql_advice(db_url, "restore", source)
        raise BackupError("--db: a backup can only be restored into a SQLite file")
    if not source.exists():
        raise BackupError(f"{source}: no such file")
    info = inspect(source)
    if target.exists() and target.resolve() == source.resolve():
        raise BackupError(f"{source}: is the store itself")
    if target.exists() and not force:
        raise BackupError(f"--db: {target} already exists; add --force to replace it with the backup")
    if not target.parent.is_dir():
        raise BackupError(f"--db: the folder {target.parent} does not exist")
    building = target.with_name(f".{target.name}.restoring")
    _remove(building)
    try:
        _copy(source, building)
        inspect(building)
        if target.exists():
            # Fold the old store's log into it first: a log left beside the new file would be
            # replayed into it. After this, the -wal file holds nothing and can go.
            old = sqlite3.connect(target, timeout=30)
            try:
                old.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                old.close()
        for suffix in ("-wal", "-shm", "-journal"):
            stale = target.with_name(target.name + suffix)
            if stale.exists():
                stale.unlink()
        os.replace(building, target)
    except (OSError, sqlite3.Error) as exc:
        raise BackupError(f"--db: {target} cannot be replaced ({getattr(exc, 'strerror', None) or exc})") from None
    finally:
        _remove(building)
    _fsync_dir(target.parent)
    return StoreFile(target, info.revision, target.stat().st_size)
