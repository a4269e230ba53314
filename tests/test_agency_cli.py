"""Agencies from a shell: bind a creator and a store, sync the pool, sign in, and split the fee of
consumer orders paid before, during and after the binding."""

from __future__ import annotations

from tests.test_cli import assert_clean_failure, run
from tests.test_flow_a_cli import at

T0 = "2026-06-01T10:00:00+08:00"


def _id(db, handle):
    return str(next(u["id"] for u in at(T0, "users", db=db) if u["handle"] == handle))


def test_binding_pool_sign_in_and_the_fee_split(tmp_path):
    db = tmp_path / "demo.db"
    assert run("demo", db=db).returncode == 0
    weiwei = _id(db, "c.weiwei")
    product = str(at(T0, "products", "list", "--as", "m.muyi", db=db)[0]["id"])
    sale = ["sales", "record", "--as", "s.lin", "--product-id", product, "--creator-id", weiwei, "--paid", "100"]
    before = at("2026-06-01T10:01:00+08:00", *sale, db=db)

    binding = str(at("2026-06-01T10:02:00+08:00", "bindings", "invite-creator", "--as", "a.yunjin", "--creator-id",
                     weiwei, "--creator-share", "50%", "--strong", db=db))
    # Another agency cannot bind her while the invitation is open; a split above 100% is refused.
    assert_clean_failure(run("bindings", "invite-creator", "--as", "a.xingyao", "--creator-id", weiwei,
                             "--creator-share", "50%", db=db), "creator_id")
    assert_clean_failure(run("bindings", "set-split", "--as", "a.yunjin", "--binding-id", binding,
                             "--creator-share", "101%", db=db), "creator_share")
    at("2026-06-01T10:03:00+08:00", "bindings", "answer-creator", "--as", "c.weiwei", "--binding-id", binding,
       "--accept", db=db)
    assert_clean_failure(run("bindings", "answer-creator", "--as", "c.weiwei", "--binding-id", binding, "--accept",
                             db=db), "binding_id")

    store_binding = str(at("2026-06-01T10:04:00+08:00", "bindings", "invite-store", "--as", "a.yunjin",
                           "--store-id", _store_id(db), db=db))
    at("2026-06-01T10:05:00+08:00", "bindings", "answer-store", "--as", "m.muyi", "--binding-id", store_binding,
       "--accept", db=db)
    pool = at(T0, "base", "pool", "--as", "a.yunjin", db=db)
    muyi = [p for p in pool if p["store"] == "木衣记女装淘宝店"]
    assert muyi and all(p["brand"] and float(p["experience_score"]) >= 4.6 for p in muyi)

    token = at("2026-06-01T10:06:00+08:00", "base", "token", "--as", "a.yunjin", db=db)
    assert_clean_failure(run("base", "sign-in", "--as", "c.weiwei", "--token", token + "x", db=db), "token")
    page = at("2026-06-01T10:07:00+08:00", "base", "sign-in", "--as", "c.weiwei", "--token", token, db=db)
    assert page["base"] == "云锦直播基地"
    assert_clean_failure(run("base", "sign-in", "--as", "c.weiwei", "--token", token, db=db,
                             env={"WORKBENCH_NOW": "2026-06-01T10:30:00+08:00"}), "token", "过期")

    during = at("2026-06-01T11:00:00+08:00", *sale, db=db)
    at("2026-06-01T12:00:00+08:00", "bindings", "end-creator", "--as", "a.yunjin", "--binding-id", binding, db=db)
    after = at("2026-06-01T12:01:00+08:00", *sale, db=db)

    # ¥100 at m.muyi's 18% rate: a ¥18.00 fee.
    split = lambda s: (s["split"]["fee_cents"], s["split"]["platform_cents"], s["split"]["creator_cents"],  # noqa: E731
                       s["split"]["agency_cents"])
    assert split(before) == (1800, 720, 1080, 0)      # individual: the platform keeps 40%
    assert split(during) == (1800, 540, 630, 630)     # bound: 30%, then 50/50 of the 70%
    assert split(after) == (1800, 720, 1080, 0)       # the binding ended before this order
    data = at(T0, "base", "data", "--as", "a.yunjin", db=db)
    assert ["薇薇穿搭日记", 1, 10000] in data["per_creator"]


def _store_id(db):
    from tests.conftest import open_store
    from workbench.services import products

    wb = open_store(db)
    try:
        return str(wb.run(products.store_id_by_name, wb.sign_in("m.muyi").id, "木衣记女装淘宝店"))
    finally:
        wb.close()
