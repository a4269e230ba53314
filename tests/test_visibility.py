"""Who sees what: every role's demo users × every read and list use case × every kind of record.

A creator sees no other creator's exclusive-pool products, a merchant only their own orders, tasks,
funds and intents, an agency only its bound creators' and stores' data, support staff everything
(and each of their changes leaves an audit row). Asking by id for someone else's record answers
exactly as for an id that does not exist, so existence does not leak. The same matrix runs
through the `workbench` command with --json.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.conftest import DEMO_NOW, open_store
from workbench.cli import ACTIONS, _jsonable
from workbench.domain.errors import DomainError, Forbidden, NotFound
from workbench.domain.roles import Role
from workbench.services import (agency, calendar, creators, dashboard, disputes, fees, funds, help, income,
                                notifications, orders, products, reports, reputation, selection, stock, task_views,
                                tasks, users, views, webhooks)
from workbench.store import models as m

pytestmark = pytest.mark.both_backends

MISSING_ID = 987_654


# ---- the truth, read straight from the tables ---------------------------------------------------

@dataclass
class Truth:
    """Who owns what in the store, by id."""

    tasks: dict[int, tuple[int, int]] = field(default_factory=dict)            # merchant, creator
    orders: dict[int, tuple[int, int]] = field(default_factory=dict)
    exclusive: dict[int, tuple[int, int]] = field(default_factory=dict)
    plans: dict[int, tuple[int, str]] = field(default_factory=dict)             # creator, status
    disputes: dict[int, tuple[int, int, str]] = field(default_factory=dict)     # merchant, creator, status
    complaints: dict[int, tuple[int, int, str]] = field(default_factory=dict)
    intents: dict[int, tuple[int, str]] = field(default_factory=dict)           # merchant, status
    cart: set[tuple[int, int]] = field(default_factory=set)                     # creator, product
    products: dict[int, int] = field(default_factory=dict)                      # merchant
    top_ups: dict[int, tuple[int, str]] = field(default_factory=dict)           # merchant, status
    sales: dict[int, tuple[int, int, int | None]] = field(default_factory=dict) # merchant, creator, agency
    notes: dict[int, int] = field(default_factory=dict)                         # user
    pushes: dict[int, int] = field(default_factory=dict)
    creator_bindings: dict[int, tuple[int, int, str]] = field(default_factory=dict)  # agency, creator, status
    store_bindings: dict[int, tuple[int, int, str]] = field(default_factory=dict)    # agency, merchant, status
    base_pool: set[tuple[int, int]] = field(default_factory=set)                # agency, product
    signed_in: dict[int, int] = field(default_factory=dict)                     # creator -> agency
    task_accounts: dict[int, str] = field(default_factory=dict)
    balances: dict[tuple[int, str], int] = field(default_factory=dict)
    nicknames: dict[int, str] = field(default_factory=dict)
    samples: dict[int, tuple[int, int, str]] = field(default_factory=dict)      # merchant, creator, status


def read_truth(wb) -> Truth:
    t = Truth()
    with wb.uow(read_only=True) as uow:
        s = uow.session
        t.tasks = {r.id: (r.merchant_id, r.creator_id) for r in s.scalars(select(m.LiveTask))}
        t.orders = {r.id: (r.merchant_id, r.creator_id) for r in s.scalars(select(m.CoopOrder))}
        t.exclusive = {r.id: (r.merchant_id, r.creator_id) for r in s.scalars(select(m.ExclusiveItem))}
        t.plans = {r.id: (r.creator_id, r.status) for r in s.scalars(select(m.StockPlan))}
        t.disputes = {d.id: (lt.merchant_id, lt.creator_id, d.status) for d, lt in s.execute(
            select(m.Dispute, m.LiveTask).join(m.LiveTask, m.LiveTask.id == m.Dispute.task_id))}
        t.complaints = {r.id: (r.merchant_id, r.creator_id, r.status) for r in s.scalars(select(m.Complaint))}
        t.intents = {r.id: (r.merchant_id, r.status) for r in s.scalars(select(m.Intent))}
        t.cart = {(r.creator_id, r.product_id) for r in s.scalars(select(m.CartItem))}
        t.products = {r.id: r.merchant_id for r in s.scalars(select(m.Product))}
        t.top_ups = {r.id: (r.merchant_id, r.status) for r in s.scalars(select(m.TopUp))}
        t.sales = {r.id: (r.merchant_id, r.creator_id, r.agency_id) for r in s.scalars(select(m.Sale))}
        t.notes = {r.id: r.user_id for r in s.scalars(select(m.Notification))}
        t.pushes = {r.id: r.user_id for r in s.scalars(select(m.WebhookDelivery))}
        t.creator_bindings = {r.id: (r.agency_id, r.creator_id, r.status) for r in s.scalars(select(m.CreatorBinding))}
        t.store_bindings = {b.id: (b.agency_id, shop.merchant_id, b.status) for b, shop in s.execute(
            select(m.StoreBinding, m.Shop).join(m.Shop, m.Shop.id == m.StoreBinding.store_id))}
        t.base_pool = {(r.agency_id, r.product_id) for r in s.scalars(select(m.BasePoolItem))}
        t.signed_in = {r.creator_id: r.agency_id for r in s.scalars(select(m.SignIn).where(m.SignIn.ended_at.is_(None)))}
        t.task_accounts = {r.merchant_id: r.account_no for r in s.scalars(select(m.TaskAccount))}
        t.balances = {(r.owner_id, r.kind): r.balance_cents for r in s.scalars(select(m.Account))}
        t.nicknames = {r.user_id: r.nickname for r in s.scalars(select(m.Creator))}
        t.samples = {r.id: (r.merchant_id, r.creator_id, r.status) for r in s.scalars(select(m.SampleReport))}
    return t


def party(role: str, me: int, merchant: int, creator: int) -> bool:
    return role == "support" or (role == "merchant" and merchant == me) or (role == "creator" and creator == me)


# ---- what each read use case must show, checked on its JSON form (the same for the CLI) ---------

Check = Callable[[Any, str, int, Truth], None]


def ids(rows: list[dict], key: str = "id") -> set[int]:
    return {r[key] for r in rows}


def _tasks(out, role, me, t):
    assert ids(out) == {i for i, (mm, c) in t.tasks.items() if party(role, me, mm, c)}


def _orders(out, role, me, t):
    assert ids(out) == {i for i, (mm, c) in t.orders.items() if party(role, me, mm, c)}


def _exclusive(out, role, me, t):
    assert ids(out) == {i for i, (mm, c) in t.exclusive.items() if party(role, me, mm, c)}


def _disputes(out, role, me, t):
    assert ids(out) == {i for i, (mm, c, st) in t.disputes.items() if st == "open" and party(role, me, mm, c)}


def _complaints(out, role, me, t):
    assert ids(out) == {i for i, (mm, c, st) in t.complaints.items() if st == "open" and party(role, me, mm, c)}


def _intents(out, role, me, t):
    assert ids(out) == {i for i, (mm, st) in t.intents.items() if mm == me and st != "withdrawn"}


def _cart(out, role, me, t):
    assert ids(out) == {p for c, p in t.cart if c == me}


def _products(out, role, me, t):
    assert ids(out) == {i for i, mm in t.products.items() if mm == me}


def _plans(out, role, me, t):
    assert ids(out) == {i for i, (c, _s) in t.plans.items() if role == "support" or (role == "creator" and c == me)}


def _plans_to_review(out, role, me, t):
    assert ids(out) == {i for i, (_c, st) in t.plans.items() if st == "submitted"}


def _funds(out, role, me, t):
    if role == "support":
        assert ids(out["pending_reviews"]) == {i for i, (_m, st) in t.top_ups.items() if st == "pending"}
        assert out["top_ups"] == [] and out["movements"] == [] and out["available_cents"] == 0
        return
    assert ids(out["top_ups"]) <= {i for i, (mm, _s) in t.top_ups.items() if mm == me}
    assert len(out["top_ups"]) == min(50, sum(1 for mm, _s in t.top_ups.values() if mm == me))
    assert out["pending_reviews"] == []
    assert out["available_cents"] == t.balances.get((me, "available"), 0)
    assert out["frozen_cents"] == t.balances.get((me, "frozen"), 0)


def _task_account(out, role, me, t):
    assert (out or {}).get("account_no") == t.task_accounts.get(me)


def _sales(out, role, me, t):
    key = {"merchant": 0, "creator": 1, "agency": 2}.get(role)
    expected = {i for i, owners in t.sales.items() if key is None or owners[key] == me}
    assert ids(out) == set(sorted(expected, reverse=True)[:200])


def _income(out, role, me, t):
    assert ids(out["per_order"], "sale_id") == {i for i, (_m, c, _a) in t.sales.items() if c == me}


def _notes(out, role, me, t):
    mine = sorted((i for i, u in t.notes.items() if u == me), reverse=True)
    assert ids(out) <= set(mine) and len(out) == min(100, len(mine))


def _hidden_notes(out, role, me, t):
    assert ids(out) <= {i for i, u in t.notes.items() if u == me}


def _pushes(out, role, me, t):
    assert ids(out) <= {i for i, u in t.pushes.items() if u == me}


def _creator_bindings(out, role, me, t):
    assert ids(out) == {i for i, (a, c, _s) in t.creator_bindings.items()
                        if role == "support" or (role == "agency" and a == me) or (role == "creator" and c == me)}


def _store_bindings(out, role, me, t):
    assert ids(out) == {i for i, (a, mm, _s) in t.store_bindings.items()
                        if role == "support" or (role == "agency" and a == me) or (role == "merchant" and mm == me)}


def _base_pool(out, role, me, t):
    assert ids(out, "product_id") == {p for a, p in t.base_pool if a == me}
    bound_merchants = {mm for a, mm, st in t.store_bindings.values() if a == me and st == "active"}
    assert all(t.products[p["product_id"]] in bound_merchants for p in out)


def _base_page(out, role, me, t):
    if me not in t.signed_in:
        assert out is None
        return
    assert out["base_id"] == t.signed_in[me]
    assert ids(out["products"], "product_id") <= {p for a, p in t.base_pool if a == out["base_id"]}


def _base_data(out, role, me, t):
    bound = {t.nicknames[c] for a, c, st in t.creator_bindings.values() if a == me and st in ("active", "ended")}
    assert {row[0] for row in out["per_creator"]} <= bound
    assert {d["creator"] for d in out["per_day"]} <= bound


def _deadlines(out, role, me, t):
    bound = {c for a, c, st in t.creator_bindings.values() if a == me and st == "active"}
    for e in out:
        if e["ref_type"] == "task":
            mm, c = t.tasks[e["ref_id"]]
        elif e["ref_type"] == "order":
            mm, c = t.orders[e["ref_id"]]
        else:
            mm, c = None, t.plans[e["ref_id"]][0]
        assert (role == "support" or (role == "merchant" and mm == me) or (role == "creator" and c == me)
                or (role == "agency" and c in bound)), e


def _record(out, role, me, t):
    assert out["role"] == role


def _samples(out, role, me, t):
    assert ids(out) == {i for i, (mm, c, st) in t.samples.items() if st == "open" and party(role, me, mm, c)}


def _reputation(out, role, me, t):
    assert [f["key"] for f in out] == (["response", "samples", "payment", "rating"] if role == "merchant"
                                       else ["rating"])


def _reports(out, role, me, t):
    """Reports and cooperations to rate: only finished cooperations the actor is a party to."""
    for r in out:
        mm, c = (t.orders if r["kind"] == "order" else t.tasks)[r["id"]]
        assert party(role, me, mm, c), r
    if role == "support":
        assert out, "support staff see every finished cooperation"


def _any(out, role, me, t):
    """Public or the actor's own by construction (the creator square, help, settings)."""


