"""Flow A by keys in the TUI: pre-selection to settlement, and an overdue order to a complaint."""

from __future__ import annotations

from textual.widgets import DataTable, Input, SelectionList

from screens.app import WorkbenchApp
from screens.widgets.dialogs import FormDialog
from tests.tui_helpers import settle
from workbench.services import funds, orders, transitions
from workbench.services.base import SYSTEM


def _row(table: DataTable, text: str) -> int:
    for i in range(table.row_count):
        if any(text in str(c) for c in table.get_row_at(i)):
            return i
    raise AssertionError(f"{text!r} not in the table")


async def _type(pilot, widget: Input, text: str) -> None:
    widget.focus()
    widget.value = ""
    await pilot.press(*text)


async def _open(app, pilot, key: str, **kwargs) -> None:
    app.action_open(key, **kwargs)
    await settle(pilot)


async def _submit(pilot) -> None:
    await pilot.click("#submit")
    await settle(pilot)


async def test_pre_selection_to_settlement_by_keys(demo):
    creator, merchant = demo.sign_in("c.weiwei"), demo.sign_in("m.muyi")
    support = demo.sign_in("s.zhou")
    product = "亚麻宽松衬衫"
    m0 = demo.run(funds.fund_account, merchant)

    app = WorkbenchApp(demo, creator)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await _open(app, pilot, "preselect", status="hot:sales:服饰")
        table = app.screen.query_one("#table", DataTable)
        table.move_cursor(row=_row(table, product))
        await pilot.press("space")
        await settle(pilot)
        assert "★" in str(table.get_row_at(_row(table, product))[0])

    app = WorkbenchApp(demo, merchant)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await _open(app, pilot, "intents")
        table = app.screen.query_one("#table", DataTable)
        table.move_cursor(row=_row(table, product))
        await pilot.press("enter")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, FormDialog)
        await _type(pilot, dialog.query_one("#field-daily_price", Input), "399")
        await _type(pilot, dialog.query_one("#field-live_price", Input), "329")
        await _type(pilot, dialog.query_one("#field-commission_rate", Input), "20%")
        await _submit(pilot)
        assert not isinstance(app.screen, FormDialog)

    app = WorkbenchApp(demo, creator)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await _open(app, pilot, "exclusive_pool")
        await pilot.press("q")
        await settle(pilot)
        await _type(pilot, app.screen.query_one("#field-quote", Input), "0")
        await pilot.press("enter")
        await settle(pilot)
        assert "不能为 0" in str(app.screen.query_one("#error-quote").render())
        await _type(pilot, app.screen.query_one("#field-quote", Input), "1200")
        await pilot.press("enter")
        await settle(pilot)
        table = app.screen.query_one("#table", DataTable)
        table.move_cursor(row=_row(table, product))
        await pilot.press("space", "i")
        await settle(pilot)
        await _submit(pilot)
        order_id = max(r.id for r in demo.run(orders.list_orders, creator))

    app = WorkbenchApp(demo, merchant)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await _open(app, pilot, "order_detail", order_id=order_id)
        await pilot.press("p")
        await settle(pilot)
        await _submit(pilot)
        assert app.screen.detail.row.status == "paid"

    app = WorkbenchApp(demo, creator)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await _open(app, pilot, "order_detail", order_id=order_id)
        await pilot.press("a")
        await settle(pilot)
        assert app.screen.detail.merchant_contact

    app = WorkbenchApp(demo, merchant)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await _open(app, pilot, "order_detail", order_id=order_id)
        await pilot.press("s")
        await settle(pilot)
        await _submit(pilot)   # empty tracking number: refused, named
        assert "✗" in str(app.screen.query_one("#error-tracking").render())
        await _type(pilot, app.screen.query_one("#field-tracking", Input), "SF100200")
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.detail.row.status == "sample_shipped"

    app = WorkbenchApp(demo, creator)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await _open(app, pilot, "order_detail", order_id=order_id)
        await pilot.press("d")
        await settle(pilot)
        await _type(pilot, app.screen.query_one("#field-live_at", Input), "2026-06-03 20:00")
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.detail.row.status == "scheduled"
        await _open(app, pilot, "stock_plan_form")
        await _type(pilot, app.screen.query_one("#field-live_at", Input), "2026-06-03 20:00")
        picks = app.screen.query_one("#field-product_ids", SelectionList)
        picks.focus()
        await pilot.press("space")   # the first choice is the exclusive-pool product (★)
        await settle(pilot)
        assert "100%" in app.export_screenshot()
        await pilot.press("ctrl+s")
        await settle(pilot)

    app = WorkbenchApp(demo, support)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await _open(app, pilot, "stock_reviews")
        table = app.screen.query_one("#table", DataTable)
        table.move_cursor(row=_row(table, product))
        await pilot.press("a")
        await settle(pilot)
        await _submit(pilot)

    demo.clock.advance(days=2, hours=10)   # 2026-06-03 20:00
    app = WorkbenchApp(demo, creator)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await _open(app, pilot, "stock_plans")
        table = app.screen.query_one("#table", DataTable)
        table.move_cursor(row=_row(table, product))
        await pilot.press("l")
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        shown = app.screen.query_one("#field-shown", SelectionList)
        shown.focus()
        await pilot.press("space")
        await _submit(pilot)
    assert demo.run(orders.order_detail, merchant, order_id).row.status == "delivered"
    assert demo.run(funds.fund_account, merchant).available_cents == m0.available_cents - 120_000


async def test_overdue_order_to_complaint_by_keys(demo):
    merchant, support = demo.sign_in("m.shanwei"), demo.sign_in("s.lin")
    # The demo's dingdang order: sample shipped 2 days ago, nobody schedules it.
    order_id = next(r.id for r in demo.run(orders.list_orders, merchant) if r.status == "sample_shipped")
    demo.clock.advance(days=3, minutes=1)
    demo.run(transitions.apply_due, SYSTEM)
    demo.clock.advance(days=15)
    demo.run(transitions.apply_due, SYSTEM)
    app = WorkbenchApp(demo, merchant)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        todo = {t.key: t.count for t in app.screen.view.todo}
        assert todo["overdue_orders"] == 1
        await _open(app, pilot, "order_detail", order_id=order_id)
        assert app.screen.detail.row.status == "overdue"
        await pilot.press("m")
        await settle(pilot)
        await _type(pilot, app.screen.query_one("#field-reason", Input), "no live")
        await pilot.press("enter")
        await settle(pilot)
    app = WorkbenchApp(demo, support)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await _open(app, pilot, "complaints")
        table = app.screen.query_one("#table", DataTable)
        table.move_cursor(row=_row(table, f"#{order_id}"))
        await pilot.press("u")
        await settle(pilot)
        await _type(pilot, app.screen.query_one("#field-reason", Input), "upheld")
        await pilot.press("enter")   # a ruling is confirmed by its key, never by Enter in the field
        await settle(pilot)
        assert isinstance(app.screen, FormDialog)
        await pilot.press("ctrl+y")
        await settle(pilot)
    detail = demo.run(orders.order_detail, merchant, order_id)
    assert "投诉成立" in detail.complaint
