"""Safe actions in the services and the CLI: each confirmation's consequence is what the action then
does to the ledger; reversible actions undo within the window and not after; hidden notifications
leave the inbox and the unread count; refusals write nothing."""

from __future__ import annotations

import io
import json

import pytest

from tests import factories as f
from tests.test_cli import assert_clean_failure, run
from workbench.domain.errors import DomainError
from workbench.domain.ledger import AccountKind
from workbench.domain.safety import UNDO_SECONDS
from workbench.services import (
    consequences, disputes, funds, ledger, notifications, orders, selection, stock, tasks,
)
from workbench.services.base import Actor, read_only
from workbench.store.models import Intent, Notification

KINDS = (AccountKind.AVAILABLE, AccountKind.FROZEN)


@read_only
def _balances(uow, _actor, owners: list[int]) -> dict[tuple[int, AccountKind], int]:
    return {(o, k): ledger.balance(uow, o, k) for o in owners for k in KINDS}


@read_only
def _intents(uow, _actor, creator_id: int, product_id: int) -> list[str]:
    from sqlalchemy import select

    return list(uow.session.scalars(select(Intent.status).where(
        Intent.creator_id == creator_id, Intent.product_id == product_id).order_by(Intent.id)))


@read_only
def _notes_of(uow, _actor, user_id: int) -> int:
    from sqlalchemy import func, select

    return uow.session.scalar(select(func.count()).select_from(Notification).where(Notification.user_id == user_id))


def _mark(wb) -> int:
    return wb.run(notifications.store_version)


def _applies_as_previewed(wb, actor: Actor, preview, action, cmd, owners: list[int]):
    """Preview, act, and check every account moved exactly as the preview said (and only those)."""
    before = wb.run(_balances, actor, owners)
    mark = _mark(wb)
    consequence = wb.run(preview, actor, cmd)
    assert _mark(wb) == mark, "a preview wrote something"
    assert wb.run(_balances, actor, owners) == before
    result = wb.run(action, actor, cmd)
    after = wb.run(_balances, actor, owners)
    for key in before:
        assert after[key] - before[key] == consequence.change(*key), (consequence.text, key)
    return consequence, result


@pytest.fixture
def people(wb):
    m = f.merchant(wb, balance="10000")
    c = f.creator(wb, quote="1000")
    s = f.support(wb)
    return m, c, s


def _invited(wb, m, c, quote="800") -> int:
    p = f.product(wb, m)
    item = wb.run(selection.submit_to_pool, m, selection.SubmitToPool.parse(
        product_id=p.id, creator_id=c.id, daily_price="99", live_price="79", commission_rate="20%"))
    wb.run(selection.publish_quote, c, selection.PublishQuote.parse(quote=quote))
    return wb.run(orders.invite, c, orders.Invite(item_ids=[item]))


def _publish(wb, m, c, hours=3) -> int:
    p = f.product(wb, m, name="口红")
    return wb.run(tasks.publish_task, m, tasks.PublishTask.parse(
        creator_id=c.id, contact_name="王敏", contact_phone="13800001234", air_at="2026-06-05 20:00",
        hours=hours, product_ids=[p.id]))


# ---- consequences match the ledger ---------------------------------------------------------------

def test_paying_an_order_freezes_exactly_what_the_confirmation_says(wb, people):
    m, c, _s = people
    oid = _invited(wb, m, c)
    consequence, _ = _applies_as_previewed(wb, m, consequences.order_pay, orders.pay, orders.OrderRef(order_id=oid),
                                           [m.id, c.id])
    assert "¥800.00" in consequence.text and "待接单" in consequence.text
    assert "¥10,000.00 → ¥9,200.00" in consequence.text
    assert consequence.change(m.id, AccountKind.FROZEN) == 80_000