# (area, action) -> (use case, what the JSON must satisfy). Every read/list action of the CLI is here;
# test_every_read_action_is_in_the_matrix keeps it so.
READS: dict[tuple[str, str], tuple[Callable, Check]] = {
    ("dashboard", "show"): (dashboard.load_dashboard, _any),
    ("funds", "show"): (funds.fund_account, _funds),
    ("account", "show"): (funds.task_account, _task_account),
    ("creators", "search"): (creators.search_creators, _any),
    ("tasks", "list"): (task_views.list_tasks, _tasks),
    ("disputes", "list"): (disputes.list_disputes, _disputes),
    ("pool", "list"): (selection.pool_products, _any),
    ("cart", "list"): (selection.cart, _cart),
    ("intents", "list"): (selection.intents, _intents),
    ("exclusive", "list"): (selection.exclusive_pool, _exclusive),
    ("quote", "show"): (selection.current_quote, _any),
    ("orders", "list"): (orders.list_orders, _orders),
    ("complaints", "list"): (orders.complaints, _complaints),
    ("record", "show"): (orders.cooperation_record, _record),
    ("plans", "list"): (stock.list_plans, _plans),
    ("plans", "to-review"): (stock.plans_to_review, _plans_to_review),
    ("income", "show"): (income.income, _income),
    ("bindings", "creators"): (agency.creator_bindings, _creator_bindings),
    ("bindings", "stores"): (agency.store_bindings, _store_bindings),
    ("base", "pool"): (agency.base_pool, _base_pool),
    ("base", "page"): (agency.base_page, _base_page),
    ("base", "data"): (agency.base_data, _base_data),
    ("sales", "list"): (fees.sales, _sales),
    ("notifications", "list"): (notifications.list_notifications, _notes),
    ("notifications", "hidden"): (notifications.hidden_notifications, _hidden_notes),
    ("notifications", "settings"): (webhooks.get_prefs, _any),
    ("notifications", "pushes"): (webhooks.my_pushes, _pushes),
    ("deadlines", "list"): (calendar.my_deadlines, _deadlines),
    ("products", "list"): (products.my_products, _products),
    ("help", "search"): (help.search_help, _any),
    ("samples", "list"): (reputation.sample_reports, _samples),
    ("record", "reputation"): (reputation.my_reputation, _reputation),
    ("reports", "list"): (reports.list_reports, _reports),
    ("ratings", "todo"): (reports.ratings_todo, _reports),
    ("views", "list"): (views.list_views, _any),   # the actor's own by construction: tests/test_views.py
}
# Reads of one record by id: (area, action, option, truth table, the use case).
BY_ID = [
    ("tasks", "show", "--task-id", "tasks", task_views.task_detail),
    ("orders", "show", "--order-id", "orders", orders.order_detail),
    ("exclusive", "show", "--item-id", "exclusive", selection.exclusive_item),
]
# Actions that change nothing but are not lists (or need an id): kept out of the list matrix.
NOT_LISTS = {("tasks", "show"), ("orders", "show"), ("exclusive", "show"), ("creators", "show"),
             ("tasks", "cancel-preview"), ("fees", "calc"), ("base", "token"), ("income", "export"),
             ("merchants", "show"), ("views", "open"),   # one list's opening state: tests/test_views.py
             ("reports", "show"), ("reports", "export")}   # one report by KIND ID: tests/test_reports.py   # a merchant's profile: tests/test_reputation.py checks who sees it


