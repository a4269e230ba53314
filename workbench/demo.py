"""The demo store: hand-made data files under data/demo, loaded through the services."""

from __future__ import annotations

import tomllib
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo
from typing import Any

from sqlalchemy import select

from workbench.bootstrap import Workbench
from workbench.clock import FixedClock
from workbench.config import ConfigError
from workbench.paths import data_dir
from workbench.services import agency, disputes, fees, funds, orders, products, selection, stock, tasks, transitions, users
from workbench.services import reputation
from workbench.services.base import SYSTEM, Actor, audit, notify
from workbench.store.models import AuditEntry, Shop, User
from workbench.store.uow import UnitOfWork

DEMO_MARK = "demo.create"


def _read(name: str) -> dict[str, Any]:
    path = data_dir() / "demo" / name
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None


def _when(anchor: datetime, item: dict[str, Any]) -> datetime:
    return anchor - timedelta(days=item.get("days_ago", 0), hours=item.get("hours_ago", 0))


def is_demo_store(uow: UnitOfWork) -> bool:
    """A store is safe to recreate when it is empty or was made by `workbench demo`."""
    has_users = uow.session.scalar(select(User.id).limit(1)) is not None
    marked = uow.session.scalar(select(AuditEntry.id).where(AuditEntry.action == DEMO_MARK)) is not None
    return marked or not has_users


def _mark(uow: UnitOfWork) -> None:
    audit(uow, SYSTEM, DEMO_MARK, "store", None)
    uow.commit()


def _notice(uow: UnitOfWork, handle: str, text_zh: str, text_en: str) -> None:
    uid = uow.session.scalar(select(User.id).where(User.handle == handle))
    notify(uow, uid, "notice", text_zh=text_zh, text_en=text_en)
    uow.commit()


def _publish(wb: Workbench, actors: dict[str, Actor], anchor: datetime, e: dict[str, Any]) -> int:
    merchant = actors[e["merchant"]]
    local = anchor.astimezone(ZoneInfo(merchant.zone))
    hh, mm = (int(x) for x in e["air_time"].split(":"))
    air = (local + timedelta(days=e["air_day"])).replace(hour=hh, minute=mm, second=0, microsecond=0)
    mine = [p.id for p in sorted(wb.run(products.my_products, merchant), key=lambda p: p.id)]
    cmd = tasks.PublishTask.parse(
        creator_id=actors[e["creator"]].id, contact_name=e["contact"][0], contact_phone=e["contact"][1],
        air_at=air.strftime("%Y-%m-%d %H:%M"), return_sample=e.get("return_sample", False), kind=e["kind"],
        hours=e["hours"], product_ids=mine[: e["products"]], plan=e.get("plan", "normal"),
        commission_rate=e.get("commission_rate"))
    return wb.run(tasks.publish_task, merchant, cmd)


def _step(wb: Workbench, actors: dict[str, Actor], task_id: int, e: dict[str, Any]) -> None:
    t = e["task"]
    creator, merchant = actors[t["creator"]], actors[t["merchant"]]
    do = e["do"]
    if do in ("accept", "go_live", "end_live"):
        fn = {"accept": tasks.accept_task, "go_live": tasks.go_live, "end_live": tasks.end_live}[do]
        wb.run(fn, creator, tasks.TaskRef(task_id=task_id))
    elif do == "reject":
        wb.run(tasks.reject_task, creator, tasks.Reasoned(task_id=task_id, reason=e["reason"]))
    elif do == "check":
        wb.run(tasks.check_task, merchant, tasks.TaskRef(task_id=task_id))
    elif do == "cancel":
        who = merchant if e["by"] == "merchant" else creator
        wb.run(tasks.cancel_task, who, tasks.CancelTask(task_id=task_id, reason=e["reason"]))
    elif do == "rule":
        dispute = next(d for d in wb.run(disputes.list_disputes, actors[e["by"]]) if d.task_id == task_id)
        wb.run(disputes.rule_dispute, actors[e["by"]], disputes.RuleDispute(
            dispute_id=dispute.id, compensation=e["compensation"], reason=e["reason"]))
    else:
        raise ValueError(f"unknown demo step {do!r}")


