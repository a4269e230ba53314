"""Two processes racing on one task in one SQLite file: exactly one wins, no money moves twice."""

from __future__ import annotations

import multiprocessing as mp
from datetime import timedelta
from pathlib import Path

import pytest

from tests import factories
from tests.conftest import open_store
from tests.test_tasks import assert_ledger_sound, balances, publish

NOW = "2026-06-01T10:00:00+08:00"


def _act(db: str, handle: str, action: str, task_id: int, barrier, results) -> None:
    from workbench.domain.errors import DomainError
    from workbench.services import tasks

    wb = open_store(Path(db), at=NOW)
    actor = wb.sign_in(handle)
    barrier.wait()
    try:
        if action == "check":
            wb.run(tasks.check_task, actor, tasks.TaskRef(task_id=task_id))
        else:
            wb.run(tasks.cancel_task, actor, tasks.CancelTask(task_id=task_id, reason="race"))
        results.put(("ok", action))
    except DomainError as exc:
        results.put(("refused", exc.message))
    finally:
        wb.close()


def _race(db: Path, first: tuple[str, str], second: tuple[str, str], task_id: int) -> list[tuple[str, str]]:
    ctx = mp.get_context("spawn")
    barrier, results = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=_act, args=(str(db), who, action, task_id, barrier, results))
             for who, action in (first, second)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    return sorted(results.get(timeout=5) for _ in procs)


@pytest.mark.parametrize("rivals, steps", [
    (("merchant", "check"), ("accept", "go_live", "end_live")),   # both allowed while awaiting the check
    (("creator", "cancel"), ("accept",)),                         # both allowed while waiting for air
])
def test_cancel_races_a_check_or_a_cancel(tmp_path, rivals, steps):
    db = tmp_path / "race.db"
    wb = open_store(db, at=NOW)
    m = factories.merchant(wb, balance="10000")
    c = factories.creator(wb, quote="1000")
    p = factories.product(wb, m)
    # On the air day the merchant's cancel pays the creator in full; a creator's cancel refunds.
    t = publish(wb, m, c, p, air_in=timedelta(hours=3), hours=2)
    from workbench.services import tasks
    for step in steps:
        wb.run(getattr(tasks, {"accept": "accept_task"}.get(step, step)), c, tasks.TaskRef(task_id=t))
    who = m.handle if rivals[0] == "merchant" else c.handle
    outcome = _race(db, (m.handle, "cancel"), (who, rivals[1]), t)
    kinds = [k for k, _ in outcome]
    assert kinds == ["ok", "refused"], outcome
    assert "任务当前为" in outcome[1][1]
    assert_ledger_sound(wb)
    m_avail, m_frozen = balances(wb, m)
    c_avail, _ = balances(wb, c)
    assert m_frozen == 0
    assert m_avail + c_avail == 1_000_000
    wb.close()