def _read_only(action) -> bool:
    from workbench.cli import _resolve

    return getattr(_resolve(action.use_case), "read_only", False)


def test_every_read_action_is_in_the_matrix():
    reads = {(a.area, a.name) for a in ACTIONS if _read_only(a)}
    assert reads - NOT_LISTS == set(READS), "a read use case of the CLI is missing from the visibility matrix"


def _signed_in(wb) -> list:
    return [wb.sign_in(u.handle) for u in wb.run(users.list_users, None)]


def _call(wb, fn, actor, *args):
    try:
        return wb.run(fn, actor, *args)
    except Forbidden:
        return Forbidden


def _no_leak_message(exc: DomainError, record_id: int, missing: DomainError) -> None:
    """Someone else's record answers word for word as a record that does not exist."""
    assert type(exc) is NotFound and type(missing) is NotFound
    assert str(exc).replace(str(record_id), "#") == str(missing).replace(str(MISSING_ID), "#")
    assert "forbidden" not in str(exc).lower() and "不能" not in str(exc)


# ---- the matrix through the services ------------------------------------------------------------

def test_each_role_sees_exactly_its_own_records(demo):
    truth = read_truth(demo)
    everyone = _signed_in(demo)
    assert {a.role for a in everyone} == set(Role)
    seen: dict[tuple[str, str], int] = {}
    for actor in everyone:
        for (area, name), (fn, check) in READS.items():
            out = _call(demo, fn, actor)
            if out is Forbidden:
                continue
            check(_jsonable(out), actor.role.value, actor.id, truth)
            seen[(area, name)] = seen.get((area, name), 0) + 1
    # every list was read by somebody, and support staff read every list their role may
    assert set(seen) == set(READS)


