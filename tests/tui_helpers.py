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


def snapshot_of(snap_compare, demo_path, user: str, key: str, size: tuple[int, int] = (120, 40), **kwargs) -> bool:
    """The snapshot of screen `key` (opened with `kwargs`) as `user` on a copy of the demo store."""
    from screens.app import WorkbenchApp
    from tests.conftest import open_store

    wb = open_store(demo_path)
    try:
        app = WorkbenchApp(wb, wb.sign_in(user))

        async def go(pilot):
            await settle(pilot)
            app.action_open(key, **kwargs)
            await settle(pilot)

        return snap_compare(app, terminal_size=size, run_before=go)
    finally:
        wb.close()
