"""Unit of work: one session, one transaction; commits once or not at all."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from workbench.clock import Clock
from workbench.config import Rules
from workbench.domain.errors import Conflict
from workbench.i18n import _
from workbench.store.engine import READ_ONLY

T = TypeVar("T")


class UnitOfWork:
    """`with uow_factory() as uow: ...; uow.commit()` — leaving without commit rolls back."""

    def __init__(self, session_factory: sessionmaker[Session], clock: Clock, rules: Rules,
                 read_only: bool = False) -> None:
        self._session_factory = session_factory
        self.read_only = read_only
        self.clock = clock
        self.rules = rules
        self.session: Session
        self.changed = False

    def __enter__(self) -> "UnitOfWork":
        self.session = self._session_factory()
        self.session.connection(execution_options={READ_ONLY: self.read_only})
        self._now: datetime | None = None
        return self

    def __exit__(self, *exc: object) -> None:
        self.session.rollback()
        self.session.close()

    @property
    def now(self) -> datetime:
        """One instant per unit of work, so every row of a change carries the same time."""
        if self._now is None:
            self._now = self.clock.now()
        return self._now

    def commit(self) -> None:
        self.session.commit()
        self.changed = True

    def rollback(self) -> None:
        self.session.rollback()


UowFactory = Callable[..., UnitOfWork]


def uow_factory(engine: Engine, clock: Clock, rules: Rules) -> UowFactory:
    sessions = sessionmaker(bind=engine, expire_on_commit=False)
    return lambda read_only=False: UnitOfWork(sessions, clock, rules, read_only)


def expect_version(row: object, seen: int | None, field: str = "version") -> None:
    """Optimistic locking across transactions: the person acted on the row as they saw it
    (`seen`, from the view they were shown); if anyone changed it since, refuse instead of
    overwriting their change. `seen=None` means the caller did not say (scripts, the CLI)."""
    if seen is not None and getattr(row, "version") != seen:
        raise Conflict(_("已被他人修改，请刷新"), field=field)


# PostgreSQL's "could not serialize access" and "deadlock detected": the transaction did nothing
# and running it again, on what the other one committed, gives the answer one-at-a-time would.
RETRYABLE = frozenset({"40001", "40P01"})
ATTEMPTS = 12


def is_retryable(exc: BaseException) -> bool:
    return isinstance(exc, DBAPIError) and getattr(exc.orig, "sqlstate", None) in RETRYABLE


def retrying(attempt: Callable[[], T], attempts: int = ATTEMPTS) -> T:
    """Run `attempt` (one whole unit of work) again while the database says it collided with a
    concurrent one. SQLite never says so: its writers queue on the write lock instead."""
    for n in range(attempts):
        try:
            return attempt()
        except DBAPIError as exc:
            if not is_retryable(exc):
                raise
            time.sleep(random.uniform(0, min(0.2, 0.005 * 2 ** n)))
    raise Conflict(_("已被他人修改，请刷新"))