def test_support_staff_see_every_task_order_and_exclusive_product(demo):
    truth = read_truth(demo)
    s = demo.sign_in("s.lin")
    assert {r.id for r in demo.run(task_views.list_tasks, s, task_views.TaskQuery(limit=500))} == set(truth.tasks)
    assert {r.id for r in demo.run(orders.list_orders, s, orders.OrderQuery(limit=500))} == set(truth.orders)
    assert {r.id for r in demo.run(selection.exclusive_pool, s)} == set(truth.exclusive)
    for tid in truth.tasks:
        assert demo.run(task_views.task_detail, s, tid).row.id == tid


def test_a_creator_never_sees_another_creators_exclusive_pool(demo):
    truth = read_truth(demo)
    creators_ = [a for a in _signed_in(demo) if a.role is Role.CREATOR]
    owners = {c for _m, c in truth.exclusive.values()}
    assert len(owners) >= 2, "the demo should have exclusive pools of several creators"
    for c in creators_:
        mine = {i for i, (_m, owner) in truth.exclusive.items() if owner == c.id}
        assert {v.id for v in demo.run(selection.exclusive_pool, c)} == mine
        for item in set(truth.exclusive) - mine:
            with pytest.raises(NotFound):
                demo.run(selection.exclusive_item, c, item)
        # nor through the orders and stock plans that name exclusive products
        for o in demo.run(orders.list_orders, c, orders.OrderQuery(limit=500)):
            assert o.id in {i for i, (_m, cc) in truth.orders.items() if cc == c.id}
        for p in demo.run(stock.list_plans, c):
            assert truth.plans[p.id][0] == c.id


