"""The background scheduler: fires due transitions and reminders, waking at the next due moment.

APScheduler does the timing (a date job moved to the next due moment, plus a slow safety sweep);
the store says what is due, and a lease in the store lets one process fire at a time. It runs inside
the TUI (on Textual's event loop, work in a thread) and as the `workbench scheduler` daemon.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from datetime import datetime, timedelta

from apscheduler.schedulers.base import BaseScheduler

from workbench.bootstrap import Workbench
from workbench import push
from workbench.services import reminders, reputation, transitions, webhooks
from workbench.services.base import SYSTEM

log = logging.getLogger("workbench.scheduler")


def default_holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class Firing:
    """One process's share of the firing: take the lease, apply what is due, send reminders."""

    def __init__(self, wb: Workbench, holder: str | None = None, lease_seconds: int = 30,
                 sweep_seconds: int = 60) -> None:
        self.wb = wb
        self.holder = holder or default_holder()
        self.lease_seconds = lease_seconds
        self.sweep_seconds = sweep_seconds
        self.scheduler: BaseScheduler | None = None
        self._lock = threading.Lock()   # one firing at a time within this process
        self._stopping = False

    def run_once(self) -> dict[str, int]:
        """Catch up on everything due now; a process without the lease does nothing."""
        with self._lock:
            if not self.wb.run(reminders.take_lease, self.holder, self.lease_seconds):
                return {"leader": 0}
            counts = {"leader": 1}
            counts.update(self.wb.run(transitions.apply_due, SYSTEM))
            counts.update(self.wb.run(reminders.send_due_reminders, SYSTEM))
            counts.update(self.push_due())
            return counts

    def push_due(self) -> dict[str, int]:
        """Post the webhook pushes that are due, outside any transaction, then record each answer."""
        outcome = {"pushed": 0, "push_retry": 0, "push_failed": 0}
        while True:
            pushes = self.wb.run(webhooks.claim_due, 100)
            if not pushes:
                return outcome
            for p, error in push.post_all(pushes):
                status = self.wb.run(webhooks.record, p.id, p.attempt, error)
                key = {"sent": "pushed", "failed": "push_failed"}.get(status, "push_retry")
                outcome[key] += 1
                if error:
                    log.warning("push %s to %s failed (attempt %s): %s", p.id, p.fmt, p.attempt, error)
            if len(pushes) < 100:
                return outcome

    def refresh_records(self) -> int:
        """The periodic refresh of every merchant's record (信誉), when reputation.refresh_minutes of
        store time have passed since the last one: the counts that move with time alone (an invitation
        unanswered past the window, a check overdue). Only the lease holder refreshes. It runs as its
        own job, beside the firing: at a million orders it takes some five seconds, which must not hold
        back a due transition or reminder. Returns the records written."""
        if self._stopping or not self.wb.run(reputation.records_due):
            return 0
        if not self.wb.run(reminders.take_lease, self.holder, self.lease_seconds):
            return 0
        return reputation.refresh_all_records(self.wb.run, force=True, keep_going=lambda: not self._stopping)

    def _refresh_records(self) -> None:
        try:
            n = self.refresh_records()
            if n:
                log.info("merchant records refreshed: %s", n)
        except Exception:   # the next sweep retries
            log.exception("refreshing merchant records failed")

    def start(self, scheduler: BaseScheduler) -> None:
        """Attach to an APScheduler scheduler: a sweep every `sweep_seconds`, a date job at the next
        due moment, moved after every firing, and the check for the periodic refresh of merchant
        records, as often as the sweep."""
        self.scheduler = scheduler
        scheduler.add_job(self._fire, "interval", seconds=self.sweep_seconds, id="sweep",
                          next_run_time=datetime.now().astimezone(), coalesce=True, max_instances=1,
                          misfire_grace_time=None)
        scheduler.add_job(self._refresh_records, "interval", seconds=self.sweep_seconds, id="records",
                          next_run_time=datetime.now().astimezone(), coalesce=True, max_instances=1,
                          misfire_grace_time=None)
        if not scheduler.running:
            scheduler.start()

    # A next moment this close (wall seconds) is fired in the same run instead of being scheduled:
    # a burst of deadlines a few milliseconds apart must not depend on a job per moment.
    BURST = 0.25

    def _fire(self) -> None:
        for _ in range(10_000):
            if self._stopping:
                return
            try:
                counts = self.run_once()
                if counts.get("leader") and any(v for k, v in counts.items() if k != "leader"):
                    log.info("fired %s", counts)
            except Exception:   # a failing run must not stop the scheduler; the next sweep retries
                log.exception("firing failed")
                break
            wait = self._wait()
            if wait is None or not counts.get("leader") or wait > self.BURST:
                break
            time.sleep(wait)
        self._plan_next()

    def _wait(self) -> float | None:
        """Wall seconds until the next due moment, or None when nothing is ahead."""
        due = self.wb.run(reminders.next_due_at)
        if due is None:
            return None
        # The store's clock may be fixed, shifted or sped up (demos); translate "due in N seconds of
        # store time" to wall time.
        speed = getattr(self.wb.clock, "speed", 1.0) or 1.0
        return max((due - self.wb.clock.now()).total_seconds(), 0) / speed + 0.01

    def _plan_next(self) -> None:
        if self.scheduler is None or not self.scheduler.running or self._stopping:
            return
        wait = self._wait()
        if wait is None:
            return
        when = datetime.now().astimezone() + timedelta(seconds=wait)
        # However late the thread gets to it (a loaded machine), the job still runs: a date job
        # dropped as "misfired" would leave the moment to the next sweep.
        self.scheduler.add_job(self._fire, "date", run_date=when, id="next", replace_existing=True,
                               misfire_grace_time=None, coalesce=True, max_instances=3)

    def stop(self) -> None:
        self._stopping = True
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=True)
        self.wb.run(reminders.release_lease, self.holder)
