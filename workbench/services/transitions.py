"""Automatic transitions that fall due with time, applied by `workbench tick` and the scheduler."""

from __future__ import annotations

from workbench.services import orders, tasks
from workbench.services.base import Actor
from workbench.store.uow import UnitOfWork


def apply_due(uow: UnitOfWork, actor: Actor) -> dict[str, int]:
    """Apply every transition whose time has come; running it twice changes nothing more."""
    counts = {"timed_out": tasks.time_out_due_tasks(uow, actor)}
    counts.update(orders.apply_due(uow, actor))
    return counts