def test_asking_for_someone_elses_record_by_id_answers_not_found(demo):
    truth = read_truth(demo)
    counted = 0
    for actor in _signed_in(demo):
        role = actor.role.value
        for _area, _name, _opt, table, fn in BY_ID:
            try:
                missing = demo.run(fn, actor, MISSING_ID)
            except NotFound as exc:
                missing_exc = exc
            else:
                raise AssertionError(f"{fn.__name__}({MISSING_ID}) found something: {missing}")
            for rid, (mm, c) in getattr(truth, table).items():
                if party(role, actor.id, mm, c):
                    demo.run(fn, actor, rid)
                    continue
                with pytest.raises(NotFound) as err:
                    demo.run(fn, actor, rid)
                _no_leak_message(err.value, rid, missing_exc)
                counted += 1
        # acting on someone else's task or order by id: not found too (the role check comes first
        # only where the role could never act, which says nothing about the record)
        for tid, (mm, c) in truth.tasks.items():
            if actor.role in (Role.MERCHANT, Role.CREATOR) and not party(role, actor.id, mm, c):
                with pytest.raises(NotFound):
                    demo.run(tasks.cancel_preview, actor, tasks.TaskRef(task_id=tid))
                counted += 1
    assert counted > 500


def test_acting_on_someone_elses_records_answers_not_found_and_changes_nothing(demo):
    truth = read_truth(demo)
    people = {a.handle: a for a in _signed_in(demo)}
    qingyan, xiaoyu = people["m.qingyan"], people["c.xiaoyu"]
    others_orders = [i for i, (mm, _c) in truth.orders.items() if mm != qingyan.id]
    others_tasks = [i for i, (_m, c) in truth.tasks.items() if c != xiaoyu.id]
    others_plans = [i for i, (c, _s) in truth.plans.items() if c != xiaoyu.id]
    others_notes = [i for i, u in truth.notes.items() if u != xiaoyu.id][:5]
    others_bindings = [i for i, (_a, c, _s) in truth.creator_bindings.items() if c != xiaoyu.id]
    before = _audit_count(demo)
    attempts = [
        *[(orders.pay, qingyan, orders.OrderRef(order_id=i)) for i in others_orders],
        *[(orders.ship_sample, qingyan, orders.ShipSample(order_id=i, tracking="SF123")) for i in others_orders],
        *[(tasks.accept_task, xiaoyu, tasks.TaskRef(task_id=i)) for i in others_tasks],
        *[(tasks.cancel_task, xiaoyu, tasks.CancelTask(task_id=i, reason="不做了")) for i in others_tasks],
        *[(stock.revoke_plan, xiaoyu, stock.PlanRef(plan_id=i)) for i in others_plans],
        *[(notifications.mark_read, xiaoyu, notifications.MarkRead(ids=[i])) for i in others_notes],
        *[(agency.answer_creator_binding, xiaoyu, agency.Answer(binding_id=i, accept=True)) for i in others_bindings],
    ]
    assert len(attempts) > 30
    for fn, actor, cmd in attempts:
        with pytest.raises(NotFound):
            demo.run(fn, actor, cmd)
    assert _audit_count(demo) == before
    assert read_truth(demo) == truth