def test_closing_an_order_refunds_the_whole_quote_as_said(wb, people):
    m, c, _s = people
    oid = f.shipped_order(wb, m, c, quote="800")
    consequence, _ = _applies_as_previewed(
        wb, c, consequences.order_close, orders.close,
        orders.CloseOrder(order_id=oid, reason="样品破损", return_tracking="SF9"), [m.id, c.id])
    assert "冻结 ¥800.00 将全额退回商家" in consequence.text and "已关闭" in consequence.text
    assert consequence.change(m.id, AccountKind.AVAILABLE) == 80_000


def test_declining_moves_no_money_and_says_so(wb, people):
    m, c, _s = people
    oid = _invited(wb, m, c)
    consequence, _ = _applies_as_previewed(wb, m, consequences.order_decline, orders.decline,
                                           orders.OrderRef(order_id=oid), [m.id, c.id])
    assert consequence.moves == () and "不产生任何费用" in consequence.text


def test_publishing_a_task_freezes_quote_times_hours_as_said(wb, people):
    m, c, _s = people
    p = f.product(wb, m, name="口红")
    cmd = tasks.PublishTask.parse(creator_id=c.id, contact_name="王敏", contact_phone="13800001234",
                                  air_at="2026-06-05 20:00", hours=3, product_ids=[p.id])
    consequence, _ = _applies_as_previewed(wb, m, consequences.task_publish, tasks.publish_task, cmd, [m.id, c.id])
    assert "冻结 ¥3,000.00" in consequence.text and "待接单" in consequence.text


def test_publishing_beyond_the_balance_is_previewed_as_refused(wb, people):
    m, c, _s = people
    p = f.product(wb, m, name="口红")
    cmd = tasks.PublishTask.parse(creator_id=c.id, contact_name="王敏", contact_phone="13800001234",
                                  air_at="2026-06-05 20:00", hours=24, product_ids=[p.id])
    consequence = wb.run(consequences.task_publish, m, cmd)
    assert "还差 ¥14,000.00" in consequence.text


def test_merchant_cancel_before_acceptance_returns_the_frozen_amount_as_said(wb, people):
    m, c, _s = people
    tid = _publish(wb, m, c)
    consequence, _ = _applies_as_previewed(wb, m, consequences.task_cancel, tasks.cancel_task,
                                           tasks.CancelTask(task_id=tid, reason="改期"), [m.id, c.id])
    assert consequence.text.startswith("冻结 ¥3,000.00 将全额退回商家")
    assert "任务变为「已取消 · 商家取消」" in consequence.text


def test_reject_and_check_pay_as_said(wb, people):
    m, c, _s = people
    rejected = _publish(wb, m, c)
    consequence, _ = _applies_as_previewed(wb, c, consequences.task_reject, tasks.reject_task,
                                           tasks.Reasoned(task_id=rejected, reason="档期冲突"), [m.id, c.id])
    assert consequence.change(m.id, AccountKind.AVAILABLE) == 300_000
    checked = _publish(wb, m, c, hours=2)
    for step in (tasks.accept_task, tasks.go_live, tasks.end_live):
        wb.run(step, c, tasks.TaskRef(task_id=checked))
    consequence, _ = _applies_as_previewed(wb, m, consequences.task_check, tasks.check_task,
                                           tasks.TaskRef(task_id=checked), [m.id, c.id])
    assert consequence.change(c.id, AccountKind.AVAILABLE) == 200_000
    assert "全额付给" in consequence.text and "已完成" in consequence.text


