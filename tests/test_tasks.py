"""Flow B, live tasks: every rule of seed 003 as a test, on a real SQLite store."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests import factories
from workbench.domain.errors import Conflict, DomainError, Forbidden, NotFound
from workbench.domain.tasks import Outcome
from workbench.services import creators, disputes, funds, tasks, transitions
from workbench.services.base import SYSTEM
from workbench.services.task_views import TaskQuery, list_tasks, task_detail
from workbench.store.models import Account, AuditEntry, Journal, Posting, TargetedPlan

pytestmark = pytest.mark.both_backends


def balances(wb, actor) -> tuple[int, int]:
    view = wb.run(funds.fund_account, actor)
    return view.available_cents, view.frozen_cents


def assert_ledger_sound(wb) -> None:
    with wb.uow() as uow:
        s = uow.session
        for jid in s.scalars(select(Journal.id)):
            assert s.scalar(select(func.sum(Posting.amount_cents)).where(Posting.journal_id == jid)) == 0
        for acc in s.scalars(select(Account)):
            assert acc.kind == "external" or acc.balance_cents >= 0
            assert s.scalar(select(func.coalesce(func.sum(Posting.amount_cents), 0))
                            .where(Posting.account_id == acc.id)) == acc.balance_cents


@pytest.fixture
def people(wb):
    m = factories.merchant(wb, balance="10000")
    c = factories.creator(wb, quote="1000")
    p = factories.product(wb, m)
    s = factories.support(wb)
    return m, c, p, s


def publish(wb, m, c, p, *, air_in=timedelta(days=5), hours=3, **extra):
    air = (wb.clock.now() + air_in).astimezone(__import__("zoneinfo").ZoneInfo("Asia/Shanghai"))
    values = dict(creator_id=c.id, contact_name="王敏", contact_phone="13800001234",
                  air_at=air.strftime("%Y-%m-%d %H:%M"), hours=hours, product_ids=[p.id])
    values.update(extra)
    return wb.run(tasks.publish_task, m, tasks.PublishTask.parse(**values))


def test_publishing_freezes_quote_times_hours(wb, people):
    m, c, p, _s = people
    publish(wb, m, c, p, hours=3)
    assert balances(wb, m) == (700_000, 300_000)
    assert_ledger_sound(wb)


def test_publishing_with_a_short_balance_is_refused_with_the_shortfall(wb, people):
    m, c, p, _s = people
    with pytest.raises(DomainError) as err:
        publish(wb, m, c, p, hours=11)
    assert "¥1,000.00" in err.value.message and err.value.field == "amount"
    assert balances(wb, m) == (1_000_000, 0)
    assert wb.run(list_tasks, m) == []


@pytest.mark.parametrize("field, value", [
    ("contact_phone", "1380000"), ("hours", 0), ("hours", 999), ("commission_rate", "120%"),
    ("air_at", "not a time"), ("kind", "party"),
])
def test_bad_task_form_fields_are_named(wb, people, field, value):
    m, c, p, _s = people
    with pytest.raises(DomainError) as err:
        publish(wb, m, c, p, **{field: value})
    assert err.value.field == field
    assert balances(wb, m) == (1_000_000, 0)


def test_air_time_must_be_in_the_future(wb, people):
    m, c, p, _s = people
    with pytest.raises(DomainError) as err:
        publish(wb, m, c, p, air_in=timedelta(hours=-1))
    assert err.value.field == "air_at"


def test_a_resting_creator_cannot_be_ordered(wb, people):
    m, c, p, _s = people
    wb.run(creators.set_resting, c, creators.SetResting(resting=True))
    with pytest.raises(DomainError) as err:
        publish(wb, m, c, p)
    assert err.value.field == "creator_id" and "休息中" in err.value.message
    card = wb.run(creators.search_creators, m)[0]
    assert card.resting and not card.orderable


def test_publishing_needs_a_bound_task_account_and_own_products(wb):
    m = factories.merchant(wb, "m.nobind", bind=False)
    c = factories.creator(wb)
    with pytest.raises(DomainError) as err:
        wb.run(funds.top_up, m, funds.TopUpCmd.parse(amount="10"))
    assert err.value.field == "task_account"
    other = factories.merchant(wb, "m.other", balance="5000")
    p = factories.product(wb, m)
    with pytest.raises(NotFound) as err:
        publish(wb, other, c, p)
    assert err.value.field == "product_ids"


def test_accepting_creates_the_targeted_plan_and_rejecting_creates_nothing(wb, people):
    m, c, p, _s = people
    t1 = publish(wb, m, c, p, hours=1, plan="targeted", commission_rate="25%")
    t2 = publish(wb, m, c, p, hours=1, plan="targeted", commission_rate="30%")
    with wb.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(TargetedPlan)) == 0
    wb.run(tasks.accept_task, c, tasks.TaskRef(task_id=t1))
    wb.run(tasks.reject_task, c, tasks.Reasoned(task_id=t2, reason="档期冲突"))
    with wb.uow() as uow:
        plans = [(pl.task_id, str(pl.commission_rate)) for pl in uow.session.scalars(select(TargetedPlan))]
    assert plans == [(t1, "0.2500")]
    assert balances(wb, m) == (900_000, 100_000)


def test_a_targeted_plan_needs_its_rate(wb, people):
    m, c, p, _s = people
    with pytest.raises(DomainError) as err:
        publish(wb, m, c, p, plan="targeted")
    assert err.value.field == "commission_rate"


def test_the_whole_happy_path_pays_the_creator(wb, people):
    m, c, p, _s = people
    t = publish(wb, m, c, p, hours=3)
    for step in (tasks.accept_task, tasks.go_live, tasks.end_live):
        wb.run(step, c, tasks.TaskRef(task_id=t))
    assert wb.run(task_detail, m, t).row.state == "进行中 · 待验收"
    wb.run(tasks.check_task, m, tasks.TaskRef(task_id=t))
    assert balances(wb, m) == (700_000, 0)
    assert balances(wb, c) == (300_000, 0)
    detail = wb.run(task_detail, m, t)
    assert [e.what for e in detail.timeline] == ["发布任务, 冻结费用", "接单", "开播", "下播, 待验收",
                                                "验收通过, 费用付给达人"]
    assert_ledger_sound(wb)


def test_merchant_cancels_before_acceptance_full_refund(wb, people):
    m, c, p, _s = people
    t = publish(wb, m, c, p)
    rule = wb.run(tasks.cancel_task, m, tasks.CancelTask(task_id=t, reason="计划变更"))
    assert rule.outcome is Outcome.REFUND
    assert balances(wb, m) == (1_000_000, 0) and balances(wb, c) == (0, 0)


def test_no_task_action_for_three_days_after_acceptance_full_refund(wb, people):
    m, c, p, _s = people
    t = publish(wb, m, c, p, air_in=timedelta(days=10))
    wb.run(tasks.accept_task, c, tasks.TaskRef(task_id=t))
    wb.clock.advance(days=2, hours=23)
    assert wb.run(tasks.cancel_preview, m, tasks.TaskRef(task_id=t)).outcome is Outcome.DISPUTE
    wb.clock.advance(hours=1)
    preview = wb.run(tasks.cancel_preview, m, tasks.TaskRef(task_id=t))
    assert preview.outcome is Outcome.REFUND and "3" in preview.why
    wb.run(tasks.cancel_task, m, tasks.CancelTask(task_id=t, reason="达人无回应"))
    assert balances(wb, m) == (1_000_000, 0)


def test_cancelling_on_the_air_day_pays_the_creator_in_full(wb, people):
    m, c, p, _s = people
    t = publish(wb, m, c, p, air_in=timedelta(days=1), hours=2)
    wb.run(tasks.accept_task, c, tasks.TaskRef(task_id=t))
    wb.clock.advance(hours=23)  # same local day as the air time, before it
    preview = wb.run(tasks.cancel_preview, m, tasks.TaskRef(task_id=t))
    assert preview.outcome is Outcome.COMPENSATE and preview.to_creator_cents == 200_000
    wb.run(tasks.cancel_task, m, tasks.CancelTask(task_id=t, reason="临时取消"))
    assert balances(wb, m) == (800_000, 0) and balances(wb, c) == (200_000, 0)


def test_other_merchant_cancellations_open_a_dispute_that_support_rules_on(wb, people):
    m, c, p, s = people
    t = publish(wb, m, c, p, air_in=timedelta(days=10), hours=2)
    wb.run(tasks.accept_task, c, tasks.TaskRef(task_id=t))
    rule = wb.run(tasks.cancel_task, m, tasks.CancelTask(task_id=t, reason="改期"))
    assert rule.outcome is Outcome.DISPUTE
    assert balances(wb, m) == (800_000, 200_000)
    queue = wb.run(disputes.list_disputes, s)
    assert [d.task_id for d in queue] == [t]
    with pytest.raises(DomainError) as err:
        wb.run(disputes.rule_dispute, s, disputes.RuleDispute(dispute_id=queue[0].id, compensation="2000.01",
                                                              reason="超额"))
    assert err.value.field == "compensation"
    wb.run(disputes.rule_dispute, s, disputes.RuleDispute(dispute_id=queue[0].id, compensation="600",
                                                          reason="达人已备播, 赔付 30%"))
    assert balances(wb, m) == (1_000_000 - 60_000, 0)
    assert balances(wb, c) == (60_000, 0)
    with pytest.raises(Conflict):
        wb.run(disputes.rule_dispute, s, disputes.RuleDispute(dispute_id=queue[0].id, compensation="1",
                                                              reason="again"))
    assert "赔付 30%" in wb.run(task_detail, c, t).dispute
    with wb.uow() as uow:
        row = uow.session.scalar(select(AuditEntry).where(AuditEntry.action == "dispute.rule"))
        assert row.actor_id == s.id
    assert_ledger_sound(wb)


def test_creator_cancels_and_earns_nothing(wb, people):
    m, c, p, _s = people
    t = publish(wb, m, c, p)
    wb.run(tasks.accept_task, c, tasks.TaskRef(task_id=t))
    rule = wb.run(tasks.cancel_task, c, tasks.CancelTask(task_id=t, reason="生病"))
    assert rule.outcome is Outcome.REFUND
    assert balances(wb, m) == (1_000_000, 0) and balances(wb, c) == (0, 0)


def test_acceptance_timeout_is_applied_by_tick_exactly_once(wb, people):
    m, c, p, _s = people
    t = publish(wb, m, c, p, air_in=timedelta(days=10))
    wb.clock.advance(hours=71, minutes=59)
    assert wb.run(transitions.apply_due, SYSTEM)["timed_out"] == 0
    wb.clock.advance(minutes=1)
    assert wb.run(transitions.apply_due, SYSTEM)["timed_out"] == 1
    assert wb.run(transitions.apply_due, SYSTEM)["timed_out"] == 0
    assert wb.run(task_detail, m, t).row.state == "已取消 · 达人超时"
    assert balances(wb, m) == (1_000_000, 0)
    with pytest.raises(Conflict) as err:
        wb.run(tasks.accept_task, c, tasks.TaskRef(task_id=t))
    assert err.value.message == "任务当前为「已取消 · 达人超时」, 不能接单"


def test_actions_out_of_order_are_refused_with_the_state(wb, people):
    m, c, p, _s = people
    t = publish(wb, m, c, p)
    with pytest.raises(Conflict) as err:
        wb.run(tasks.check_task, m, tasks.TaskRef(task_id=t))
    assert "待接单" in err.value.message
    with pytest.raises(Conflict):
        wb.run(tasks.go_live, c, tasks.TaskRef(task_id=t))


def test_only_the_parties_see_a_task(wb, people):
    m, c, p, s = people
    t = publish(wb, m, c, p)
    stranger_m = factories.merchant(wb, "m.stranger")
    stranger_c = factories.creator(wb, "c.stranger")
    for who in (stranger_m, stranger_c):
        with pytest.raises(NotFound):
            wb.run(task_detail, who, t)
        assert wb.run(list_tasks, who) == []
    with pytest.raises(NotFound):
        wb.run(tasks.accept_task, stranger_c, tasks.TaskRef(task_id=t))
    with pytest.raises(Forbidden):
        wb.run(tasks.check_task, c, tasks.TaskRef(task_id=t))
    assert [r.id for r in wb.run(list_tasks, s)] == [t]


def test_task_list_filters_by_status_and_sub_status(wb, people):
    m, c, p, _s = people
    t1, t2 = publish(wb, m, c, p, hours=1), publish(wb, m, c, p, hours=1)
    wb.run(tasks.accept_task, c, tasks.TaskRef(task_id=t2))
    q = lambda **kw: [r.id for r in wb.run(list_tasks, m, TaskQuery(**kw))]  # noqa: E731
    assert q(status="pending") == [t1]
    assert q(status="in_progress", sub_status="waiting_air") == [t2]
    assert q(status="in_progress", sub_status="live") == []
    with pytest.raises(DomainError) as err:
        q(status="pending", sub_status="live")
    assert err.value.field == "sub_status"
    assert q(limit=1) == [t2] and q(limit=1, after_id=t2) == [t1]
