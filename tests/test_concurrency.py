"""Several processes on one store, on SQLite and on PostgreSQL: exactly one of the rivals wins,
the others get a clear message, no money moves twice or goes missing, one audit row per change."""

from __future__ import annotations

import multiprocessing as mp
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.conftest import DEMO_NOW
from tests.test_tasks import assert_ledger_sound, balances
from workbench.services import orders, products, selection, stock, tasks
from workbench.store.models import AuditEntry, Notification, WebhookDelivery

pytestmark = pytest.mark.both_backends

WORKERS = 4
RELOAD = "已被他人修改，请刷新"
_barrier = None


def _ready(barrier) -> None:
    global _barrier
    _barrier = barrier


@pytest.fixture(scope="module")
def pool():
    """Four worker processes, started once: each test hands every one of them one action, and
    they all start it at the same instant (a barrier), each with its own connection."""
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(WORKERS)
    with ProcessPoolExecutor(WORKERS, mp_context=ctx, initializer=_ready, initargs=(barrier,)) as ex:
        yield ex


def _act(url: str, at: str, handle: str, action: str, args: dict) -> tuple[str, object]:
    """In a worker: open the store, sign in, wait for the others, run one use case."""
    from workbench.bootstrap import bootstrap
    from workbench.clock import FixedClock, parse_instant
    from workbench.config import Settings
    from workbench.domain.errors import DomainError
    from workbench.services import orders, products, stock, tasks
    from workbench.store.claims import claim

    wb = bootstrap(Settings(db_url=url, lang="zh"), clock=FixedClock(parse_instant(at)), migrate=False)
    try:
        actor = wb.sign_in(handle)
        use_cases = {
            "pay": (orders.pay, orders.OrderRef), "accept_task": (tasks.accept_task, tasks.TaskRef),
            "reject_task": (tasks.reject_task, tasks.Reasoned),
            "update_product": (products.update_product, products.UpdateProduct),
            "review_plan": (stock.review_plan, stock.ReviewPlan),
        }
        _barrier.wait(timeout=60)
        if action == "drain":
            return "ok", _drain(wb, claim)
        fn, cmd = use_cases[action]
        try:
            wb.run(fn, actor, cmd.parse(**args))
            return "ok", None
        except DomainError as exc:
            return "refused", exc.message
    finally:
        wb.close()


def _claim_five(uow, claim) -> list[int]:
    stmt = (select(WebhookDelivery).where(WebhookDelivery.status == "pending",
                                          WebhookDelivery.claimed_until.is_(None))
            .order_by(WebhookDelivery.id).limit(5))
    rows = list(uow.session.scalars(claim(stmt, uow)))
    for row in rows:
        row.claimed_until = uow.now + timedelta(minutes=5)
    uow.commit()
    return [r.id for r in rows]


def _drain(wb, claim) -> list[int]:
    """Claim pending pushes five at a time until none is left; returns the ids this worker took.
    Like any use case it runs through `wb.run`, which runs it again when PostgreSQL reports a
    collision with a concurrent claim."""
    taken: list[int] = []
    while batch := wb.run(_claim_five, claim):
        taken += batch
    return taken


def _open(url: str) -> str | None:
    """In a worker: open a store as `workbench run` does, migrating it if needed."""
    from workbench.bootstrap import bootstrap
    from workbench.config import Settings
    from workbench.store.migrate import current_revision

    _barrier.wait(timeout=60)
    wb = bootstrap(Settings(db_url=url, lang="zh"))
    try:
        return current_revision(wb.engine)
    finally:
        wb.close()


def race(pool, wb, *calls: tuple[str, str, dict], at: str = DEMO_NOW) -> list[tuple[str, object]]:
    assert len(calls) == WORKERS
    futures = [pool.submit(_act, wb.settings.db_url, at, handle, action, args) for handle, action, args in calls]
    return [f.result(timeout=120) for f in futures]


def audit_count(wb, action: str, entity_id: int) -> int:
    with wb.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == action, AuditEntry.entity_id == entity_id))