def _audit_count(wb, actor_id: int | None = None) -> int:
    with wb.uow(read_only=True) as uow:
        stmt = select(func.count()).select_from(m.AuditEntry)
        if actor_id is not None:
            stmt = stmt.where(m.AuditEntry.actor_id == actor_id)
        return uow.session.scalar(stmt)


def test_every_change_by_support_staff_leaves_an_audit_row(demo):
    truth = read_truth(demo)
    s = demo.sign_in("s.zhou")
    pending = [i for i, (_m, st) in truth.top_ups.items() if st == "pending"]
    open_disputes = [i for i, (_m, _c, st) in truth.disputes.items() if st == "open"]
    open_complaints = [i for i, (_m, _c, st) in truth.complaints.items() if st == "open"]
    submitted = [i for i, (_c, st) in truth.plans.items() if st == "submitted"]
    product = next(iter(truth.products))
    changes = []
    if pending:
        changes.append((funds.decide_top_up, funds.DecideTopUp.parse(top_up_id=pending[0], approve=True)))
    if open_disputes:
        changes.append((disputes.rule_dispute, disputes.RuleDispute.parse(
            dispute_id=open_disputes[0], compensation="100", reason="双方各让一步")))
    if open_complaints:
        changes.append((orders.rule_complaint, orders.RuleComplaint.parse(
            complaint_id=open_complaints[0], upheld=True, reason="逾期属实")))
    if submitted:
        changes.append((stock.review_plan, stock.ReviewPlan.parse(plan_id=submitted[0], approve=True)))
    changes.append((fees.record_sale, fees.RecordSale.parse(
        product_id=product, creator_id=next(iter(truth.nicknames)), paid="99")))
    assert len(changes) >= 4, "the demo should give support staff work of several kinds"
    for fn, cmd in changes:
        before = _audit_count(demo, s.id)
        demo.run(fn, s, cmd)
        assert _audit_count(demo, s.id) > before, f"{fn.__name__} by support staff left no audit row"


# ---- the same matrix through the command line ---------------------------------------------------

