"""The composition root: settings → rules → engine → unit of work → clock → services."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Engine

from workbench.clock import Clock, clock_from
from workbench.config import Rules, Settings, load_rules
from workbench.i18n import set_language
from workbench.domain.actor import Actor
from workbench.store.engine import make_engine
from workbench.store.migrate import upgrade
from workbench.store.uow import retrying, uow_factory

T = TypeVar("T")


class Workbench:
    """What every entry point holds: run a use case as an actor in its own unit of work."""

    def __init__(self, settings: Settings, rules: Rules, engine: Engine, clock: Clock) -> None:
        self.settings = settings
        self.rules = rules
        self.engine = engine
        self.clock = clock
        self.uow = uow_factory(engine, clock, rules)
        self._listeners: list[Callable[[], None]] = []

    def run(self, use_case: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """`wb.run(funds.top_up, actor, cmd)`: one use case, one transaction (run again if
        PostgreSQL found it colliding with a concurrent one)."""
        def attempt() -> tuple[T, bool]:
            with self.uow(read_only=getattr(use_case, "read_only", False)) as uow:
                return use_case(uow, *args, **kwargs), uow.changed

        result, changed = retrying(attempt)
        if changed:
            for listener in list(self._listeners):
                listener()
        return result

    def on_change(self, listener: Callable[[], None]) -> None:
        """Call `listener` after any use case that committed a change."""
        self._listeners.append(listener)

    def sign_in(self, handle: str) -> Actor:
        from workbench.services import users   # its commands load pydantic: not before it is used

        return self.run(users.sign_in, handle, self.settings.zone)

    def close(self) -> None:
        self.engine.dispose()


def bootstrap(settings: Settings, *, rules: Rules | None = None, clock: Clock | None = None,
              migrate: bool = True, create: bool = True) -> Workbench:
    """Build a Workbench; brings the schema to the latest migration unless told not to."""
    set_language(settings.lang)
    rules = rules or load_rules()
    engine = make_engine(settings.db_url, create=create)
    if migrate:
        upgrade(engine)
    return Workbench(settings, rules, engine, clock or clock_from(settings.now))