def invited_orders(wb, m, n: int) -> list[orders.OrderRow]:
    """`n` invitations to merchant `m`, each from its own creator, quote ¥800."""
    p = factories.product(wb, m)
    for i in range(n):
        c = factories.creator(wb, f"c.race{i}")
        item = wb.run(selection.submit_to_pool, m, selection.SubmitToPool.parse(
            product_id=p.id, creator_id=c.id, daily_price="99", live_price="79", commission_rate="20%"))
        wb.run(selection.publish_quote, c, selection.PublishQuote.parse(quote="800"))
        wb.run(orders.invite, c, orders.Invite(item_ids=[item]))
    return sorted(wb.run(orders.list_orders, m), key=lambda r: r.id)


def test_four_sessions_paying_one_order_pay_it_once(pool, wb):
    m = factories.merchant(wb, balance="5000")
    [order] = invited_orders(wb, m, 1)
    outcome = race(pool, wb, *[(m.handle, "pay", {"order_id": order.id, "version": order.version})] * WORKERS)
    assert Counter(k for k, _ in outcome) == {"ok": 1, "refused": 3}, outcome
    assert {msg for k, msg in outcome if k == "refused"} == {RELOAD}
    assert balances(wb, m) == (420_000, 80_000)
    assert audit_count(wb, "order.pay", order.id) == 1
    assert_ledger_sound(wb)


def test_paying_several_orders_at_once_from_one_balance_never_overdraws(pool, wb):
    m = factories.merchant(wb, balance="1600")             # enough for two ¥800 quotes of four
    rows = invited_orders(wb, m, WORKERS)
    outcome = race(pool, wb, *[(m.handle, "pay", {"order_id": r.id}) for r in rows])
    assert Counter(k for k, _ in outcome) == {"ok": 2, "refused": 2}, outcome
    assert all("不足: 还差" in msg for k, msg in outcome if k == "refused"), outcome
    assert balances(wb, m) == (0, 160_000)
    assert_ledger_sound(wb)


def test_a_creator_accepting_and_rejecting_one_task_from_four_sessions_does_one(pool, wb):
    from tests.test_tasks import publish

    m = factories.merchant(wb, balance="10000")
    c = factories.creator(wb, quote="1000")
    p = factories.product(wb, m)
    t = publish(wb, m, c, p, air_in=timedelta(days=3), hours=2)
    outcome = race(pool, wb, *[(c.handle, "accept_task", {"task_id": t}),
                               (c.handle, "reject_task", {"task_id": t, "reason": "档期冲突"})] * 2)
    assert Counter(k for k, _ in outcome) == {"ok": 1, "refused": 3}, outcome
    assert all("任务当前为" in msg for k, msg in outcome if k == "refused"), outcome
    accepted, rejected = audit_count(wb, "task.accept", t), audit_count(wb, "task.reject", t)
    assert accepted + rejected == 1
    assert balances(wb, m) == ((800_000, 200_000) if accepted else (1_000_000, 0))
    assert_ledger_sound(wb)


def test_two_editors_of_one_product_the_second_is_told_to_reload(pool, wb):
    m = factories.merchant(wb)
    prod = factories.product(wb, m, price="99.00")
    seen = prod.version
    outcome = race(pool, wb,
                   (m.handle, "update_product", {"product_id": prod.id, "price": "120", "version": seen}),
                   (m.handle, "update_product", {"product_id": prod.id, "brand": "新品牌", "version": seen}),
                   (m.handle, "update_product", {"product_id": prod.id, "price": "80", "version": seen}),
                   (m.handle, "update_product", {"product_id": prod.id, "brand": "旧品牌", "version": seen}))
    assert Counter(k for k, _ in outcome) == {"ok": 1, "refused": 3}, outcome
    assert {msg for k, msg in outcome if k == "refused"} == {RELOAD}
    [now] = [p for p in wb.run(products.my_products, m) if p.id == prod.id]
    assert now.version == seen + 1
    assert (now.price_cents, now.brand) in {(12_000, "青妍"), (9_900, "新品牌"), (8_000, "青妍"), (9_900, "旧品牌")}
    with pytest.raises(Exception, match=RELOAD):      # the stale form again, later: still refused
        wb.run(products.update_product, m, products.UpdateProduct.parse(product_id=prod.id, brand="x", version=seen))


