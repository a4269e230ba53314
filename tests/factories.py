"""Test data built through the services, as a person would make it."""

from __future__ import annotations

from workbench.bootstrap import Workbench
from workbench.services import funds, products, users
from workbench.services.base import SYSTEM, Actor


def merchant(wb: Workbench, handle: str = "m.test", verified: bool = True, standing: str = "normal",
             bind: bool = True, balance: str | None = None) -> Actor:
    wb.run(users.register, SYSTEM, users.RegisterMerchant.parse(
        handle=handle, name=f"商家{handle}", company=f"{handle} 有限公司", contact_name="王敏",
        contact_phone="13800001234", service_fee_rate="0.20", verified=verified,
        stores=[{"name": f"{handle} 旗舰店", "platform": "taobao", "standing": standing}]))
    actor = wb.sign_in(handle)
    if bind:
        wb.run(funds.bind_task_account, actor, funds.BindTaskAccount(create=True))
    if balance:
        wb.run(funds.top_up, actor, funds.TopUpCmd.parse(amount=balance))
    return actor


def creator(wb: Workbench, handle: str = "c.test", *, level_v: int = 3, level_l: int = 4, quote: str = "1000",
            resting: bool = False, verified: bool = True, categories=("美妆",), fans: int = 100_000,
            avg_viewers: int = 5_000) -> Actor:
    wb.run(users.register, SYSTEM, users.RegisterCreator.parse(
        handle=handle, name=f"主播{handle}", nickname=f"主播{handle}", level_v=level_v, level_l=level_l,
        fans=fans, avg_viewers=avg_viewers, quote=quote, resting=resting, categories=list(categories),
        verified=verified))
    return wb.sign_in(handle)


def support(wb: Workbench, handle: str = "s.test") -> Actor:
    wb.run(users.register, SYSTEM, users.RegisterSupport.parse(handle=handle, name="小二", verified=True))
    return wb.sign_in(handle)


def product(wb: Workbench, owner: Actor, name: str = "面霜", category: str = "美妆", price: str = "99.00",
            **extra) -> products.ProductView:
    """A product of `owner`'s store; `extra` overrides brand, experience_score and the rest."""
    store_id = wb.run(products.store_id_by_name, owner.id, f"{owner.handle} 旗舰店")
    values = dict(store_id=store_id, name=name, category=category, brand="青妍", price=price, sales=100,
                  commission_rate="0.20", experience_score="4.8", recommend_index=50)
    values.update(extra)
    return wb.run(products.add_product, owner, products.AddProduct.parse(**values))


def shipped_order(wb: Workbench, m: Actor, c: Actor, *, tracking: str = "SF1", quote: str = "800",
                  product_name: str = "面霜") -> int:
    """A Flow A order as far as the sample shipped: its 5-day schedule window has started."""
    from workbench.services import orders, selection

    p = product(wb, m, name=product_name)
    item = wb.run(selection.submit_to_pool, m, selection.SubmitToPool.parse(
        product_id=p.id, creator_id=c.id, daily_price="99", live_price="79", commission_rate="20%"))
    wb.run(selection.publish_quote, c, selection.PublishQuote.parse(quote=quote))
    oid = wb.run(orders.invite, c, orders.Invite(item_ids=[item]))
    wb.run(orders.pay, m, orders.OrderRef(order_id=oid))
    wb.run(orders.accept, c, orders.OrderRef(order_id=oid))
    wb.run(orders.ship_sample, m, orders.ShipSample(order_id=oid, tracking=tracking))
    return oid