def _flow_a(wb: Workbench, actors: dict[str, Actor], anchor: datetime, events: list[dict[str, Any]]) -> None:
    """Flow A's demo history, in time order, every step through its use case."""
    from workbench.store.models import CoopOrder, Product

    def product_id(name: str) -> int:
        with wb.uow(read_only=True) as uow:
            return uow.session.scalar(select(Product.id).where(Product.name == name))

    keys: dict[str, int] = {}
    for e in sorted(events, key=lambda e: _when(anchor, e)):
        wb.clock.at = _when(anchor, e)
        local = wb.clock.at.astimezone(ZoneInfo("Asia/Shanghai"))
        do = e["do"]
        if do == "quote":
            wb.run(selection.publish_quote, actors[e["who"]], selection.PublishQuote(quote=e["quote"]))
        elif do == "cart":
            wb.run(selection.add_to_cart, actors[e["who"]], selection.ProductRef(product_id=product_id(e["product"])))
        elif do == "submit":
            wb.run(selection.submit_to_pool, actors[e["who"]], selection.SubmitToPool.parse(
                product_id=product_id(e["product"]), creator_id=actors[e["creator"]].id, daily_price=e["daily"],
                live_price=e["live"], commission_rate=e["rate"]))
        elif do == "invite":
            creator = actors[e["who"]]
            pool = {v.product_id: v.id for v in wb.run(selection.exclusive_pool, creator)}
            keys[e["key"]] = wb.run(orders.invite, creator, orders.Invite(
                item_ids=[pool[product_id(n)] for n in e["products"]]))
        elif do in ("pay", "accept", "ship", "schedule", "complain"):
            oid = keys[e["order"]]
            with wb.uow(read_only=True) as uow:
                o = uow.session.get(CoopOrder, oid)
                merchant = next(a for a in actors.values() if a.id == o.merchant_id)
                creator = next(a for a in actors.values() if a.id == o.creator_id)
            if do == "pay":
                wb.run(orders.pay, merchant, orders.OrderRef(order_id=oid))
            elif do == "accept":
                wb.run(orders.accept, creator, orders.OrderRef(order_id=oid))
            elif do == "ship":
                wb.run(orders.ship_sample, merchant, orders.ShipSample(order_id=oid, tracking=e["tracking"]))
            elif do == "schedule":
                live = (local + timedelta(days=e["live_in_days"])).replace(hour=20, minute=0)
                wb.run(orders.schedule, creator, orders.Schedule(order_id=oid, live_at=live.strftime("%Y-%m-%d %H:%M")))
            else:
                wb.run(orders.complain, merchant, orders.Complain(order_id=oid, reason=e["reason"]))
        elif do == "plan":
            live = (local + timedelta(days=e["live_in_days"])).replace(hour=20, minute=0)
            keys[e["key"]] = wb.run(stock.submit_plan, actors[e["who"]], stock.SubmitPlan(
                live_at=live.strftime("%Y-%m-%d %H:%M"), product_ids=[product_id(n) for n in e["products"]]))
        elif do == "review":
            wb.run(stock.review_plan, actors[e["who"]], stock.ReviewPlan(
                plan_id=keys[e["plan"]], approve=e["approve"], reason=e.get("reason", "")))
        elif do in ("start_live", "end_live"):
            plan = keys[e["plan"]]
            owner = next(p for p in actors.values() if p.role is not None and p.role.value == "creator"
                         and any(v.id == plan for v in wb.run(stock.list_plans, p)))
            if do == "start_live":
                wb.run(stock.start_live, owner, stock.PlanRef(plan_id=plan))
            else:
                wb.run(stock.end_live, owner, stock.EndLive(
                    plan_id=plan, shown_product_ids=[product_id(n) for n in e["shown"]]))
        elif do == "sales":
            for i in range(e["count"]):   # consumer orders a minute apart, simulated by support staff
                wb.run(fees.record_sale, actors["s.lin"], fees.RecordSale(
                    product_id=product_id(e["product"]), creator_id=actors[e["creator"]].id, paid=e["paid"]))
                wb.clock.advance(minutes=1)
        elif do == "invite_creator":
            keys[e["key"]] = wb.run(agency.invite_creator, actors[e["who"]], agency.InviteCreator.parse(
                creator_id=actors[e["creator"]].id, creator_share=e["share"], strong=e.get("strong", False)))
        elif do in ("answer_creator", "answer_store"):
            bid = keys[e["binding"]]
            fn = agency.answer_creator_binding if do == "answer_creator" else agency.answer_store_binding
            who = _binding_party(wb, actors, do, bid)
            wb.run(fn, who, agency.Answer(binding_id=bid, accept=e["accept"]))
        elif do == "invite_store":
            with wb.uow(read_only=True) as uow:
                store = uow.session.scalar(select(Shop.id).where(Shop.name == e["store"]))
            keys[e["key"]] = wb.run(agency.invite_store, actors[e["who"]], agency.InviteStore(store_id=store))
        elif do == "sign_in":
            token = wb.run(agency.sign_in_token, actors[e["base"]])
            wb.run(agency.base_sign_in, actors[e["creator"]], agency.SignInCmd(token=token))
        elif do == "tick":
            wb.run(transitions.apply_due, SYSTEM)
        elif do == "rate":
            _rate(wb, actors, keys, e)
        elif do in ("sample_report", "sample_rule"):
            oid = keys[e["order"]]
            if do == "sample_report":
                with wb.uow(read_only=True) as uow:
                    creator = next(a for a in actors.values() if a.id == uow.session.get(CoopOrder, oid).creator_id)
                wb.run(reputation.report_sample, creator, reputation.ReportSample.parse(
                    order_id=oid, reason=e["reason"], detail=e["detail"]))
            else:
                report = wb.run(reputation.sample_report_for_order, actors[e["who"]], oid)
                wb.run(reputation.rule_sample, actors[e["who"]], reputation.RuleSample.parse(
                    report_id=report.id, upheld=e["upheld"], ruling=e["ruling"]))
        else:
            raise ValueError(f"unknown demo event {do!r}")