def test_a_ruling_splits_the_frozen_amount_as_previewed(wb, people, now):
    m, c, s = people
    tid = _publish(wb, m, c)
    wb.run(tasks.accept_task, c, tasks.TaskRef(task_id=tid))
    wb.clock.advance(days=1)   # accepted a day ago, not the air day: a dispute
    rule = wb.run(consequences.task_cancel, m, tasks.TaskRef(task_id=tid))
    assert rule.moves == () and "等待小二裁决" in rule.text
    wb.run(tasks.cancel_task, m, tasks.CancelTask(task_id=tid, reason="临时变更"))
    dispute = wb.run(disputes.list_disputes, s)[0]
    consequence, _ = _applies_as_previewed(
        wb, s, consequences.dispute_rule, disputes.rule_dispute,
        disputes.RuleDispute(dispute_id=dispute.id, compensation="1200", reason="部分赔付"), [m.id, c.id])
    assert "¥1,200.00 付给" in consequence.text and "¥1,800.00 退回商家" in consequence.text
    assert consequence.change(c.id, AccountKind.AVAILABLE) == 120_000


def test_confirming_a_bank_transfer_credits_as_said(wb, people):
    m, _c, s = people
    view = wb.run(funds.top_up, m, funds.TopUpCmd.parse(amount="500", method="bank", reference="ICBC-1"))
    consequence, _ = _applies_as_previewed(wb, s, consequences.top_up_decide, funds.decide_top_up,
                                           funds.DecideTopUp(top_up_id=view.id, approve=True), [m.id])
    assert consequence.change(m.id, AccountKind.AVAILABLE) == 50_000 and "已到账" in consequence.text


def test_previews_see_only_what_the_action_may_touch(wb, people):
    m, c, _s = people
    other = f.merchant(wb, handle="m.other", balance="100")
    oid = _invited(wb, m, c)
    for who in (other, c):   # someone else's order answers like a missing one; a creator cannot pay
        with pytest.raises(DomainError) as err:
            wb.run(consequences.order_pay, who, orders.OrderRef(order_id=oid))
        if who is other:
            missing = pytest.raises(DomainError)
            with missing as gone:
                wb.run(consequences.order_pay, who, orders.OrderRef(order_id=oid + 999))
            assert err.value.message.replace(str(oid), "#") == gone.value.message.replace(str(oid + 999), "#")


# ---- undo -----------------------------------------------------------------------------------------

def test_removing_from_the_cart_is_undone_within_the_window_without_telling_the_merchant_twice(wb, people):
    m, c, _s = people
    p = f.product(wb, m)
    ref = selection.ProductRef(product_id=p.id)
    wb.run(selection.add_to_cart, c, ref)
    told = wb.run(_notes_of, c, m.id)
    wb.run(selection.remove_from_cart, c, ref)
    assert wb.run(_intents, c, c.id, p.id) == ["withdrawn"]
    wb.clock.advance(seconds=UNDO_SECONDS - 1)
    wb.run(selection.undo_remove_from_cart, c, ref)
    assert [x.id for x in wb.run(selection.cart, c)] == [p.id]
    assert wb.run(_intents, c, c.id, p.id) == ["open"]
    assert wb.run(_notes_of, c, m.id) == told
    with pytest.raises(DomainError):   # undone already: nothing left to undo
        wb.run(selection.undo_remove_from_cart, c, ref)


def test_no_cart_undo_after_the_window_and_nothing_written(wb, people):
    m, c, _s = people
    p = f.product(wb, m)
    ref = selection.ProductRef(product_id=p.id)
    wb.run(selection.add_to_cart, c, ref)
    wb.run(selection.remove_from_cart, c, ref)
    wb.clock.advance(seconds=UNDO_SECONDS + 1)
    mark = _mark(wb)
    with pytest.raises(DomainError) as err:
        wb.run(selection.undo_remove_from_cart, c, ref)
    assert err.value.field == "product_id" and "秒" in err.value.message
    assert _mark(wb) == mark and wb.run(selection.cart, c) == []


def _plan(wb, m, c) -> int:
    p = f.product(wb, m)
    wb.run(selection.submit_to_pool, m, selection.SubmitToPool.parse(
        product_id=p.id, creator_id=c.id, daily_price="99", live_price="79", commission_rate="20%"))
    return wb.run(stock.submit_plan, c, stock.SubmitPlan(live_at="2026-06-03 20:00", product_ids=[p.id]))


