"""Flow A, exclusive pools and 直播通 orders: every rule of seeds 000/001 as a test."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from tests import factories
from tests.test_tasks import assert_ledger_sound, balances
from workbench.domain.errors import Conflict, DomainError, NotFound
from workbench.services import orders, selection, stock, transitions
from workbench.services.base import SYSTEM

pytestmark = pytest.mark.both_backends

TZ = ZoneInfo("Asia/Shanghai")


def local(wb, **delta) -> str:
    return (wb.clock.now() + timedelta(**delta)).astimezone(TZ).strftime("%Y-%m-%d %H:%M")


@pytest.fixture
def flow(wb):
    m = factories.merchant(wb, balance="5000")
    c = factories.creator(wb, "c.one")
    other = factories.creator(wb, "c.two")
    s = factories.support(wb)
    p1 = factories.product(wb, m, "面霜")
    p2 = factories.product(wb, m, "精华")
    items = [wb.run(selection.submit_to_pool, m, selection.SubmitToPool.parse(
        product_id=p.id, creator_id=c.id, daily_price="99", live_price="79", commission_rate="25%")) for p in (p1, p2)]
    wb.run(selection.publish_quote, c, selection.PublishQuote.parse(quote="800"))
    return m, c, other, s, (p1, p2), items


def to_shipped(wb, m, c, items):
    oid = wb.run(orders.invite, c, orders.Invite(item_ids=items))
    wb.run(orders.pay, m, orders.OrderRef(order_id=oid))
    wb.run(orders.accept, c, orders.OrderRef(order_id=oid))
    wb.run(orders.ship_sample, m, orders.ShipSample.parse(order_id=oid, tracking="SF1234567"))
    return oid


def test_an_exclusive_product_is_visible_to_its_one_creator_only(wb, flow):
    m, c, other, s, _p, items = flow
    assert [v.id for v in wb.run(selection.exclusive_pool, c)] == sorted(items, reverse=True)
    assert wb.run(selection.exclusive_pool, other) == []
    assert wb.run(selection.exclusive_count, other) == 0 and wb.run(selection.exclusive_count, c) == 2
    with pytest.raises(NotFound):
        wb.run(selection.exclusive_item, other, items[0])
    wb.run(selection.publish_quote, other, selection.PublishQuote.parse(quote="500"))
    with pytest.raises(NotFound) as err:
        wb.run(orders.invite, other, orders.Invite(item_ids=[items[0]]))
    assert err.value.field == "item_ids"
    assert wb.run(selection.exclusive_count, s) == 2 and wb.run(selection.exclusive_count, m) == 2


@pytest.mark.parametrize("quote, message", [("0", "不能为 0"), ("99.99", "不能低于"), ("abc", "报价应为金额")])
def test_quotes_are_never_zero_or_below_the_minimum(wb, flow, quote, message):
    _m, c, *_ = flow
    with pytest.raises(DomainError) as err:
        wb.run(selection.publish_quote, c, selection.PublishQuote.parse(quote=quote))
    assert err.value.field == "quote" and message in err.value.message
    assert wb.run(selection.current_quote, c).amount_cents == 80_000


def test_no_order_without_an_invitation(wb, flow):
    m, c, _o, _s, _p, items = flow
    with pytest.raises(NotFound):
        wb.run(orders.pay, m, orders.OrderRef(order_id=999))
    oid = wb.run(orders.invite, c, orders.Invite(item_ids=items))
    wb.run(orders.pay, m, orders.OrderRef(order_id=oid))
    with pytest.raises(Conflict):   # paying twice (Enter pressed twice) is refused, money held once
        wb.run(orders.pay, m, orders.OrderRef(order_id=oid))
    assert balances(wb, m) == (500_000 - 80_000, 80_000)


def test_paying_needs_the_balance(wb):
    m = factories.merchant(wb, "m.poor", balance="100")
    c = factories.creator(wb, "c.rich")
    p = factories.product(wb, m)
    item = wb.run(selection.submit_to_pool, m, selection.SubmitToPool.parse(
        product_id=p.id, creator_id=c.id, daily_price="99", live_price="79", commission_rate="0.2"))
    wb.run(selection.publish_quote, c, selection.PublishQuote.parse(quote="800"))
    oid = wb.run(orders.invite, c, orders.Invite(item_ids=[item]))
    with pytest.raises(DomainError) as err:
        wb.run(orders.pay, m, orders.OrderRef(order_id=oid))
    assert "¥700.00" in err.value.message
    assert wb.run(orders.order_detail, m, oid).row.status == "invited"


def test_the_creator_sees_the_merchant_contact_once_accepted(wb, flow):
    m, c, _o, _s, _p, items = flow
    oid = wb.run(orders.invite, c, orders.Invite(item_ids=items))
    wb.run(orders.pay, m, orders.OrderRef(order_id=oid))
    assert wb.run(orders.order_detail, c, oid).merchant_contact is None
    wb.run(orders.accept, c, orders.OrderRef(order_id=oid))
    assert wb.run(orders.order_detail, c, oid).merchant_contact == "王敏 · 13800001234"


def test_the_five_day_window_then_auto_confirm_fifteen_days_later(wb, flow):
    m, c, _o, _s, _p, items = flow
    oid = to_shipped(wb, m, c, items)
    shipped = wb.clock.now()
    wb.clock.advance(days=4, hours=23)
    assert wb.run(transitions.apply_due, SYSTEM)["auto_confirmed"] == 0
    wb.clock.advance(hours=1)
    assert wb.run(transitions.apply_due, SYSTEM)["auto_confirmed"] == 1
    assert wb.run(transitions.apply_due, SYSTEM)["auto_confirmed"] == 0   # exactly once
    d = wb.run(orders.order_detail, m, oid)
    assert d.row.status == "confirmed"
    assert d.latest_delivery_at == shipped + timedelta(days=5 + 15)
    with pytest.raises(Conflict):
        wb.run(orders.close, c, orders.CloseOrder.parse(order_id=oid, reason="样品破损", return_tracking="SF1"))


def test_the_27_day_cap_bounds_the_latest_delivery(wb, flow):
    m, c, _o, _s, _p, items = flow
    oid = wb.run(orders.invite, c, orders.Invite(item_ids=items))
    wb.run(orders.pay, m, orders.OrderRef(order_id=oid))
    agreed = wb.clock.now()
    wb.run(orders.accept, c, orders.OrderRef(order_id=oid))
    wb.clock.advance(days=10)  # the merchant ships late: 10 + 5 + 15 = 30 > 27
    wb.run(orders.ship_sample, m, orders.ShipSample.parse(order_id=oid, tracking="SF1"))
    with pytest.raises(DomainError) as err:
        wb.run(orders.schedule, c, orders.Schedule(order_id=oid, live_at=local(wb, days=18)))
    assert err.value.field == "live_at" and "最晚交付" in err.value.message
    wb.clock.advance(days=5)
    wb.run(transitions.apply_due, SYSTEM)
    assert wb.run(orders.order_detail, m, oid).latest_delivery_at == agreed + timedelta(days=27)


def test_closing_needs_a_reason_and_the_return_tracking_inside_the_window(wb, flow):
    m, c, _o, _s, _p, items = flow
    oid = to_shipped(wb, m, c, items)
    for values, field in (({"reason": "", "return_tracking": "SF1"}, "reason"),
                          ({"reason": "假样", "return_tracking": ""}, "return_tracking")):
        with pytest.raises(DomainError) as err:
            orders.CloseOrder.parse(order_id=oid, **values)
        assert err.value.field == field
    wb.run(orders.close, c, orders.CloseOrder.parse(order_id=oid, reason="样品破损", return_tracking="SF9"))
    assert balances(wb, m) == (500_000, 0)
    assert wb.run(orders.order_detail, m, oid).return_tracking == "SF9"


def test_scheduling_in_the_past_is_refused(wb, flow):
    m, c, _o, _s, _p, items = flow
    oid = to_shipped(wb, m, c, items)
    with pytest.raises(DomainError) as err:
        wb.run(orders.schedule, c, orders.Schedule(order_id=oid, live_at=local(wb, hours=-2)))
    assert err.value.field == "live_at"


def _live(wb, c, s, product_ids, shown, live_in=timedelta(days=1)):
    plan = wb.run(stock.submit_plan, c, stock.SubmitPlan(live_at=local(wb, days=live_in.days), product_ids=product_ids))
    wb.run(stock.review_plan, s, stock.ReviewPlan(plan_id=plan, approve=True))
    wb.run(stock.start_live, c, stock.PlanRef(plan_id=plan))
    return wb.run(stock.end_live, c, stock.EndLive(plan_id=plan, shown_product_ids=shown))


def test_delivery_is_automatic_at_live_end_with_proportional_settlement(wb, flow):
    m, c, _o, s, (p1, p2), items = flow
    oid = to_shipped(wb, m, c, items)
    wb.run(orders.schedule, c, orders.Schedule(order_id=oid, live_at=local(wb, days=1)))
    result = _live(wb, c, s, [p1.id, p2.id], [p1.id])
    assert result == {"delivered": 1, "paid_cents": 40_000}   # 1 of 2 ordered products shown: half of ¥800
    assert balances(wb, c) == (40_000, 0)
    assert balances(wb, m) == (500_000 - 40_000, 0)
    d = wb.run(orders.order_detail, m, oid)
    assert d.row.status == "delivered" and d.settled_cents == 40_000
    assert_ledger_sound(wb)


def test_overdue_after_the_deadline_then_a_complaint_penalises_the_creator(wb, flow):
    m, c, _o, s, _p, items = flow
    oid = to_shipped(wb, m, c, items)
    wb.run(orders.schedule, c, orders.Schedule(order_id=oid, live_at=local(wb, days=2)))
    with pytest.raises(Conflict):
        wb.run(orders.complain, m, orders.Complain(order_id=oid, reason="未开播"))
    wb.clock.advance(days=3, minutes=1)   # live + 24 h grace has passed
    assert wb.run(transitions.apply_due, SYSTEM)["overdue"] == 1
    assert wb.run(transitions.apply_due, SYSTEM)["overdue"] == 0
    assert balances(wb, m) == (500_000, 0)
    before = wb.run(orders.cooperation_record, c)
    cid = wb.run(orders.complain, m, orders.Complain(order_id=oid, reason="未按时开播"))
    with pytest.raises(Conflict):
        wb.run(orders.complain, m, orders.Complain(order_id=oid, reason="again"))
    wb.run(orders.rule_complaint, s, orders.RuleComplaint(complaint_id=cid, upheld=True, reason="主播未按时交付"))
    after = wb.run(orders.cooperation_record, c)
    assert before.counts["penalties"] == 0 and after.counts["penalties"] == 1
    assert before.success == "0%" and after.success == "0%"
    assert "投诉成立" in wb.run(orders.order_detail, c, oid).complaint


def test_users_below_the_record_thresholds_cannot_invite_and_are_told_why(wb, flow):
    m, c, _o, _s, _p, items = flow
    for _ in range(5):   # five overdue orders: success and completion rates are 0%
        oid = to_shipped(wb, m, c, items)
        wb.clock.advance(days=25)
        wb.run(transitions.apply_due, SYSTEM)
        wb.clock.advance(days=1)
        wb.run(transitions.apply_due, SYSTEM)
        assert wb.run(orders.order_detail, m, oid).row.status == "overdue"
    with pytest.raises(DomainError) as err:
        wb.run(orders.invite, c, orders.Invite(item_ids=items))
    assert err.value.field == "record" and "合作成功率 0%" in err.value.message
    record = wb.run(orders.cooperation_record, c)
    assert record.frozen_reasons and record.definitions


def test_stock_plans_need_twenty_percent_from_the_exclusive_pool(wb, flow):
    m, c, _o, s, (p1, _p2), _items = flow
    others = [factories.product(wb, m, f"其他{i}").id for i in range(5)]
    check = wb.run(stock.check_share, c, [p1.id, *others])
    assert (check.exclusive, check.total, check.share, check.ok) == (1, 6, "17%", False)
    with pytest.raises(DomainError) as err:
        wb.run(stock.submit_plan, c, stock.SubmitPlan(live_at=local(wb, days=1), product_ids=[p1.id, *others]))
    assert err.value.field == "product_ids" and "17%" in err.value.message
    plan = wb.run(stock.submit_plan, c, stock.SubmitPlan(live_at=local(wb, days=1), product_ids=[p1.id, *others[:4]]))
    wb.run(stock.revoke_plan, c, stock.PlanRef(plan_id=plan))
    plan2 = wb.run(stock.submit_plan, c, stock.SubmitPlan(live_at=local(wb, days=1), product_ids=[p1.id]))
    with pytest.raises(DomainError):
        wb.run(stock.review_plan, s, stock.ReviewPlan(plan_id=plan2, approve=False))
    wb.run(stock.review_plan, s, stock.ReviewPlan(plan_id=plan2, approve=False, reason="直播时间与平台活动冲突"))
    with pytest.raises(Conflict):
        wb.run(stock.revoke_plan, c, stock.PlanRef(plan_id=plan2))
    views = {p.id: p for p in wb.run(stock.list_plans, c)}
    assert views[plan].status == "revoked" and views[plan2].review_reason == "直播时间与平台活动冲突"


def test_income_and_the_xlsx_export_have_typed_cells(wb, flow, tmp_path):
    import datetime as dt
    from decimal import Decimal

    from openpyxl import load_workbook

    from workbench.export import income_workbook
    from workbench.services import income
    from workbench.store.models import Sale

    m, c, _o, s, (p1, p2), items = flow
    oid = to_shipped(wb, m, c, items)
    wb.run(orders.schedule, c, orders.Schedule(order_id=oid, live_at=local(wb, days=1)))
    _live(wb, c, s, [p1.id, p2.id], [p1.id, p2.id])
    with wb.uow() as uow:
        uow.session.add(Sale(product_id=p1.id, creator_id=c.id, merchant_id=m.id, paid_cents=7900,
                             commission_rate=Decimal("0.25"), paid_at=wb.clock.now()))
        uow.commit()
    view = wb.run(income.income, c)
    assert [b.amount_cents for b in view.bill] == [80_000]
    assert view.per_order[0].estimate_cents == 1975 and view.per_day[0].estimate_cents == 1975
    path = income_workbook(view, "Asia/Shanghai", tmp_path / "收入.xlsx")
    book = load_workbook(path)
    bill, per_day, per_order = book.worksheets
    assert isinstance(bill["A2"].value, dt.datetime) and bill["D2"].value == 800
    assert bill["D2"].number_format.startswith('"¥"')
    assert isinstance(per_day["A2"].value, dt.datetime) and per_day["D2"].value == 19.75
    assert per_order["E2"].value == 0.25 and per_order["E2"].number_format == "0.0%"