def _rate(wb: Workbench, actors: dict[str, Actor], keys: dict[str, int], e: dict[str, Any]) -> None:
    """A rating after a finished cooperation: an order by its key, or the completed task with a party."""
    from workbench.services import reports
    from workbench.store.models import LiveTask

    who = actors[e["who"]]
    if "order" in e:
        subject, ref = "order", keys[e["order"]]
    else:
        other = actors[e["task_with"]]
        merchant, creator = (other, who) if other.role is not None and other.role.value == "merchant" else (who, other)
        with wb.uow(read_only=True) as uow:
            ref = uow.session.scalar(select(LiveTask.id).where(
                LiveTask.merchant_id == merchant.id, LiveTask.creator_id == creator.id,
                LiveTask.status == "completed").order_by(LiveTask.id))
        subject = "task"
    wb.run(reports.give_rating, who, reports.GiveRating.parse(
        subject=subject, subject_id=ref, score=e["score"], comment=e.get("comment", "")))


def _binding_party(wb: Workbench, actors: dict[str, Actor], kind: str, binding_id: int) -> Actor:
    """Who answers a binding invitation: the creator, or the store's merchant."""
    from workbench.store.models import CreatorBinding, StoreBinding

    with wb.uow(read_only=True) as uow:
        if kind == "answer_creator":
            uid = uow.session.get(CreatorBinding, binding_id).creator_id
        else:
            uid = uow.session.get(Shop, uow.session.get(StoreBinding, binding_id).store_id).merchant_id
    return next(a for a in actors.values() if a.id == uid)