def test_a_revoked_plan_is_restored_to_review_within_the_window(wb, people):
    m, c, s = people
    pid = _plan(wb, m, c)
    wb.run(stock.revoke_plan, c, stock.PlanRef(plan_id=pid))
    wb.clock.advance(seconds=3)
    wb.run(stock.restore_plan, c, stock.PlanRef(plan_id=pid))
    assert [p.status for p in wb.run(stock.plans_to_review, s)] == ["submitted"]
    with pytest.raises(DomainError):   # not revoked any more
        wb.run(stock.restore_plan, c, stock.PlanRef(plan_id=pid))


def test_a_revoked_plan_stays_revoked_after_the_window_or_for_someone_else(wb, people):
    m, c, s = people
    other = f.creator(wb, handle="c.other")
    pid = _plan(wb, m, c)
    wb.run(stock.revoke_plan, c, stock.PlanRef(plan_id=pid))
    mark = _mark(wb)
    with pytest.raises(DomainError) as err:
        wb.run(stock.restore_plan, other, stock.PlanRef(plan_id=pid))
    assert "没有这个备货单" in err.value.message
    wb.clock.advance(seconds=UNDO_SECONDS + 1)
    with pytest.raises(DomainError) as err:
        wb.run(stock.restore_plan, c, stock.PlanRef(plan_id=pid))
    assert "秒" in err.value.message
    assert _mark(wb) == mark and wb.run(stock.plans_to_review, s) == []


def test_hidden_notifications_leave_the_inbox_and_the_unread_count_until_unhidden(wb, people):
    m, c, _s = people
    _invited(wb, m, c)   # the merchant is told of the invitation
    inbox = wb.run(notifications.list_notifications, m)
    unread = wb.run(notifications.unread_count, m)
    note = next(n for n in inbox if not n.read)
    assert wb.run(notifications.hide, m, notifications.NoteIds(ids=[note.id])) == 1
    assert note.id not in [n.id for n in wb.run(notifications.list_notifications, m)]
    assert [n.id for n in wb.run(notifications.hidden_notifications, m)] == [note.id]
    assert wb.run(notifications.unread_count, m) == unread - 1
    assert wb.run(notifications.news, m, 0)[0] == unread - 1
    assert wb.run(notifications.unhide, m, notifications.NoteIds(ids=[note.id])) == 1
    assert [n.id for n in wb.run(notifications.list_notifications, m)] == [n.id for n in inbox]
    assert wb.run(notifications.unread_count, m) == unread


def test_someone_elses_notification_cannot_be_hidden_and_nothing_is_written(wb, people):
    m, c, _s = people
    _invited(wb, m, c)
    note = wb.run(notifications.list_notifications, m)[0]
    mark = _mark(wb)
    with pytest.raises(DomainError) as err:
        wb.run(notifications.hide, c, notifications.NoteIds(ids=[note.id]))
    assert err.value.field == "ids" and "没有这条通知" in err.value.message
    assert _mark(wb) == mark


# ---- the CLI -------------------------------------------------------------------------------------

def test_cli_hides_unhides_and_restores(tmp_path):
    db = tmp_path / "demo.db"
    assert run("demo", db=db).returncode == 0
    notes = json.loads(run("notifications", "list", "--as", "m.shanwei", "--json", db=db).stdout)
    first = str(notes[0]["id"])
    assert run("notifications", "hide", "--as", "m.shanwei", "--ids", first, db=db).returncode == 0
    hidden = json.loads(run("notifications", "hidden", "--as", "m.shanwei", "--json", db=db).stdout)
    assert [str(n["id"]) for n in hidden] == [first]
    listed = json.loads(run("notifications", "list", "--as", "m.shanwei", "--json", db=db).stdout)
    assert first not in [str(n["id"]) for n in listed]
    assert run("notifications", "unhide", "--as", "m.shanwei", "--ids", first, db=db).returncode == 0
    assert_clean_failure(run("notifications", "hide", "--as", "c.xiaoyu", "--ids", first, db=db), "ids")
    assert_clean_failure(run("plans", "restore", "--as", "c.xiaoyu", "--plan-id", "x", db=db), "plan_id")


