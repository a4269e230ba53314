"""Claiming due work (reminders, outbox rows) so that several workers never take the same row."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select

from workbench.store.uow import UnitOfWork

S = TypeVar("S", bound=Select[Any])


def claim(stmt: S, uow: UnitOfWork, *, of: Any = None) -> S:
    """`stmt` made into a claim: on PostgreSQL `FOR UPDATE SKIP LOCKED`, so rows another worker
    is claiming right now are passed over instead of waited for (mark them claimed in the same
    transaction); on SQLite unchanged, since its writers already take turns on the write lock.

    `of` names the table to lock when `stmt` joins others (`claim(stmt, uow, of=WebhookDelivery)`).
    """
    if uow.session.get_bind().dialect.name != "postgresql":
        return stmt
    return stmt.with_for_update(skip_locked=True, of=of)
