"""Driving the real app in Textual's pilot."""

from __future__ import annotations

from textual.worker import WorkerCancelled, WorkerState

BUSY = (WorkerState.PENDING, WorkerState.RUNNING)


async def settle(pilot) -> None:
    """Wait until no worker is pending or running and the messages they posted are handled.

    A worker that finishes posts its result back to the UI, which may start another worker
    (a reload after a change), so this waits for two quiet rounds in a row.
    """
    quiet = 0
    for _ in range(100):
        await pilot.pause()
        try:
            await pilot.app.workers.wait_for_complete()
        except WorkerCancelled:   # an exclusive reload replaced an older one: that is fine
            pass
        await pilot.pause()
        busy = any(w.state in BUSY for w in pilot.app.workers)
        quiet = 0 if busy else quiet + 1
        if quiet >= 2:
            return