def test_cli_restores_a_revoked_plan_within_the_window_only(tmp_path):
    db = tmp_path / "demo.db"
    assert run("demo", db=db).returncode == 0
    plan = next(p for p in json.loads(run("plans", "list", "--as", "c.tangtang", "--json", db=db).stdout)
                if p["status"] == "submitted")
    pid = str(plan["id"])
    status = lambda: next(p["status"] for p in json.loads(  # noqa: E731
        run("plans", "list", "--as", "c.tangtang", "--json", db=db).stdout) if str(p["id"]) == pid)
    assert run("plans", "revoke", "--as", "c.tangtang", "--plan-id", pid, db=db).returncode == 0
    assert_clean_failure(run("plans", "restore", "--as", "c.xiaoyu", "--plan-id", pid, db=db), "备货单")
    assert run("plans", "restore", "--as", "c.tangtang", "--plan-id", pid, db=db).returncode == 0
    assert status() == "submitted"
    assert run("plans", "revoke", "--as", "c.tangtang", "--plan-id", pid, db=db).returncode == 0
    late = run("plans", "restore", "--as", "c.tangtang", "--plan-id", pid, db=db,
               env={"WORKBENCH_NOW": "2026-06-01T10:00:06+08:00"})
    assert_clean_failure(late, "秒")
    assert status() == "revoked"


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _cli_at_terminal(monkeypatch, capsys, answer: str, *args: str) -> tuple[int, str, str]:
    from workbench import cli

    monkeypatch.setattr("sys.stdin", _Terminal(answer))
    code = cli.main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def _demo_invitation(demo_path, n: int = 0) -> tuple[str, int]:
    """An invitation from c.xiaoyu to m.shanwei in the demo store: (order id, quote)."""
    from tests.conftest import open_store
    from workbench.services import products

    wb = open_store(demo_path)
    try:
        m, c = wb.sign_in("m.shanwei"), wb.sign_in("c.xiaoyu")
        p = wb.run(products.my_products, m)[n]
        item = wb.run(selection.submit_to_pool, m, selection.SubmitToPool.parse(
            product_id=p.id, creator_id=c.id, daily_price="99", live_price="79", commission_rate="20%"))
        wb.run(selection.publish_quote, c, selection.PublishQuote.parse(quote="800"))
        return str(wb.run(orders.invite, c, orders.Invite(item_ids=[item]))), 80_000
    finally:
        wb.close()


def test_cli_asks_before_paying_at_a_terminal_and_no_is_the_default(demo_path, monkeypatch, capsys):
    from tests.conftest import DEMO_NOW

    monkeypatch.setenv("WORKBENCH_DB", str(demo_path))
    monkeypatch.setenv("WORKBENCH_NOW", DEMO_NOW)
    monkeypatch.setenv("WORKBENCH_LANG", "zh")
    oid, quote = _demo_invitation(demo_path)
    money = lambda: json.loads(run("funds", "show", "--as", "m.shanwei", "--json", db=demo_path).stdout)  # noqa: E731
    before = money()
    for answer in ("\n", "n\n", "whatever\n"):
        code, _out, err = _cli_at_terminal(monkeypatch, capsys, answer, "orders", "pay", "--as", "m.shanwei",
                                           "--order-id", oid)
        assert code == 1 and "冻结 ¥800.00" in err and "[y/N]" in err and "没有任何改动" in err
        assert money() == before
    code, _out, err = _cli_at_terminal(monkeypatch, capsys, "y\n", "orders", "pay", "--as", "m.shanwei",
                                       "--order-id", oid)
    assert code == 0
    after = money()
    assert after["available_cents"] == before["available_cents"] - quote
    assert after["frozen_cents"] == before["frozen_cents"] + quote


