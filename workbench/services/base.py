"""What every use case shares: the actor, role checks, audit rows and notifications."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from operator import itemgetter
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import Table
from sqlalchemy.engine import Dialect

from workbench.domain.actor import SYSTEM, Actor
from workbench.domain.errors import DomainError, Forbidden
from workbench.domain.roles import Role
from workbench.i18n import _
from workbench.store.models import AuditEntry, Notification
from workbench.store.uow import UnitOfWork


def __getattr__(name: str) -> Any:
    """`Command` lives in services.command and is loaded with pydantic when a module that defines
    commands is imported, not by the modules a session reads at rest (the dashboard, the poll)."""
    if name == "Command":
        from workbench.services.command import Command

        return Command
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


F = TypeVar("F", bound=Callable[..., Any])


# One encoder for every call: json.dumps with options builds a new encoder each time, which the bulk
# writers (ten thousand rows in a transition batch) would pay per row.
_ENCODER = json.JSONEncoder(ensure_ascii=False, default=str, sort_keys=True)


def _encode(values: dict[str, Any]) -> str:
    """How audit details and notification parameters are stored: JSON, Chinese kept readable."""
    return _ENCODER.encode(values)


def read_only(fn: F) -> F:
    """Mark a use case that only reads: its transaction takes no write lock."""
    fn.read_only = True  # type: ignore[attr-defined]
    return fn


def require_role(actor: Actor, *roles: Role) -> None:
    if actor.is_system:
        return
    if actor.role not in roles:
        raise Forbidden(
            _("{role}不能执行此操作").format(role=actor.role.label if actor.role else "?")
        )


def audit(uow: UnitOfWork, actor: Actor, action: str, entity: str, entity_id: int | None,
          **detail: Any) -> None:
    """One audit row for one change; written in the same transaction as the change."""
    uow.session.add(AuditEntry(
        at=uow.now, actor_id=actor.id, action=action, entity=entity, entity_id=entity_id,
        detail=_encode(detail),
    ))


def audit_many(uow: UnitOfWork, actor: Actor, rows: list[tuple[str, str, int, dict[str, Any]]]) -> None:
    """`audit` for many changes at once: (action, entity, entity id, detail) each, one bulk insert."""
    if rows:
        insert_many(uow, AuditEntry.__table__, ("action", "entity", "entity_id", "detail"),
                    [(action, entity, entity_id, _encode(detail)) for action, entity, entity_id, detail in rows],
                    fixed={"at": uow.now, "actor_id": actor.id})


def insert_many(uow: UnitOfWork, table: Table, columns: tuple[str, ...], rows: list[tuple[Any, ...]],
                fixed: dict[str, Any] | None = None) -> None:
    """Insert `rows` (values in `columns` order) into `table` in one executemany; `fixed` gives the
    values every row shares. See `execute_many`."""
    execute_many(uow, _insert(table), columns, rows, fixed)


@cache
def _insert(table: Table) -> Any:
    return table.insert()


def execute_many(uow: UnitOfWork, statement: Any, names: tuple[str, ...], rows: list[tuple[Any, ...]],
                 fixed: dict[str, Any] | None = None) -> None:
    """Run `statement` (built once, e.g. at module level) for each of `rows`, which give its
    parameters `names` in that order, in one executemany; `fixed` gives the parameters every row
    shares. Each value reaches the database as the parameter's type writes it, as when the
    statement runs through SQLAlchemy, but without the per-row parameter handling of an
    executemany there: a transition batch writes tens of thousands of rows, and that handling cost
    more than the writes themselves."""
    if not rows:
        return
    conn = uow.session.connection()
    fixed = fixed or {}
    plan = _many_plan(statement, names + tuple(fixed), conn.dialect)
    shared = tuple(f(v) if f else v for f, v in zip(plan.convert[len(names):], fixed.values()))
    per_row = plan.convert[:len(names)]
    if any(per_row):
        rows = [tuple(f(v) if f else v for f, v in zip(per_row, row)) for row in rows]
    if plan.names is not None:   # the driver takes named parameters: a mapping per row
        params: list[Any] = [dict(zip(plan.names, row + shared)) for row in rows]
    elif plan.reorder is not None:
        params = [plan.reorder(row + shared) for row in rows]
    else:
        params = [row + shared for row in rows]
    conn.exec_driver_sql(plan.sql, params)


class _ManyPlan(NamedTuple):
    sql: str                                   # the statement as the driver takes it
    names: tuple[str, ...] | None              # parameter names in row order, for a driver taking names
    reorder: Callable[[tuple], tuple] | None   # row order -> the statement's positional order, if they differ
    convert: tuple[Callable[[Any], Any] | None, ...]   # each parameter's conversion by its type, in row order


@cache
def _many_plan(statement: Any, order: tuple[str, ...], dialect: Dialect) -> _ManyPlan:
    compiled = statement.compile(dialect=dialect, column_keys=list(order), for_executemany=True)
    binds = compiled.binds
    # Every parameter must come from the rows: a column default or a literal of the statement would
    # need SQLAlchemy's own handling of each row.
    if set(binds) != set(order) or compiled.literal_execute_params or compiled.post_compile_params:
        raise ValueError(f"execute_many: the statement takes {sorted(binds)}, the rows give {list(order)}")
    convert = tuple(binds[name].type.dialect_impl(dialect).bind_processor(dialect) for name in order)
    if not compiled.positional:
        return _ManyPlan(compiled.string, order, None, convert)
    positions = list(compiled.positiontup or [])
    if sorted(positions) != sorted(order):
        raise ValueError(f"execute_many: the statement takes {positions}, the rows give {list(order)}")
    reorder = None if positions == list(order) else itemgetter(*[order.index(n) for n in positions])
    return _ManyPlan(compiled.string, None, reorder, convert)


def notify(uow: UnitOfWork, user_id: int, kind: str, *, screen: str | None = None,
           ref_id: int | None = None, urgent: bool = False, **params: Any) -> None:
    """Queue a notification; its text is rendered in the reader's language when shown.

    A user with a team-chat webhook also gets a push queued in the same transaction (the outbox),
    held back by their quiet hours unless `urgent` (the last reminder before a deadline)."""
    from workbench.services import webhooks

    note = Notification(
        user_id=user_id, at=uow.now, kind=kind, screen=screen, ref_id=ref_id,
        params=_encode(params),
    )
    uow.session.add(note)
    webhooks.enqueue(uow, note, urgent=urgent)


def notify_many(uow: UnitOfWork, notes: list[tuple[int, str, str, int, dict[str, Any]]]) -> None:
    """Notifications as `notify` writes them; users with a team-chat webhook go through `notify`
    itself, which also queues their push."""
    if not notes:
        return
    from workbench.services import webhooks

    pushed = webhooks.pushed_users(uow, {n[0] for n in notes})
    plain = []
    for user_id, kind, screen, ref_id, params in notes:
        if user_id in pushed:
            notify(uow, user_id, kind, screen=screen, ref_id=ref_id, **params)
        else:
            plain.append((user_id, kind, screen, ref_id, _encode(params)))
    insert_many(uow, Notification.__table__, ("user_id", "kind", "screen", "ref_id", "params"), plain,
                fixed={"at": uow.now})


def guarded_update(uow: UnitOfWork, row: Any, check: Callable[[], None], busy_message: str, **values: Any) -> None:
    """Change `row` only if it is still as the caller read it (same version) and `check()` passes.

    The conditional UPDATE is what makes an action safe when two processes race on one record:
    exactly one wins; the other re-reads the row and gets the rule's own message for its new state.
    """
    from sqlalchemy import update

    from workbench.domain.errors import Conflict

    check()
    model = type(row)
    result = uow.session.execute(
        update(model).where(model.id == row.id, model.version == row.version)
        .values(version=row.version + 1, **values).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        uow.session.refresh(row)
        check()
        raise Conflict(busy_message, field=model.__tablename__)
    uow.session.refresh(row)


def party_visible(actor: Actor, merchant_id: int, creator_id: int) -> bool:
    """A cooperation (task or order) is seen by its merchant, its creator, support staff and the system."""
    return (actor.is_system or actor.role is Role.SUPPORT
            or (actor.role is Role.MERCHANT and merchant_id == actor.id)
            or (actor.role is Role.CREATOR and creator_id == actor.id))
