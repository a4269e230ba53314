"""Flow A from a shell: pre-selection to settlement, and another order to overdue and complaint,
with the clock moved forward between steps."""

from __future__ import annotations

import json

from tests.test_cli import assert_clean_failure, run

T0 = "2026-06-01T10:00:00+08:00"


def at(when: str, *args: str, db) -> dict | list | str:
    result = run(*args, "--json", db=db, env={"WORKBENCH_NOW": when})
    assert result.returncode == 0, (args, result.stderr)
    out = result.stdout.strip()
    try:
        return json.loads(out)
    except json.JSONDecodeError:
        return out


def money(db, who, when=T0):
    v = at(when, "funds", "show", "--as", who, db=db)
    return v["available_cents"], v["frozen_cents"]


def test_pre_selection_to_settlement_and_overdue_to_complaint(tmp_path):
    db = tmp_path / "demo.db"
    assert run("demo", db=db).returncode == 0
    products = at(T0, "products", "list", "--as", "m.muyi", db=db)
    a, b = str(products[0]["id"]), str(products[1]["id"])
    m0, c0 = money(db, "m.muyi"), money(db, "c.weiwei")

    for p in (a, b):
        at(T0, "cart", "add", "--as", "c.weiwei", "--product-id", p, db=db)
    intents = at(T0, "intents", "list", "--as", "m.muyi", db=db)
    assert sorted(str(i["product_id"]) for i in intents if i["status"] == "open") == sorted([a, b])
    for p in (a, b):
        at(T0, "exclusive", "submit", "--as", "m.muyi", "--product-id", p, "--creator-id",
           str(intents[0]["creator_id"]), "--daily-price", "299", "--live-price", "259", "--commission-rate", "20%",
           db=db)
    pool = {str(v["product_id"]): str(v["id"]) for v in at(T0, "exclusive", "list", "--as", "c.weiwei", db=db)}
    # Another creator cannot see or invite them.
    assert at(T0, "exclusive", "list", "--as", "c.xiaoyu", db=db) == [] or all(
        str(v["product_id"]) not in (a, b) for v in at(T0, "exclusive", "list", "--as", "c.xiaoyu", db=db))
    assert_clean_failure(run("exclusive", "show", "--as", "c.xiaoyu", "--item-id", pool[a], db=db), "item_id")
    assert_clean_failure(run("quote", "publish", "--as", "c.weiwei", "--quote", "50", db=db), "quote")
    at(T0, "quote", "publish", "--as", "c.weiwei", "--quote", "1000", db=db)
    first = str(at(T0, "orders", "invite", "--as", "c.weiwei", "--item-ids", pool[a], db=db))
    second = str(at(T0, "orders", "invite", "--as", "c.weiwei", "--item-ids", pool[b], db=db))
    for o in (first, second):
        at(T0, "orders", "pay", "--as", "m.muyi", "--order-id", o, db=db)
        at(T0, "orders", "accept", "--as", "c.weiwei", "--order-id", o, db=db)
        at(T0, "orders", "ship", "--as", "m.muyi", "--order-id", o, "--tracking", f"SF{o}", db=db)
    assert money(db, "m.muyi") == (m0[0] - 200_000, m0[1] + 200_000)
    assert_clean_failure(run("orders", "ship", "--as", "m.muyi", "--order-id", first, "--tracking", "x", db=db),
                         "order")

    # The first order: scheduled, stocked, approved, live shown -> delivered and settled.
    t1 = "2026-06-02T09:00:00+08:00"
    at(t1, "orders", "schedule", "--as", "c.weiwei", "--order-id", first, "--live-at", "2026-06-03 20:00", db=db)
    plan = str(at(t1, "plans", "submit", "--as", "c.weiwei", "--live-at", "2026-06-03 20:00", "--product-ids", a,
                  db=db))
    at(t1, "plans", "review", "--as", "s.lin", "--plan-id", plan, "--approve", db=db)
    at("2026-06-03T20:00:00+08:00", "plans", "start-live", "--as", "c.weiwei", "--plan-id", plan, db=db)
    end = at("2026-06-03T22:00:00+08:00", "plans", "end-live", "--as", "c.weiwei", "--plan-id", plan,
             "--shown-product-ids", a, db=db)
    assert end == {"delivered": 1, "paid_cents": 100_000}
    assert at(t1, "orders", "show", "--as", "m.muyi", "--order-id", first, db=db)["row"]["status"] == "delivered"

    # The second order: nobody schedules it -> auto-confirmed after 5 days, overdue 15 days later.
    # (the demo store's own orders fall due too: what matters is this order, and that a second
    # tick right after the first applies nothing more)
    assert at("2026-06-06T10:01:00+08:00", "tick", db=db)["auto_confirmed"] >= 1
    assert at("2026-06-06T10:02:00+08:00", "tick", db=db)["auto_confirmed"] == 0
    detail = at(T0, "orders", "show", "--as", "m.muyi", "--order-id", second, db=db)
    assert detail["row"]["status"] == "confirmed"
    assert detail["latest_delivery_at"].startswith("2026-06-21T02:00")   # shipped + 5 d + 15 d (UTC)
    assert at("2026-06-21T10:01:00+08:00", "tick", db=db)["overdue"] >= 1
    assert at("2026-06-21T10:05:00+08:00", "tick", db=db)["overdue"] == 0
    assert at(T0, "orders", "show", "--as", "m.muyi", "--order-id", second, db=db)["row"]["status"] == "overdue"
    complaint = str(at("2026-06-22T10:00:00+08:00", "orders", "complain", "--as", "m.muyi", "--order-id", second,
                       "--reason", "未交付", db=db))
    at("2026-06-22T11:00:00+08:00", "complaints", "rule", "--as", "s.lin", "--complaint-id", complaint, "--upheld",
       "--reason", "逾期属实", db=db)

    assert money(db, "m.muyi") == (m0[0] - 100_000, m0[1])
    assert money(db, "c.weiwei") == (c0[0] + 100_000, 0)
    record = at(T0, "record", "show", "--as", "c.weiwei", db=db)
    assert record["counts"]["delivered"] == 1 and record["counts"]["overdue"] == 1
    assert record["counts"]["penalties"] == 1
    assert record["success"] == "33%" and record["completion"] == "50%"
    merchant_record = at(T0, "record", "show", "--as", "m.muyi", db=db)
    assert merchant_record["counts"]["shipped"] == 2