def test_cli_yes_skips_the_question_and_scripts_are_not_asked(demo_path, monkeypatch, capsys):
    from tests.conftest import DEMO_NOW

    monkeypatch.setenv("WORKBENCH_DB", str(demo_path))
    monkeypatch.setenv("WORKBENCH_NOW", DEMO_NOW)
    first, _quote = _demo_invitation(demo_path)
    code, _out, err = _cli_at_terminal(monkeypatch, capsys, "", "orders", "decline", "--as", "m.shanwei",
                                       "--order-id", first, "--yes")
    assert code == 0 and "[y/N]" not in err
    second, _quote = _demo_invitation(demo_path, 1)
    # standard input that is not a terminal (the subprocess gets none): a script, not asked
    paid = run("orders", "pay", "--as", "m.shanwei", "--order-id", second, db=demo_path)
    assert paid.returncode == 0 and "[y/N]" not in paid.stderr


def test_ending_a_live_settles_the_orders_as_previewed(wb, people):
    m, c, s = people
    oid = f.shipped_order(wb, m, c, quote="800")
    wb.run(orders.schedule, c, orders.Schedule(order_id=oid, live_at="2026-06-03 20:00"))
    pid = wb.run(orders.order_detail, c, oid).products[0][0]
    plan = wb.run(stock.submit_plan, c, stock.SubmitPlan(live_at="2026-06-03 20:00", product_ids=[pid]))
    wb.run(stock.review_plan, s, stock.ReviewPlan(plan_id=plan, approve=True))
    wb.run(stock.start_live, c, stock.PlanRef(plan_id=plan))
    none = wb.run(consequences.plan_end_live, c, consequences.EndLivePreview(plan_id=plan))
    assert none.moves == () and "不结算任何订单" in none.text
    consequence, result = _applies_as_previewed(
        wb, c, consequences.plan_end_live, stock.end_live, stock.EndLive(plan_id=plan, shown_product_ids=[pid]),
        [m.id, c.id])
    assert result == {"delivered": 1, "paid_cents": 80_000}
    assert consequence.change(c.id, AccountKind.AVAILABLE) == 80_000 and "交付 1 个订单" in consequence.text


@read_only
def _actions(uow, _actor, entity: str, entity_id: int) -> list[str]:
    from sqlalchemy import select

    from workbench.store.models import AuditEntry

    return list(uow.session.scalars(select(AuditEntry.action).where(
        AuditEntry.entity == entity, AuditEntry.entity_id == entity_id).order_by(AuditEntry.id)))


def test_each_undo_is_audited_as_its_own_action(wb, people):
    m, c, _s = people
    p = f.product(wb, m)
    ref = selection.ProductRef(product_id=p.id)
    wb.run(selection.add_to_cart, c, ref)
    wb.run(selection.remove_from_cart, c, ref)
    wb.run(selection.undo_remove_from_cart, c, ref)
    assert wb.run(_actions, c, "product", p.id)[-3:] == ["cart.add", "cart.remove", "cart.undo_remove"]
    pid = _plan(wb, m, c)
    wb.run(stock.revoke_plan, c, stock.PlanRef(plan_id=pid))
    wb.run(stock.restore_plan, c, stock.PlanRef(plan_id=pid))
    assert wb.run(_actions, c, "stock_plan", pid) == ["stock_plan.submit", "stock_plan.revoke", "stock_plan.restore"]
    note = wb.run(notifications.list_notifications, m)[0]
    wb.run(notifications.hide, m, notifications.NoteIds(ids=[note.id]))
    wb.run(notifications.unhide, m, notifications.NoteIds(ids=[note.id]))
    assert wb.run(_actions, m, "notification", note.id) == ["notification.hide", "notification.unhide"]
