"""Post-campaign reports and ratings: figures on hand-built cooperations, the workbook, the rules."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from sqlalchemy import func, select

from tests import factories
from tests.test_tasks import publish
from workbench.domain.errors import Conflict, DomainError, Forbidden, NotFound
from workbench.export import reports_workbook
from workbench.services import dashboard, fees, orders, reports, selection, stock, tasks, transitions
from workbench.services.base import SYSTEM
from workbench.store.models import AuditEntry, Notification, Rating

pytestmark = pytest.mark.both_backends

TZ = ZoneInfo("Asia/Shanghai")


def local(at) -> str:
    return at.astimezone(TZ).strftime("%Y-%m-%d %H:%M")


def sell(wb, s, product_id, creator_id, paid, at, n=1):
    wb.clock.at = at
    for _ in range(n):
        wb.run(fees.record_sale, s, fees.RecordSale(product_id=product_id, creator_id=creator_id, paid=paid))


@pytest.fixture
def coop(wb):
    """A delivered order (¥800 quote, one of two products shown → ¥400 settled) with consumer orders
    around its live, and a completed ¥3,000 live task; the merchant's service-fee rate is 20% and the
    creator is bound to no agency (the platform keeps 40% of the fee)."""
    m = factories.merchant(wb, balance="10000")
    c = factories.creator(wb, "c.one")
    other = factories.creator(wb, "c.two")
    s = factories.support(wb)
    p1, p2, p3 = (factories.product(wb, m, name) for name in ("面霜", "精华", "口红"))
    items = [wb.run(selection.submit_to_pool, m, selection.SubmitToPool.parse(
        product_id=p.id, creator_id=c.id, daily_price="99", live_price="79", commission_rate="25%")) for p in (p1, p2)]
    wb.run(selection.publish_quote, c, selection.PublishQuote.parse(quote="800"))
    oid = wb.run(orders.invite, c, orders.Invite(item_ids=items))
    wb.run(orders.pay, m, orders.OrderRef(order_id=oid))
    wb.run(orders.accept, c, orders.OrderRef(order_id=oid))
    wb.run(orders.ship_sample, m, orders.ShipSample.parse(order_id=oid, tracking="SF1234567"))
    live = wb.clock.now().replace(second=0, microsecond=0) + timedelta(days=1)
    wb.run(orders.schedule, c, orders.Schedule(order_id=oid, live_at=local(live)))
    plan = wb.run(stock.submit_plan, c, stock.SubmitPlan(live_at=local(live), product_ids=[p1.id, p2.id]))
    wb.run(stock.review_plan, s, stock.ReviewPlan(plan_id=plan, approve=True))
    wb.clock.at = live
    wb.run(stock.start_live, c, stock.PlanRef(plan_id=plan))
    sell(wb, s, p1.id, c.id, "100", live + timedelta(hours=1), n=2)     # in the live: counted
    wb.clock.at = live + timedelta(hours=2)
    wb.run(stock.end_live, c, stock.EndLive(plan_id=plan, shown_product_ids=[p1.id]))
    sell(wb, s, p2.id, c.id, "50", live + timedelta(days=2))            # two days later: counted
    sell(wb, s, p1.id, c.id, "100", live + timedelta(days=7, minutes=1))  # after the 7-day window
    sell(wb, s, p1.id, other.id, "100", live + timedelta(hours=3))      # another creator's sale
    sell(wb, s, p3.id, c.id, "100", live + timedelta(hours=3))          # a product not in the order
    # the live task: ¥1,000/hour × 3 hours; the creator goes live 10 minutes after the booked time
    wb.clock.at = live + timedelta(days=8)
    tid = publish(wb, m, c, p3, air_in=timedelta(days=2), hours=3)
    wb.run(tasks.accept_task, c, tasks.TaskRef(task_id=tid))
    with wb.uow(read_only=True) as uow:
        from workbench.store.models import LiveTask
        air = uow.session.get(LiveTask, tid).air_at
    wb.clock.at = air + timedelta(minutes=10)
    wb.run(tasks.go_live, c, tasks.TaskRef(task_id=tid))
    sell(wb, s, p3.id, c.id, "300", air + timedelta(hours=1))
    wb.clock.at = air + timedelta(hours=3)
    wb.run(tasks.end_live, c, tasks.TaskRef(task_id=tid))
    wb.clock.at = air + timedelta(hours=5)
    wb.run(tasks.check_task, m, tasks.TaskRef(task_id=tid))
    return m, c, other, s, oid, tid, live, air


def test_a_delivered_order_reports_cost_gmv_roi_and_on_time(wb, coop):
    m, c, _o, _s, oid, _t, live, _a = coop
    d = wb.run(reports.report, m, reports.ReportRef(kind="order", id=oid))
    assert d.state == "已交付" and d.quote_cents == 80_000
    assert d.slot_fee_cents == 40_000                       # proportional settlement: half of ¥800
    assert d.gmv_cents == 25_000 and d.orders == 3          # 2 × ¥100 in the live + ¥50 two days later
    assert d.commission_cents == 5_000                      # 20% service fee on ¥250
    assert (d.platform_cents, d.creator_fee_cents, d.agency_fee_cents) == (2_000, 3_000, 0)
    assert d.cost_cents == 45_000
    assert d.roi == Decimal("0.56")                         # 250 ÷ 450
    assert d.roi_formula == "ROI = GMV ÷ 成本 = ¥250.00 ÷ ¥450.00 = 0.56"
    assert d.on_time and d.done_at == live + timedelta(hours=2) and d.deadline == live + timedelta(hours=24)
    assert d.live_at == live and d.window_ends_at == live + timedelta(days=7)
    assert d.products == ["面霜", "精华"]
    by_day = {x.day: (x.orders, x.gmv_cents) for x in d.per_day}
    first = live.astimezone(TZ).date()
    assert by_day[first] == (2, 20_000) and by_day[first + timedelta(days=2)] == (1, 5_000)
    assert len(d.per_day) == 8 and sum(x.gmv_cents for x in d.per_day) == d.gmv_cents


def test_a_completed_task_reports_its_slot_fee_and_a_late_start_within_the_grace(wb, coop):
    m, c, _o, _s, _oid, tid, _l, air = coop
    d = wb.run(reports.report, c, reports.ReportRef(kind="task", id=tid))
    assert d.slot_fee_cents == 300_000 and d.quote_cents == 300_000
    assert d.gmv_cents == 30_000 and d.orders == 1 and d.commission_cents == 6_000
    assert d.cost_cents == 306_000 and d.roi == Decimal("0.10")   # 300 ÷ 3060 = 0.098
    assert d.done_at == air + timedelta(minutes=10) and d.deadline == air and d.on_time


def test_a_task_that_went_live_after_the_grace_is_late(wb, coop):
    m, c, _o, s, _oid, _tid, _l, _a = coop
    tid = publish(wb, m, c, factories.product(wb, m, "眼霜"), air_in=timedelta(days=1), hours=1)
    wb.run(tasks.accept_task, c, tasks.TaskRef(task_id=tid))
    from workbench.store.models import LiveTask
    with wb.uow(read_only=True) as uow:
        air = uow.session.get(LiveTask, tid).air_at
    wb.clock.at = air + timedelta(minutes=16)            # the grace is 15 minutes
    wb.run(tasks.go_live, c, tasks.TaskRef(task_id=tid))
    wb.run(tasks.end_live, c, tasks.TaskRef(task_id=tid))
    wb.run(tasks.check_task, m, tasks.TaskRef(task_id=tid))
    d = wb.run(reports.report, m, reports.ReportRef(kind="task", id=tid))
    assert not d.on_time and d.gmv_cents == 0 and d.roi == Decimal("0.00")


def test_an_overdue_order_is_late_with_nothing_spent_and_no_ratio(wb):
    m = factories.merchant(wb, balance="5000")
    c = factories.creator(wb, "c.one")
    oid = factories.shipped_order(wb, m, c)
    live = wb.clock.now() + timedelta(days=2)
    wb.run(orders.schedule, c, orders.Schedule(order_id=oid, live_at=local(live)))
    wb.clock.advance(days=3, minutes=1)
    assert wb.run(transitions.apply_due, SYSTEM)["overdue"] == 1
    d = wb.run(reports.report, m, reports.ReportRef(kind="order", id=oid))
    assert d.state == "已逾期" and not d.on_time
    assert (d.cost_cents, d.gmv_cents, d.orders, d.roi, d.per_day) == (0, 0, 0, None, [])
    assert "成本为 0" in d.roi_formula and "逾期" in d.note


def test_an_unfinished_order_has_no_report_and_cannot_be_rated(wb):
    m = factories.merchant(wb, balance="5000")
    c = factories.creator(wb, "c.one")
    oid = factories.shipped_order(wb, m, c)
    with pytest.raises(Conflict) as err:
        wb.run(reports.report, m, reports.ReportRef(kind="order", id=oid))
    assert err.value.field == "id" and "尚未完成" in err.value.message
    with pytest.raises(Conflict) as err:
        wb.run(reports.give_rating, m, reports.GiveRating.parse(subject="order", subject_id=oid, score=5))
    assert err.value.field == "subject_id"
    assert wb.run(reports.list_reports, m) == []


def test_the_list_is_newest_first_and_pages_by_keyset(wb, coop):
    m, c, _o, s, oid, tid, _l, _a = coop
    rows = wb.run(reports.list_reports, m)
    assert [r.key for r in rows] == [f"task:{tid}", f"order:{oid}"]
    assert rows[1].cost_cents == 45_000 and rows[1].gmv_cents == 25_000 and rows[1].roi == Decimal("0.56")
    first = wb.run(reports.list_reports, s, reports.ReportQuery(limit=1))
    second = wb.run(reports.list_reports, s, reports.ReportQuery(limit=1, after=first[0].key))
    third = wb.run(reports.list_reports, s, reports.ReportQuery(limit=1, after=second[0].key))
    assert [first[0].key, second[0].key, third] == [f"task:{tid}", f"order:{oid}", []]


def test_others_cooperations_answer_not_found_like_a_missing_one(wb, coop):
    m, c, other, _s, oid, tid, _l, _a = coop
    stranger = factories.merchant(wb, "m.other")
    for actor in (other, stranger):
        assert wb.run(reports.list_reports, actor) == []
        for kind, ref in (("order", oid), ("task", tid)):
            with pytest.raises(NotFound) as seen:
                wb.run(reports.report, actor, reports.ReportRef(kind=kind, id=ref))
            with pytest.raises(NotFound) as missing:
                wb.run(reports.report, actor, reports.ReportRef(kind=kind, id=ref + 1000))
            assert seen.value.message.replace(str(ref), "#") == missing.value.message.replace(str(ref + 1000), "#")
        with pytest.raises(NotFound):
            wb.run(reports.give_rating, actor, reports.GiveRating.parse(subject="order", subject_id=oid, score=3))
    with pytest.raises(NotFound) as err:
        wb.run(reports.list_reports, other, reports.ReportQuery(after=f"order:{oid}"))
    assert err.value.field == "after"


def test_both_sides_rate_once_each_audited_and_the_other_side_told(wb, coop):
    m, c, _o, s, oid, tid, _l, _a = coop
    assert wb.run(reports.ratings_todo, m)[0].key == f"task:{tid}"
    with wb.uow(read_only=True) as uow:
        assert reports.todo_count(uow, m) == 2 and reports.todo_count(uow, c) == 2 and reports.todo_count(uow, s) == 0
    view = wb.run(reports.give_rating, m, reports.GiveRating.parse(
        subject="order", subject_id=oid, score="5", comment="  讲解到位  "))
    assert (view.side, view.score, view.comment, view.ratee) == ("merchant", 5, "讲解到位", "主播c.one")
    with pytest.raises(Conflict) as err:
        wb.run(reports.give_rating, m, reports.GiveRating.parse(subject="order", subject_id=oid, score=1))
    assert err.value.field == "subject_id" and "只能评价一次" in err.value.message
    wb.run(reports.give_rating, c, reports.GiveRating.parse(subject="order", subject_id=oid, score=4))
    d = wb.run(reports.report, s, reports.ReportRef(kind="order", id=oid))
    assert [(r.side, r.score) for r in d.ratings] == [("merchant", 5), ("creator", 4)] and not d.can_rate
    assert wb.run(reports.report, m, reports.ReportRef(kind="task", id=tid)).can_rate
    with wb.uow(read_only=True) as uow:
        rows = uow.session.execute(select(Rating.rater_id, Rating.ratee_id, Rating.score)
                                   .order_by(Rating.id)).all()
        assert rows == [(m.id, c.id, 5), (c.id, m.id, 4)]
        audits = uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "rating.give")
                                     .order_by(AuditEntry.id)).all()
        assert [(a.actor_id, json.loads(a.detail)["score"]) for a in audits] == [(m.id, 5), (c.id, 4)]
        told = uow.session.scalars(select(Notification).where(Notification.kind == "rating_received_order")
                                   .order_by(Notification.id)).all()
        assert [(n.user_id, n.screen, n.ref_id) for n in told] == [(c.id, "order_detail", oid), (m.id, "order_detail", oid)]
        assert reports.todo_count(uow, m) == 1 and reports.todo_count(uow, c) == 1
    assert [r.key for r in wb.run(reports.list_reports, m, reports.ReportQuery(to_rate=True))] == [f"task:{tid}"]
    assert wb.run(reports.list_reports, m)[1].rated


@pytest.mark.parametrize("values, field", [
    ({"score": 0}, "score"), ({"score": 6}, "score"), ({"score": "4.5"}, "score"), ({"score": "五"}, "score"),
    ({"score": True}, "score"), ({"score": ""}, "score"), ({"score": 3, "comment": "好" * 301}, "comment"),
    ({"score": 3, "comment": "ok\x1b[2J"}, "comment"), ({"score": 3, "subject": "parcel"}, "subject"),
])
def test_bad_ratings_name_the_field_and_write_nothing(wb, coop, values, field):
    m, _c, _o, _s, oid, _t, _l, _a = coop
    args = {"subject": "order", "subject_id": oid, **values}
    with pytest.raises(DomainError) as err:
        wb.run(reports.give_rating, m, reports.GiveRating.parse(**args))
    assert err.value.field == field
    with wb.uow(read_only=True) as uow:
        assert uow.session.scalar(select(func.count()).select_from(Rating)) == 0
        assert uow.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "rating.give")) == 0


def test_a_300_character_comment_is_accepted(wb, coop):
    m, _c, _o, _s, oid, _t, _l, _a = coop
    view = wb.run(reports.give_rating, m, reports.GiveRating.parse(subject="order", subject_id=oid, score=2,
                                                                   comment="慢" * 300))
    assert len(view.comment) == 300


def test_support_staff_see_reports_but_do_not_rate(wb, coop):
    _m, _c, _o, s, oid, _t, _l, _a = coop
    assert len(wb.run(reports.list_reports, s)) == 2
    with pytest.raises(Forbidden):
        wb.run(reports.give_rating, s, reports.GiveRating.parse(subject="order", subject_id=oid, score=5))


def test_the_dashboard_shows_the_to_rate_count(wb, coop):
    m, c, _o, _s, _oid, _t, _l, _a = coop
    view = wb.run(dashboard.load_dashboard, m, frozenset({"reports"}))
    item = next(t for t in view.todo if t.key == "to_rate")
    assert (item.label, item.count, item.screen, item.filter) == ("待评价", 2, "reports", "to_rate")


def test_the_workbook_holds_typed_cells_for_one_report_and_for_a_period(wb, coop, tmp_path):
    m, c, _o, _s, oid, tid, live, air = coop
    wb.run(reports.give_rating, m, reports.GiveRating.parse(subject="order", subject_id=oid, score=5, comment="好"))
    one = wb.run(reports.export_reports, m, reports.ExportQuery(kind="order", id=oid))
    path = reports_workbook(one, m.zone, tmp_path / "one.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["复盘汇总", "每日 GMV", "评价"]
    summary = book["复盘汇总"]
    head = [cell.value for cell in summary[1]]
    row = dict(zip(head, [cell.value for cell in summary[2]]))
    assert summary.max_row == 2
    assert row["合作"] == f"订单 #{oid}" and row["准时"] == "准时"
    assert (row["坑位费"], row["佣金 (推广服务费)"], row["成本"], row["GMV"]) == (400, 50, 450, 250)
    assert row["成交订单"] == 3 and float(row["ROI"]) == 0.56
    assert row["完成时间"] == (live + timedelta(hours=2)).astimezone(TZ).replace(tzinfo=None)
    assert summary["J2"].number_format == '"¥"#,##0.00'
    days = book["每日 GMV"]
    assert days.max_row == 1 + 8 and days["B2"].value.date() == live.astimezone(TZ).date() and days["D2"].value == 200
    rated = book["评价"]
    assert [c.value for c in rated[2]][:6] == [f"订单 #{oid}", "商家", "m.test 有限公司", "主播c.one", 5, "好"]
    # a period: the day of the live holds the order only; the whole month holds both
    day = (live + timedelta(hours=2)).astimezone(TZ).date().isoformat()
    assert [d.title for d in wb.run(reports.export_reports, m, reports.ExportQuery(since=day, until=day))] == [
        f"订单 #{oid}"]
    both = wb.run(reports.export_reports, m, reports.ExportQuery())
    assert [d.title for d in both] == [f"任务 #{tid}", f"订单 #{oid}"]
    with pytest.raises(DomainError) as err:
        wb.run(reports.export_reports, m, reports.ExportQuery(since="2020-01-01", until="2020-01-31"))
    assert err.value.field == "since"


@pytest.mark.parametrize("values, field", [
    ({"since": "2026-13-01"}, "since"), ({"until": "yesterday"}, "until"),
    ({"since": "2026-06-02", "until": "2026-06-01"}, "until"), ({"kind": "order"}, "id"), ({"id": 3}, "kind"),
    ({"kind": "box", "id": 1}, "kind"), ({"kind": "order", "id": 1, "since": "2026-06-01"}, "since"),
])
def test_bad_export_queries_name_the_field(values, field):
    with pytest.raises(DomainError) as err:
        reports.ExportQuery.parse(**values)
    assert err.value.field == field


def test_the_cli_shows_exports_and_rates_and_refuses_bad_input_with_exit_2(wb, coop, tmp_path, backend):
    if backend != "sqlite":
        pytest.skip("the CLI is exercised once, on a SQLite file")
    m, c, _o, _s, oid, tid, _l, _a = coop
    env_db = wb.settings.db_url

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "workbench", *args, "--db", env_db, "--lang", "zh"], capture_output=True,
                              text=True, env={"WORKBENCH_NOW": "2026-06-20T10:00:00+08:00", "PATH": "/usr/bin:/bin"})

    shown = cli("reports", "show", "order", str(oid), "--as", "m.test", "--json")
    assert shown.returncode == 0, shown.stderr
    data = json.loads(shown.stdout)
    assert (data["gmv_cents"], data["cost_cents"], data["roi"]) == (25_000, 45_000, "0.56")
    listed = cli("reports", "list", "--as", "c.one")
    assert listed.returncode == 0 and f"title=任务 #{tid}" in listed.stdout.splitlines()[0]
    out = tmp_path / "r.xlsx"
    assert cli("reports", "export", "--as", "m.test", "--out", str(out)).returncode == 0
    assert openpyxl.load_workbook(out)["复盘汇总"].max_row == 3
    bad = cli("ratings", "give", "--as", "m.test", "--subject", "order", "--subject-id", str(oid), "--score", "9")
    assert bad.returncode == 2 and bad.stderr.strip().splitlines() == ["workbench: score: 评分须为 1 到 5 的整数"]
    wrong_kind = cli("reports", "show", "parcel", "1", "--as", "m.test")
    assert wrong_kind.returncode == 2 and "kind:" in wrong_kind.stderr
    todo = cli("ratings", "todo", "--as", "m.test", "--json")
    assert [r["id"] for r in json.loads(todo.stdout)] == [tid, oid]
    good = cli("ratings", "give", "--as", "m.test", "--subject", "order", "--subject-id", str(oid), "--score", "4",
               "--comment", "准时")
    assert good.returncode == 0, good.stderr
    again = cli("ratings", "give", "--as", "m.test", "--subject", "order", "--subject-id", str(oid), "--score", "4")
    assert again.returncode == 2 and "subject_id:" in again.stderr
    with wb.uow(read_only=True) as uow:
        assert uow.session.scalar(select(func.count()).select_from(Rating)) == 1


def test_report_pages_and_the_to_rate_count_read_indexes(tmp_path, now, backend):
    """On a generated store with the planner's statistics: no large table is read whole, and pages
    follow the keyset (no OFFSET beyond 0)."""
    if backend != "sqlite":
        pytest.skip("query plans are SQLite's")
    import re

    from tests.test_query_plans import _captured, _full_scans
    from workbench.bootstrap import bootstrap
    from workbench.clock import FixedClock
    from workbench.config import Settings
    from workbench.generate import Sizes, generate

    big = bootstrap(Settings(db_url=f"sqlite:///{tmp_path / 'plans.db'}", lang="zh"), clock=FixedClock(now))
    try:
        generate(big, Sizes(orders=800, tasks=800, creators=30, products=200), 5, now)
        with big.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
        for handle in ("gen.merchant", "gen.creator", "gen.support"):
            actor = big.sign_in(handle)

            def pages() -> None:
                first = big.run(reports.list_reports, actor)
                assert first, handle
                big.run(reports.list_reports, actor, reports.ReportQuery(after=first[-1].key))
                big.run(reports.list_reports, actor, reports.ReportQuery(to_rate=True))
                with big.uow(read_only=True) as uow:
                    reports.todo_count(uow, actor)

            statements = _captured(big, pages)
            assert not [s for s, p in statements if re.search(r"\bOFFSET \?", s) and p[-1] != 0]
            assert _full_scans(big, statements) == [], handle
    finally:
        big.close()


def test_the_finished_states_are_states_of_their_flows():
    from workbench.domain.orders import OrderStatus
    from workbench.domain.reports import FINISHED_ORDER, FINISHED_TASK
    from workbench.domain.tasks import TaskStatus

    assert FINISHED_ORDER == (OrderStatus.DELIVERED.value, OrderStatus.OVERDUE.value)
    assert FINISHED_TASK == (TaskStatus.COMPLETED.value,)