DRIVER = textwrap.dedent("""
    import contextlib, functools, io, json, sys
    import workbench.bootstrap
    import workbench.cli
    import workbench.i18n
    # One process runs many command lines: build the argument parser and open the store once
    # (each command line still parses, signs in, runs its use case and prints as on its own).
    workbench.cli._build_parser = functools.lru_cache(None)(workbench.cli._build_parser)
    opened = {}
    real_bootstrap = workbench.bootstrap.bootstrap
    def bootstrap(settings, **kw):
        key = repr(settings)
        if key not in opened:
            opened[key] = real_bootstrap(settings, **kw)
        workbench.i18n.set_language(settings.lang)
        return opened[key]
    workbench.bootstrap.bootstrap = bootstrap
    results = []
    for argv in json.loads(open(sys.argv[1], encoding="utf-8").read()):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = workbench.cli.main(argv)
            except SystemExit as exc:
                code = exc.code
        results.append({"argv": argv, "code": code, "out": out.getvalue(), "err": err.getvalue()})
    print(json.dumps(results, ensure_ascii=False))
""")


def cli_batch(db, argvs: list[list[str]], script) -> subprocess.Popen:
    """One `workbench` process running many command lines in turn (one start-up, not hundreds)."""
    script.write_text(json.dumps(argvs, ensure_ascii=False), encoding="utf-8")
    env = {**os.environ, "WORKBENCH_NOW": DEMO_NOW, "WORKBENCH_LANG": "zh", "WORKBENCH_DB": str(db)}
    return subprocess.Popen([sys.executable, "-c", DRIVER, str(script)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)


def test_the_matrix_through_the_cli(demo_path, tmp_path):
    store = open_store(demo_path)
    try:
        truth = read_truth(store)
        everyone = [(a.handle, a.role.value, a.id) for a in _signed_in(store)]
    finally:
        store.close()
    per_role: dict[str, list[list[str]]] = {}
    for handle, role, _id in everyone:
        batch = per_role.setdefault(role, [])
        for area, name in READS:
            batch.append([area, name, "--as", handle, "--json"])
        for area, name, option, table, _fn in BY_ID:
            for rid in [*getattr(truth, table), MISSING_ID]:
                batch.append([area, name, "--as", handle, option, str(rid), "--json"])
    argvs = [argv for batch in per_role.values() for argv in batch]
    procs = {half: cli_batch(demo_path, argvs[half::2], tmp_path / f"{half}.json") for half in (0, 1)}
    ids_of = {h: i for h, _r, i in everyone}
    runs = listed = refused = hidden = 0
    roles = {h: r for h, r, _i in everyone}
    missing_line: dict[tuple[str, str, str], str] = {}
    by_id_lines = []
    for proc in procs.values():
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        for r in json.loads(out):
            runs += 1
            area, name, _as, handle = r["argv"][:4]
            role = roles[handle]
            assert "Traceback" not in r["err"]
            if len(r["argv"]) == 5:      # a list
                if r["code"] == 2:       # the role may not read this list: one line, naming the role
                    assert len(r["err"].strip().splitlines()) == 1 and "不能执行此操作" in r["err"], r
                    refused += 1
                    continue
                assert r["code"] == 0, r
                READS[(area, name)][1](json.loads(r["out"]), role, ids_of[handle], truth)
                listed += 1
                continue
            table = next(t for a, n, _o, t, _f in BY_ID if (a, n) == (area, name))
            rid = int(r["argv"][5])
            owners = getattr(truth, table).get(rid)
            if owners is not None and party(role, ids_of[handle], *owners):
                assert r["code"] == 0, r
                assert json.loads(r["out"])["row" if table != "exclusive" else "id"] is not None
            else:
                assert r["code"] == 2, r
                line = r["err"].strip()
                assert "没有这个" in line and len(line.splitlines()) == 1, r
                if rid == MISSING_ID:
                    missing_line[(handle, area, name)] = line.replace(str(rid), "N")
                else:
                    by_id_lines.append(((handle, area, name), line.replace(str(rid), "N")))
                    hidden += 1
    for key, line in by_id_lines:   # word for word the answer for an id that does not exist
        assert line == missing_line[key]
    print(f"CLI visibility: {runs} runs, {listed} lists checked, {refused} refused by role, "
          f"{hidden} others' records answered 'not found'")
    assert listed > 300 and hidden > 400
