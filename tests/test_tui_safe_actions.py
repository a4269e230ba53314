"""Safe actions in the TUI, by keys: a money dialog is not confirmed by Enter, `y` pays and `n`
cancels; the three reversible actions are undone by `u` within the window and not after it (the
workbench's clock is moved); snapshots of a pay confirmation and of the undo bar (Chinese, 120×40)."""

from __future__ import annotations

from textual.widgets import DataTable

from screens.app import WorkbenchApp
from screens.widgets.dialogs import FormDialog
from tests.conftest import open_store
from tests.tui_helpers import settle
from workbench.domain.safety import UNDO_SECONDS
from workbench.services import funds, notifications, orders, products, selection, stock


def _invite(wb) -> tuple[int, int]:
    """An invitation from c.xiaoyu to m.shanwei: (order id, quote in fen)."""
    m, c = wb.sign_in("m.shanwei"), wb.sign_in("c.xiaoyu")
    p = wb.run(products.my_products, m)[0]
    item = wb.run(selection.submit_to_pool, m, selection.SubmitToPool.parse(
        product_id=p.id, creator_id=c.id, daily_price="99", live_price="79", commission_rate="20%"))
    wb.run(selection.publish_quote, c, selection.PublishQuote.parse(quote="800"))
    return wb.run(orders.invite, c, orders.Invite(item_ids=[item])), 80_000


def _bar(app) -> str:
    """The undo bar's text while it is shown, else ""."""
    from screens.widgets.undo import UndoBar

    bars = app.screen.query(UndoBar)
    return str(bars.first().render()) if bars and bars.first().has_class("-shown") else ""


def _consequence(app) -> str:
    return str(app.screen.query_one("#consequence").render())


async def test_enter_on_the_pay_dialog_does_not_pay_n_cancels_and_y_pays(demo):
    merchant = demo.sign_in("m.shanwei")
    order_id, quote = _invite(demo)
    before = demo.run(funds.fund_account, merchant)
    app = WorkbenchApp(demo, merchant)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.action_open("order_detail", order_id=order_id)
        await settle(pilot)
        detail = app.screen
        for cancel in ("enter", "n", "escape"):
            await pilot.press("p")
            await settle(pilot)
            assert isinstance(app.screen, FormDialog)
            assert "冻结 ¥800.00" in _consequence(app) and "待接单" in _consequence(app)
            assert app.screen.focused.id == "cancel"   # the default is No
            await pilot.press(cancel)
            await settle(pilot)
            assert app.screen is detail, cancel
            assert detail.detail.row.status == "invited", cancel
            assert demo.run(funds.fund_account, merchant).available_cents == before.available_cents
        await pilot.press("p")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert app.screen is detail and detail.detail.row.status == "paid"
    after = demo.run(funds.fund_account, merchant)
    assert after.available_cents == before.available_cents - quote
    assert after.frozen_cents == before.frozen_cents + quote