def test_two_reviewers_of_one_stock_plan_the_second_is_told_to_reload(pool, wb):
    from tests.test_orders import TZ

    m = factories.merchant(wb)
    c = factories.creator(wb)
    p = factories.product(wb, m)
    wb.run(selection.submit_to_pool, m, selection.SubmitToPool.parse(
        product_id=p.id, creator_id=c.id, daily_price="99", live_price="79", commission_rate="20%"))
    live_at = (wb.clock.now() + timedelta(days=2)).astimezone(TZ).strftime("%Y-%m-%d %H:%M")
    plan_id = wb.run(stock.submit_plan, c, stock.SubmitPlan(live_at=live_at, product_ids=[p.id]))
    staff = [factories.support(wb, f"s.race{i}") for i in range(WORKERS)]
    [plan] = [v for v in wb.run(stock.plans_to_review, staff[0]) if v.id == plan_id]
    outcome = race(pool, wb, *[(s.handle, "review_plan", {"plan_id": plan_id, "approve": i % 2 == 0,
                                                           "reason": "" if i % 2 == 0 else "商品不符",
                                                           "version": plan.version})
                               for i, s in enumerate(staff)])
    assert Counter(k for k, _ in outcome) == {"ok": 1, "refused": 3}, outcome
    assert {msg for k, msg in outcome if k == "refused"} == {RELOAD}
    assert audit_count(wb, "stock_plan.review", plan_id) == 1


def test_workers_draining_the_outbox_never_claim_one_push_twice(pool, wb):
    users_ = [factories.creator(wb, f"c.push{i}") for i in range(2)]
    with wb.uow() as uow:
        for n in range(60):
            note = Notification(user_id=users_[n % 2].id, at=uow.now, kind="test", params="{}")
            uow.session.add(note)
            uow.session.flush()
            uow.session.add(WebhookDelivery(notification_id=note.id, user_id=note.user_id, url="http://127.0.0.1:9/",
                                            fmt="wecom", status="pending", attempts=0, next_attempt_at=uow.now,
                                            created_at=uow.now))
        uow.commit()
    outcome = race(pool, wb, *[(users_[0].handle, "drain", {})] * WORKERS)
    taken = [i for _, ids in outcome for i in ids]
    assert len(taken) == len(set(taken)) == 60
    with wb.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(WebhookDelivery).where(
            WebhookDelivery.claimed_until.is_(None))) == 0



@pytest.fixture
def empty_url(backend, tmp_path, request):
    """A store nobody has opened yet: no file, or an empty PostgreSQL database."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'new.db'}"
        return
    server = request.getfixturevalue("pg_server")
    name = server.new_database()
    yield server.url(name)
    server.drop_database(name)


def test_hosts_opening_a_new_store_at_once_migrate_it_once(pool, empty_url):
    from workbench.store.migrate import head_revision

    revisions = [f.result(timeout=120) for f in [pool.submit(_open, empty_url) for _ in range(WORKERS)]]
    assert revisions == [head_revision()] * WORKERS


def test_a_decision_taken_on_a_stale_screen_is_refused(wb):
    from workbench.domain.errors import Conflict
    from workbench.services import funds

    m = factories.merchant(wb)
    first, second = factories.support(wb, "s.one"), factories.support(wb, "s.two")
    shown = wb.run(funds.top_up, m, funds.TopUpCmd.parse(amount="500", method="bank", reference="ICBC-9"))
    wb.run(funds.decide_top_up, first, funds.DecideTopUp(top_up_id=shown.id, approve=True, version=shown.version))
    with pytest.raises(Conflict, match=RELOAD):
        wb.run(funds.decide_top_up, second, funds.DecideTopUp(top_up_id=shown.id, approve=False, note="查无此款",
                                                              version=shown.version))
    assert balances(wb, m) == (50_000, 0)
