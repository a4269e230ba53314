"""Two-sided reputation: the merchant's record, sample problem reports ruled by support, and the
record weighing in creators' recommendations."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event, func, select

from tests import factories
from tests.test_cli import assert_clean_failure, run
from tests.test_query_plans import _captured, _full_scans, store  # noqa: F401  (the generated large store)
from tests.test_tasks import publish
from workbench.domain.errors import Conflict, DomainError, Forbidden, NotFound
from workbench.domain.reputation import (
    MerchantCounts, Weights, average_rating, check_reason, composite, merchant_factor, merchant_record,
    short_breakdown,
)
from workbench.services import dashboard, orders, reputation, selection, tasks
from workbench.store.models import AuditEntry, Notification, SampleReport

pytestmark = pytest.mark.both_backends

W = Weights(Decimal("0.4"), Decimal("0.3"), Decimal("0.1"), Decimal("0.2"), Decimal("0.30"), 3)


# ---- formulas on hand-built figures -----------------------------------------------------------------

def test_merchant_record_figures_are_exact_shares():
    rec = merchant_record(MerchantCounts(invitations_due=4, answered_in_time=3, checks_due=2, paid_in_time=1,
                                         samples_shipped=5, sample_problems=1, ratings=3, rating_sum=13))
    assert rec.response == Decimal("0.75")
    assert rec.on_time_payment == Decimal("0.5")
    assert rec.sample_problems == Decimal("0.2")
    assert rec.rating == Decimal("4.3")          # 13 / 3 = 4.33, one decimal half up
    assert average_rating(9, 2) == Decimal("4.5") and average_rating(0, 0) is None


def test_record_factor_weighs_only_parts_with_enough_cases():
    rec = merchant_record(MerchantCounts(invitations_due=4, answered_in_time=3, checks_due=2, paid_in_time=1,
                                         samples_shipped=5, sample_problems=1, ratings=3, rating_sum=13))
    f = merchant_factor(rec, W)
    # payment has 2 cases (< 3): left out. (0.4×0.75 + 0.3×0.8 + 0.2×0.825) / 0.9 = 0.7833
    assert [k for k, _v, _w in f.parts] == ["response", "samples", "rating"]
    assert f.value == Decimal("0.78")
    assert composite(80, f.value, W.stake) == Decimal("74.7")    # 80 × (1 - 0.3 × 0.22) = 74.72
    assert short_breakdown(80, f.value, W.stake) == "74.7 = 80 × 0.93"


def test_a_new_merchant_is_neither_pushed_down_nor_up():
    f = merchant_factor(merchant_record(MerchantCounts(invitations_due=1, answered_in_time=0)), W)
    assert f.value == 1 and f.parts == ()
    assert composite(80, f.value, W.stake) == Decimal("80.0")


def test_an_upheld_sample_problem_counts_from_the_first():
    f = merchant_factor(merchant_record(MerchantCounts(samples_shipped=1, sample_problems=1)), W)
    assert f.value == 0
    assert composite(100, f.value, W.stake) == Decimal("70.0")   # the stake caps what a record can take


def test_reasons_accept_the_keys_and_chinese_names():
    assert check_reason("假货") == "fake" and check_reason(" Missing ") == "missing" and check_reason("错发") == "wrong"
    with pytest.raises(DomainError) as err:
        check_reason("bad smell")
    assert err.value.field == "reason"


# ---- the record from the store ---------------------------------------------------------------------

@pytest.fixture
def people(wb):
    m = factories.merchant(wb, balance="50000")
    c = factories.creator(wb, "c.one")
    other = factories.creator(wb, "c.two")
    s = factories.support(wb)
    p = factories.product(wb, m, "面霜")
    item = wb.run(selection.submit_to_pool, m, selection.SubmitToPool.parse(
        product_id=p.id, creator_id=c.id, daily_price="99", live_price="79", commission_rate="25%"))
    wb.run(selection.publish_quote, c, selection.PublishQuote.parse(quote="800"))
    return m, c, other, s, item


def _invite(wb, c, item) -> int:
    return wb.run(orders.invite, c, orders.Invite(item_ids=[item]))


def test_response_rate_counts_answers_within_the_window(wb, people):
    m, c, _o, _s, item = people
    fast, slow, ignored = _invite(wb, c, item), _invite(wb, c, item), _invite(wb, c, item)
    wb.clock.advance(hours=1)
    wb.run(orders.pay, m, orders.OrderRef(order_id=fast))
    wb.clock.advance(hours=79)
    wb.run(orders.decline, m, orders.OrderRef(order_id=slow))     # 80 h: answered, but late
    wb.clock.advance(hours=20)
    _invite(wb, c, item)                                          # just arrived: not due yet
    figures = {f.key: f for f in wb.run(reputation.merchant_profile, c, m.id).figures}
    # due: fast, slow, and ignored (100 h without an answer); in time: fast
    assert (figures["response"].value, figures["response"].basis) == ("33%", "1 / 3")
    assert "72 小时" in figures["response"].definition and figures["response"].definition.startswith("定义")
    assert ignored


def test_on_time_payment_counts_checks_within_the_window_after_the_live(wb):
    m = factories.merchant(wb, balance="50000")
    c = factories.creator(wb, quote="1000")
    p = factories.product(wb, m)
    ids = [publish(wb, m, c, p, air_in=timedelta(hours=2), hours=2) for _ in range(3)]
    for tid in ids:
        wb.run(tasks.accept_task, c, tasks.TaskRef(task_id=tid))
    wb.clock.advance(hours=2)
    for tid in ids:
        wb.run(tasks.go_live, c, tasks.TaskRef(task_id=tid))
    wb.clock.advance(hours=2)
    for tid in ids:
        wb.run(tasks.end_live, c, tasks.TaskRef(task_id=tid))
    wb.clock.advance(hours=10)
    wb.run(tasks.check_task, m, tasks.TaskRef(task_id=ids[0]))     # 12 h after air time: on time
    fig = {f.key: f for f in wb.run(reputation.my_reputation, m)}["payment"]
    assert (fig.value, fig.basis) == ("100%", "1 / 1")             # the other two are not due yet
    wb.clock.advance(hours=70)
    wb.run(tasks.check_task, m, tasks.TaskRef(task_id=ids[1]))     # 82 h after air time > 2 h + 72 h: late
    fig = {f.key: f for f in wb.run(reputation.my_reputation, m)}["payment"]
    assert (fig.value, fig.basis) == ("33%", "1 / 3")              # the third is still unchecked: due, late


# ---- sample problem reports ------------------------------------------------------------------------

def test_a_creator_reports_a_sample_problem_and_the_merchant_is_told(wb, people):
    m, c, _o, _s, item = people
    oid = factories.shipped_order(wb, m, c, product_name="精华")
    rid = wb.run(reputation.report_sample, c, reputation.ReportSample.parse(
        order_id=oid, reason="假货", detail="包装无防伪码, 与正品不符"))
    rows = wb.run(reputation.sample_reports, m, reputation.SampleQuery(status="all"))
    assert [(r.id, r.reason, r.reason_label, r.status) for r in rows] == [(rid, "fake", "假货", "open")]
    with wb.uow() as uow:
        note = uow.session.scalars(select(Notification).where(Notification.user_id == m.id,
                                                              Notification.kind == "sample_reported")).one()
        entry = uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "sample.report")).one()
        assert json.loads(note.params)["order"] == oid and note.screen == "sample_reports"
        assert entry.actor_id == c.id and json.loads(entry.detail)["reason"] == "fake"
    with pytest.raises(Conflict) as err:
        wb.run(reputation.report_sample, c, reputation.ReportSample.parse(order_id=oid, reason="other", detail="再报"))
    assert err.value.field == "order_id"


def test_no_report_before_the_sample_ships_nor_on_someone_elses_order(wb, people):
    m, c, other, _s, item = people
    oid = _invite(wb, c, item)
    with pytest.raises(Conflict):
        wb.run(reputation.report_sample, c, reputation.ReportSample.parse(order_id=oid, reason="missing", detail="x"))
    shipped = factories.shipped_order(wb, m, c, product_name="精华")
    with pytest.raises(NotFound) as err:
        wb.run(reputation.report_sample, other, reputation.ReportSample.parse(
            order_id=shipped, reason="missing", detail="x"))
    assert err.value.field == "order_id"
    with pytest.raises(Forbidden):
        wb.run(reputation.report_sample, m, reputation.ReportSample.parse(order_id=shipped, reason="fake", detail="x"))


@pytest.mark.parametrize("values, field", [
    ({"reason": "smelly", "detail": "x"}, "reason"),
    ({"reason": "fake", "detail": ""}, "detail"),
    ({"reason": "fake", "detail": "长" * 301}, "detail"),
    ({"reason": "fake"}, "detail"),
])
def test_bad_report_names_the_field_and_writes_nothing(wb, people, values, field):
    m, c, _o, _s, _item = people
    oid = factories.shipped_order(wb, m, c, product_name="精华")
    with pytest.raises(DomainError) as err:
        wb.run(reputation.report_sample, c, reputation.ReportSample.parse(order_id=oid, **values))
    assert err.value.field == field
    with wb.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(SampleReport)) == 0


def test_support_upholds_and_the_merchants_record_counts_it(wb, people):
    m, c, _o, s, _item = people
    oid = factories.shipped_order(wb, m, c, product_name="精华")
    rid = wb.run(reputation.report_sample, c, reputation.ReportSample.parse(order_id=oid, reason="damaged",
                                                                            detail="瓶身破裂"))
    queue = wb.run(reputation.sample_reports, s)
    assert [r.id for r in queue] == [rid]
    with pytest.raises(Forbidden):
        wb.run(reputation.rule_sample, c, reputation.RuleSample.parse(report_id=rid, upheld=True, ruling="x"))
    with pytest.raises(Conflict):   # the version the person saw is not the current one
        wb.run(reputation.rule_sample, s, reputation.RuleSample.parse(report_id=rid, upheld=True, ruling="x",
                                                                       version=queue[0].version + 1))
    wb.run(reputation.rule_sample, s, reputation.RuleSample.parse(report_id=rid, upheld=True, ruling="照片显示破损",
                                                                   version=queue[0].version))
    assert wb.run(reputation.sample_reports, s) == []
    with pytest.raises(Conflict):
        wb.run(reputation.rule_sample, s, reputation.RuleSample.parse(report_id=rid, upheld=False, ruling="改判"))
    samples = {f.key: f for f in wb.run(reputation.merchant_profile, c, m.id).figures}["samples"]
    assert (samples.value, samples.basis) == ("100%", "1 / 1")
    with wb.uow() as uow:
        told = sorted(n.user_id for n in uow.session.scalars(select(Notification).where(
            Notification.kind == "sample_upheld")))
        ruled = uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "sample.rule")).one()
        assert ruled.actor_id == s.id and json.loads(ruled.detail) == {"order": oid, "upheld": True,
                                                                       "ruling": "照片显示破损"}
    assert told == sorted([m.id, c.id])


def test_a_dismissed_report_does_not_count(wb, people):
    m, c, _o, s, _item = people
    oid = factories.shipped_order(wb, m, c, product_name="精华")
    rid = wb.run(reputation.report_sample, c, reputation.ReportSample.parse(order_id=oid, reason="wrong",
                                                                            detail="颜色不对"))
    wb.run(reputation.rule_sample, s, reputation.RuleSample.parse(report_id=rid, upheld=False, ruling="颜色在约定范围内"))
    samples = {f.key: f for f in wb.run(reputation.my_reputation, m)}["samples"]
    assert (samples.value, samples.basis) == ("0%", "0 / 1")
    assert [r.status_label for r in wb.run(reputation.sample_reports, c, reputation.SampleQuery(status="all"))] == [
        "不成立"]
    with wb.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Notification).where(
            Notification.kind == "sample_dismissed")) == 2


def test_only_the_parties_and_support_see_a_report(wb, people):
    m, c, other, s, _item = people
    oid = factories.shipped_order(wb, m, c, product_name="精华")
    wb.run(reputation.report_sample, c, reputation.ReportSample.parse(order_id=oid, reason="fake", detail="假"))
    m2 = factories.merchant(wb, "m.two")
    every = reputation.SampleQuery(status="all")
    assert wb.run(reputation.sample_reports, other, every) == []
    assert wb.run(reputation.sample_reports, m2, every) == []
    assert len(wb.run(reputation.sample_reports, s, every)) == 1
    assert wb.run(reputation.sample_report_for_order, other, oid) is None


# ---- the merchant's profile -----------------------------------------------------------------------

def test_a_merchant_sees_only_its_own_profile(wb, people):
    m, c, other, s, _item = people
    m2 = factories.merchant(wb, "m.two")
    assert wb.run(reputation.merchant_profile, c, m.id).company == "m.test 有限公司"
    assert wb.run(reputation.merchant_profile, s, m.id).merchant_id == m.id
    assert wb.run(reputation.merchant_profile, m, m.id).merchant_id == m.id
    with pytest.raises(NotFound) as err:
        wb.run(reputation.merchant_profile, m2, m.id)
    with pytest.raises(NotFound) as missing:
        wb.run(reputation.merchant_profile, c, 999_999)
    assert err.value.message.replace(str(m.id), "#") == missing.value.message.replace("999999", "#")


def test_the_profile_is_reached_through_an_order_only_by_its_parties(wb, people):
    m, c, other, _s, item = people
    oid = _invite(wb, c, item)
    assert wb.run(reputation.merchant_profile_of, c, reputation.MerchantRef(order_id=oid)).merchant_id == m.id
    with pytest.raises(NotFound):
        wb.run(reputation.merchant_profile_of, other, reputation.MerchantRef(order_id=oid))
    with pytest.raises(NotFound):
        wb.run(reputation.merchant_profile_of, other, reputation.MerchantRef(item_id=item))
    with pytest.raises(DomainError) as err:
        reputation.MerchantRef.parse(order_id=oid, merchant_id=m.id)
    assert err.value.field == "merchant_id"


# ---- recommendations ---------------------------------------------------------------------------

def test_recommendations_change_order_when_a_merchants_record_worsens(wb, people):
    m, c, _o, s, _item = people
    m2 = factories.merchant(wb, "m.two")
    good = factories.product(wb, m2, "乙面膜", recommend_index=75)
    bad = factories.product(wb, m, "甲面膜", recommend_index=80)
    ranked = [p.id for p in wb.run(selection.pool_products, c) if p.id in (good.id, bad.id)]
    assert ranked == [bad.id, good.id]
    dash = [r.ref_id for r in wb.run(dashboard.load_dashboard, c).recommendations]
    assert dash.index(bad.id) < dash.index(good.id)

    oid = factories.shipped_order(wb, m, c, product_name="精华")
    rid = wb.run(reputation.report_sample, c, reputation.ReportSample.parse(order_id=oid, reason="fake", detail="假"))
    wb.run(reputation.rule_sample, s, reputation.RuleSample.parse(report_id=rid, upheld=True, ruling="认定假货"))

    rows = {p.id: p for p in wb.run(selection.pool_products, c)}
    assert [p for p in rows if p in (good.id, bad.id)] == [good.id, bad.id]
    assert rows[bad.id].score == Decimal("56.0") and rows[bad.id].score_text == "56.0 = 80 × 0.70"
    assert rows[good.id].score == Decimal("75.0")
    recs = wb.run(dashboard.load_dashboard, c).recommendations
    dash = [r.ref_id for r in recs]
    assert dash.index(good.id) < dash.index(bad.id)
    detail = dict(next(r for r in recs if r.ref_id == bad.id).detail)
    assert detail["推荐分"] == "80 × (1 - 30% × (1 - 0.00)) = 56.0" and detail["商家信誉系数"] == "0.00"
    # sorted by sales the record does not weigh in
    by_sales = wb.run(selection.pool_products, c, selection.PoolQuery(sort="sales"))
    assert all(p.score is None for p in by_sales)


def test_the_ranked_pool_reads_merchants_per_batch_not_per_row(wb, people):
    m, c, _o, _s, _item = people
    for i in range(12):
        owner = factories.merchant(wb, f"m.x{i}", bind=False)
        for j in range(3):
            factories.product(wb, owner, f"商品{i}-{j}", recommend_index=10 + i * 3 + j)
    statements: list[str] = []
    listener = lambda *a: statements.append(a[2])  # noqa: E731
    event.listen(wb.engine, "before_cursor_execute", listener)
    try:
        rows = wb.run(selection.pool_products, c, selection.PoolQuery(limit=30))
    finally:
        event.remove(wb.engine, "before_cursor_execute", listener)
    assert len(rows) == 30
    selects = [s for s in statements if s.lstrip().upper().startswith(("SELECT", "WITH"))]
    assert len(selects) <= 4, selects     # creator's categories, one page of products, one of their merchants
    # pages follow on: the second page starts where the first ended
    first = wb.run(selection.pool_products, c, selection.PoolQuery(limit=10))
    second = wb.run(selection.pool_products, c, selection.PoolQuery(limit=10, after=10))
    assert [p.id for p in first + second] == [p.id for p in rows[:20]]


# ---- the command line -------------------------------------------------------------------------

def test_cli_reports_rules_and_refuses_bad_input(tmp_path):
    db = tmp_path / "demo.db"
    run("demo", db=db)
    queue = json.loads(run("samples", "list", "--as", "s.lin", "--json", db=db).stdout)
    assert queue and all(r["status"] == "open" for r in queue)
    assert_clean_failure(run("samples", "report", "--as", "c.xiaoyu", "--order-id", "1", "--reason", "smelly",
                             "--detail", "x", db=db), "reason")
    assert_clean_failure(run("samples", "rule", "--as", "c.xiaoyu", "--report-id", str(queue[0]["id"]),
                             "--upheld", "--ruling", "x", db=db))
    after = json.loads(run("samples", "list", "--as", "s.lin", "--json", db=db).stdout)
    assert after == queue
    ok = run("samples", "rule", "--as", "s.lin", "--report-id", str(queue[0]["id"]), "--no-upheld",
             "--ruling", "证据不足", db=db)
    assert ok.returncode == 0, ok.stderr
    shown = json.loads(run("merchants", "show", "--as", "c.xiaoyu", "--merchant-id", str(queue[0]["merchant_id"]),
                           "--json", db=db).stdout)
    assert [f["key"] for f in shown["figures"]] == ["response", "samples", "payment", "rating"]
    assert all(f["definition"].startswith("定义") for f in shown["figures"])
    assert_clean_failure(run("merchants", "show", "--as", "m.beiya", "--merchant-id",
                             str(queue[0]["merchant_id"]), db=db), "merchant_id")


# ---- index-friendly on a large store ------------------------------------------------------------

def test_ranked_pools_and_merchant_records_read_no_large_table_whole(store):  # noqa: F811
    creator, support = store.sign_in("gen.creator"), store.sign_in("gen.support")
    merchant = store.sign_in("gen.merchant")

    def work() -> None:
        for pool in ("custom", "hot"):
            first = store.run(selection.pool_products, creator, selection.PoolQuery(pool=pool, limit=50))
            store.run(selection.pool_products, creator, selection.PoolQuery(pool=pool, limit=50, after=50))
            assert [p.score for p in first] == sorted((p.score for p in first), reverse=True)
        store.run(reputation.merchant_profile, creator, merchant.id)
        store.run(reputation.sample_reports, support)

    statements = _captured(store, work)
    # The pools walk ix_products_rank in rank order a batch (LIMIT) at a time, filtering the categories
    # as they go: the walk the ranking is built on, not a read of the whole table.
    walks = [b for b in _full_scans(store, statements) if b.startswith("SCAN products USING INDEX ix_products_rank")]
    assert all("LIMIT" in s for s, _p in statements if "FROM products JOIN merchants" in s)
    assert [b for b in _full_scans(store, statements) if b not in walks] == []
    merchants = [s for s, _p in statements if "FROM coop_orders" in s and "GROUP BY coop_orders.merchant_id" in s]
    assert len(merchants) == 1     # the profile counts its one merchant live; ranking reads the stored records
    records = [s for s, _p in statements if "FROM merchant_records" in s]
    assert len(records) == 4       # one per batch (4 pages), never one per row


def test_the_stored_record_has_a_column_for_every_count():
    """domain.reputation.RECORD_FIELDS names MerchantCounts' fields in order (the dashboard's SQL and
    the records' upsert read and write them by these names)."""
    import dataclasses

    from workbench.domain.reputation import RECORD_FIELDS

    assert tuple(f.name for f in dataclasses.fields(MerchantCounts)) == RECORD_FIELDS