def load_demo(wb: Workbench, anchor: datetime) -> dict[str, int]:
    """Fill an empty store with the demo data; every record goes through a use case."""
    try:
        return _load_demo(wb, anchor)
    except (KeyError, ValueError, TypeError) as exc:   # a name or value the data files do not hold
        raise ConfigError(f"{data_dir() / 'demo'}: the demo data does not fit together ({exc!r})") from None


def _load_demo(wb: Workbench, anchor: datetime) -> dict[str, int]:
    clock = wb.clock
    assert isinstance(clock, FixedClock), "the demo is built on a fixed clock"
    people, catalogue, activity = _read("people.toml"), _read("products.toml"), _read("activity.toml")
    clock.at = anchor - timedelta(days=90)
    for m in people.get("merchant", []):
        m = dict(m)
        m["stores"] = m.pop("store", [])
        wb.run(users.register, SYSTEM, users.RegisterMerchant.parse(**m))
    for c in people.get("creator", []):
        wb.run(users.register, SYSTEM, users.RegisterCreator.parse(name=c["nickname"], **c))
    for a in people.get("agency", []):
        wb.run(users.register, SYSTEM, users.RegisterAgency.parse(**a))
    for s in people.get("support", []):
        wb.run(users.register, SYSTEM, users.RegisterSupport.parse(verified=True, **s))
    actors: dict[str, Actor] = {u.handle: wb.sign_in(u.handle) for u in wb.run(users.list_users)}
    for p in catalogue.get("product", []):
        p = dict(p)
        merchant = actors[p.pop("merchant")]
        store_id = wb.run(products.store_id_by_name, merchant.id, p.pop("store"))
        wb.run(products.add_product, merchant, products.AddProduct.parse(store_id=store_id, **p))
    events = [(kind, e) for kind in ("task_account", "top_up", "notice") for e in activity.get(kind, [])]
    for t in activity.get("task", []):
        events.append(("task", t))
        events.extend(("step", {**step, "task": t}) for step in t.get("steps", []))
    events.sort(key=lambda ke: _when(anchor, ke[1]))
    task_ids: dict[int, int] = {}
    for kind, e in events:
        clock.at = _when(anchor, e)
        if kind == "notice":
            wb.run(_notice, e["user"], e["text_zh"], e["text_en"])
            continue
        if kind == "task_account":
            cmd = funds.BindTaskAccount(account_no=e.get("account_no"), create="account_no" not in e)
            wb.run(funds.bind_task_account, actors[e["merchant"]], cmd)
            continue
        if kind == "task":
            task_ids[id(e)] = _publish(wb, actors, anchor, e)
            continue
        if kind == "step":
            _step(wb, actors, task_ids[id(e["task"])], e)
            continue
        cmd = funds.TopUpCmd.parse(amount=e["amount"], method=e["method"], reference=e.get("reference", ""))
        view = wb.run(funds.top_up, actors[e["merchant"]], cmd)
        decider = e.get("confirm_by") or e.get("reject_by")
        if decider:
            clock.advance(hours=3)
            wb.run(funds.decide_top_up, actors[decider], funds.DecideTopUp.parse(
                top_up_id=view.id, approve="confirm_by" in e, note=e.get("note", "")))
    _flow_a(wb, actors, anchor, _read("flow_a.toml").get("a", []) + _read("agency.toml").get("a", [])
            + _read("reputation.toml").get("a", []) + _read("reports.toml").get("a", []))
    clock.at = anchor
    wb.run(transitions.apply_due, SYSTEM)
    wb.run(reputation.refresh_every_record, SYSTEM)   # records as of the anchor, the time-moved counts too
    wb.run(_mark)
    return {"users": len(actors), "products": len(catalogue.get("product", []))}