async def test_the_confirm_button_is_red_for_destructive_actions_and_enter_in_a_field_never_confirms(demo):
    from textual.widgets import Button, Input

    creator, merchant = demo.sign_in("c.xiaoyu"), demo.sign_in("m.shanwei")
    order_id, _quote = _invite(demo)
    app = WorkbenchApp(demo, merchant)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.action_open("order_detail", order_id=order_id)
        await settle(pilot)
        await pilot.press("x")   # decline: destructive, red; pay: not
        await settle(pilot)
        assert app.screen.query_one("#submit", Button).variant == "error"
        assert "不产生任何费用" in _consequence(app)
        await pilot.press("n")
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        assert app.screen.query_one("#submit", Button).variant == "primary"
        await pilot.press("y")
        await settle(pilot)
    demo.run(orders.accept, creator, orders.OrderRef(order_id=order_id))
    demo.run(orders.ship_sample, merchant, orders.ShipSample(order_id=order_id, tracking="SF1"))
    app = WorkbenchApp(demo, creator)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.action_open("order_detail", order_id=order_id)
        await settle(pilot)
        detail = app.screen
        await pilot.press("c")
        await settle(pilot)
        assert "冻结 ¥800.00 将全额退回商家" in _consequence(app)
        assert "回车不会提交" in str(app.screen.query_one(".dialog-keys").render())
        reason = app.screen.query_one("#field-reason", Input)
        reason.focus()
        await pilot.press(*"yes", "enter")   # y typed into a field is text, Enter moves on
        await settle(pilot)
        await pilot.press(*"SF2", "enter", "enter")
        await settle(pilot)
        assert app.screen is detail and detail.detail.row.status == "sample_shipped"
        await pilot.press("c")
        await settle(pilot)
        app.screen.query_one("#field-reason", Input).value = "样品破损"
        app.screen.query_one("#field-return_tracking", Input).value = "SF2"
        await pilot.press("ctrl+y")
        await settle(pilot)
        assert app.screen is detail and detail.detail.row.status == "closed"


def _cart_row(app, name: str) -> int:
    table = app.screen.query_one("#table", DataTable)
    for i in range(table.row_count):
        if any(name in str(c) for c in table.get_row_at(i)):
            return i
    raise AssertionError(name)


async def _remove_first_from_cart(app, pilot) -> tuple[int, str]:
    from textual.widgets import Select

    app.action_open("preselect")
    await settle(pilot)
    app.screen.query_one("#filter", Select).value = next(
        v for _label, v in app.screen.filter_choices() if v.startswith("cart"))
    await settle(pilot)
    app.screen.query_one("#table").focus()
    first = app.screen.rows[0]
    await pilot.press("space")
    await settle(pilot)
    return first.id, first.name


async def test_u_puts_a_removed_product_back_in_the_cart_within_the_window_only(demo):
    creator = demo.sign_in("c.xiaoyu")
    assert demo.run(selection.cart, creator), "the demo creator has a cart"
    app = WorkbenchApp(demo, creator)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        pid, name = await _remove_first_from_cart(app, pilot)
        assert pid not in [p.id for p in demo.run(selection.cart, creator)]
        assert "u 撤销 (5 秒)" in _bar(app)
        await pilot.press("u")
        await settle(pilot)
        assert pid in [p.id for p in demo.run(selection.cart, creator)]
        assert _bar(app) == ""
        await pilot.press("space")   # the same product, removed again: this time the window passes
        await settle(pilot)
        demo.clock.advance(seconds=UNDO_SECONDS + 1)
        await pilot.pause(0.4)
        await pilot.press("u")
        await settle(pilot)
        assert pid not in [p.id for p in demo.run(selection.cart, creator)]
        assert _bar(app) == ""


async def test_u_restores_a_revoked_plan_and_no_undo_after_the_window(demo):
    creator, support = demo.sign_in("c.tangtang"), demo.sign_in("s.lin")
    plan = next(p for p in demo.run(stock.list_plans, creator) if p.status == "submitted")
    app = WorkbenchApp(demo, creator)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.action_open("stock_plans")
        await settle(pilot)
        await pilot.press("r")   # no question: revoked at once, with an undo
        await settle(pilot)
        assert not isinstance(app.screen, FormDialog)
        assert [p.status for p in demo.run(stock.list_plans, creator) if p.id == plan.id] == ["revoked"]
        await pilot.press("u")
        await settle(pilot)
        assert [p.id for p in demo.run(stock.plans_to_review, support)] == [plan.id]
        await pilot.press("r")
        await settle(pilot)
        demo.clock.advance(seconds=UNDO_SECONDS)
        await pilot.pause(0.4)
        assert _bar(app) == ""
        await pilot.press("u")
        await settle(pilot)
        assert [p.status for p in demo.run(stock.list_plans, creator) if p.id == plan.id] == ["revoked"]


