"""The home dashboard (用户工作台): five panels computed from the store for one user.

The panels themselves are made in `services.panels` from the named queries of
`services.dashboard_sql`; here they read through the unit of work's session."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from workbench.services import panels
from workbench.services.base import Actor, read_only
from workbench.services.dashboard_sql import STATEMENTS
from workbench.store.uow import UnitOfWork
from workbench.services.dashboard_view import (  # noqa: F401  (the view types belong to this use case)
    CaseView, DashboardView, Figure, Recommendation, Step, TodoItem,
)


class SessionReader:
    """The panels' reader over a session: each named query run as its statement."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    def rows(self, name: str, **params: Any) -> list[tuple]:
        return [tuple(r) for r in self.uow.session.execute(STATEMENTS[name], params)]


def context(uow: UnitOfWork) -> panels.Context:
    return panels.context(SessionReader(uow), uow.now, uow.rules)


@read_only
def load_dashboard(uow: UnitOfWork, actor: Actor, screens: frozenset[str] = frozenset()) -> DashboardView:
    """All five panels for `actor`. `screens`: the screens the caller can open, for links."""
    return panels.build(context(uow), actor, screens)


def _income_since(uow: UnitOfWork, actor: Actor, since: datetime) -> int:
    return panels.income_since(context(uow), actor.id, since)


def _income_since_postings(uow: UnitOfWork, actor: Actor, since: datetime) -> int:
    """`_income_since` from the postings themselves, whatever `since` is."""
    return context(uow).count("income.postings_since", actor=actor.id, since=since)


def _spend(uow: UnitOfWork, actor: Actor) -> int:
    return panels.spend(context(uow), actor.id)
