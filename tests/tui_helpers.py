"""Driving the real app in Textual's pilot."""

from __future__ import annotations


async def settle(pilot) -> None:
    """Wait until every load and action worker has finished and the screen has repainted."""
    for _ in range(3):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()