async def test_u_brings_a_hidden_notification_back(demo):
    merchant = demo.sign_in("m.shanwei")
    inbox = demo.run(notifications.list_notifications, merchant)
    unread = demo.run(notifications.unread_count, merchant)
    app = WorkbenchApp(demo, merchant)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.action_open("notifications")
        await settle(pilot)
        app.screen.query_one("#notes").focus()
        first = app.screen.rows[0]
        await pilot.press("h")
        await settle(pilot)
        assert first.id not in [n.id for n in app.screen.rows]
        assert demo.run(notifications.unread_count, merchant) == unread - (not first.read)
        assert "u 撤销 (5 秒)" in _bar(app)
        await pilot.press("u")
        await settle(pilot)
        assert [n.id for n in app.screen.rows][:len(inbox)] == [n.id for n in inbox][:len(app.screen.rows)]
        assert demo.run(notifications.unread_count, merchant) == unread
        await pilot.press("h")   # hidden again; after the window the undo is gone, the hidden list restores it
        await settle(pilot)
        demo.clock.advance(seconds=UNDO_SECONDS + 1)
        await pilot.pause(0.4)
        await pilot.press("u")
        await settle(pilot)
        assert first.id in [n.id for n in demo.run(notifications.hidden_notifications, merchant)]
        await pilot.press("v")
        await settle(pilot)
        assert [n.id for n in app.screen.rows] == [first.id]
        await pilot.press("h")
        await settle(pilot)
        assert demo.run(notifications.hidden_notifications, merchant) == []


# ---- snapshots (Chinese, 120×40) -----------------------------------------------------------------

def test_snapshot_pay_confirmation(snap_compare, demo_path):
    wb = open_store(demo_path)
    try:
        order_id, _quote = _invite(wb)
        app = WorkbenchApp(wb, wb.sign_in("m.shanwei"))

        async def go(pilot):
            await settle(pilot)
            app.action_open("order_detail", order_id=order_id)
            await settle(pilot)
            await pilot.press("p")
            await settle(pilot)

        assert snap_compare(app, terminal_size=(120, 40), run_before=go)
    finally:
        wb.close()


def test_snapshot_undo_bar_after_revoking_a_plan(snap_compare, demo_path):
    wb = open_store(demo_path)
    try:
        app = WorkbenchApp(wb, wb.sign_in("c.tangtang"))

        async def go(pilot):
            await settle(pilot)
            app.action_open("stock_plans")
            await settle(pilot)
            await pilot.press("r")
            await settle(pilot)

        assert snap_compare(app, terminal_size=(120, 40), run_before=go)
    finally:
        wb.close()


async def test_a_confirmation_is_refused_when_the_task_changed_after_it_opened(wb):
    """What was confirmed is what happens: the creator accepts while the merchant's cancel dialog
    (full refund) is open, so the cancel, which would now pay the creator or open a dispute, is refused."""
    from textual.widgets import Input

    from tests import factories as f
    from workbench.services import tasks

    m, c = f.merchant(wb, balance="10000"), f.creator(wb, quote="1000")
    p = f.product(wb, m)
    tid = wb.run(tasks.publish_task, m, tasks.PublishTask.parse(
        creator_id=c.id, contact_name="王敏", contact_phone="13800001234", air_at="2026-06-05 20:00",
        hours=2, product_ids=[p.id]))
    app = WorkbenchApp(wb, m)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.action_open("task_detail", task_id=tid)
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        dialog = app.screen
        assert "将全额退回商家" in _consequence(app)
        wb.run(tasks.accept_task, c, tasks.TaskRef(task_id=tid))   # meanwhile, elsewhere
        dialog.query_one("#field-reason", Input).value = "改期"
        await pilot.press("ctrl+y")
        await settle(pilot)
        assert app.screen is dialog
        assert "✗" in str(dialog.query_one("#error-general").render())
    assert wb.run(funds.fund_account, m).frozen_cents == 200_000
