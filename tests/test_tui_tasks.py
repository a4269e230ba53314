"""Flow B by keys in the TUI: publish from the creator square, the creator's side, the check."""

from __future__ import annotations

from textual.widgets import DataTable, Input, SelectionList

from screens.app import WorkbenchApp
from screens.creator_square import CreatorSquareScreen
from screens.dashboard import DashboardScreen
from screens.task_detail import TaskDetailScreen
from screens.task_form import TaskFormScreen
from screens.tasks import TasksScreen
from screens.widgets.dialogs import FormDialog
from screens.widgets.form import Form
from tests.tui_helpers import settle
from workbench.services import funds


def _row_of(table: DataTable, text: str) -> int:
    for i in range(table.row_count):
        if any(text in str(cell) for cell in table.get_row_at(i)):
            return i
    raise AssertionError(f"{text} not in table")


async def test_merchant_publishes_from_the_square_and_the_money_freezes(demo):
    merchant = demo.sign_in("m.shanwei")
    before = demo.run(funds.fund_account, merchant)
    app = WorkbenchApp(demo, merchant)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, CreatorSquareScreen)
        table = app.screen.query_one("#creators", DataTable)
        table.move_cursor(row=_row_of(table, "糖糖的零食柜"))
        await pilot.press("o")
        await settle(pilot)
        assert isinstance(app.screen, TaskFormScreen)
        form = app.screen
        hours = form.query_one("#field-hours", Input)
        hours.value = "3"
        await settle(pilot)
        assert "¥1,500.00" in app.export_screenshot()
        # No product chosen: the error names the products field and nothing is frozen.
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "✗" in str(form.query_one("#error-product_ids").render())
        assert isinstance(app.screen, TaskFormScreen)
        products = form.query_one("#field-product_ids", SelectionList)
        products.select_all()
        air = form.query_one("#field-air_at", Input)
        air.value = "2026-05-01 20:00"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "晚于现在" in str(form.query_one("#error-air_at").render())
        air.value = "2026-06-03 20:00"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, FormDialog)   # publishing freezes money: the merchant confirms it
        assert "冻结 ¥1,500.00" in str(app.screen.query_one("#consequence").render())
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, TaskDetailScreen)
        assert app.screen.detail.row.amount_cents == 150_000
    after = demo.run(funds.fund_account, merchant)
    assert after.available_cents == before.available_cents - 150_000
    assert after.frozen_cents == before.frozen_cents + 150_000


async def test_creator_accepts_goes_live_and_merchant_checks(demo):
    creator = demo.sign_in("c.xiaoyu")
    app = WorkbenchApp(demo, creator)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
        await pilot.press("t")
        await settle(pilot)
        assert isinstance(app.screen, TasksScreen)
        table = app.screen.query_one("#tasks", DataTable)
        table.move_cursor(row=_row_of(table, "待接单"))
        task_id = app.screen.rows[table.cursor_row].id
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TaskDetailScreen)
        for key, state in (("a", "待开播"), ("l", "直播中"), ("e", "待验收")):
            await pilot.press(key)
            await settle(pilot)
            assert state in app.screen.detail.row.state
    merchant = demo.sign_in("m.qingyan")
    paid_before = demo.run(funds.fund_account, creator).available_cents
    app = WorkbenchApp(demo, merchant)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.action_open("task_detail", task_id=task_id)
        await settle(pilot)
        await pilot.press("k")
        await settle(pilot)
        assert isinstance(app.screen, FormDialog)
        await pilot.click("#submit")
        await settle(pilot)
        assert app.screen.detail.row.state == "已完成"
    assert demo.run(funds.fund_account, creator).available_cents == paid_before + 100_000


async def test_cancel_shows_the_rule_before_confirming(demo):
    merchant = demo.sign_in("m.beiya")
    app = WorkbenchApp(demo, merchant)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        table = app.screen.query_one("#tasks", DataTable)
        table.move_cursor(row=_row_of(table, "待开播"))   # air time today: 100% to the creator
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, FormDialog)
        shot = app.export_screenshot()
        assert "100%" in shot and "¥2,000.00" in shot
        await pilot.click("#submit")   # no reason: refused, named
        await settle(pilot)
        assert "✗" in str(app.screen.query_one("#error-reason").render())
        app.screen.query_one("#field-reason", Input).value = "临时取消"
        await pilot.click("#submit")
        await settle(pilot)
        assert isinstance(app.screen, TaskDetailScreen)
        assert app.screen.detail.row.state == "已取消 · 商家取消"


async def test_support_rules_on_a_dispute_from_the_queue(demo):
    support = demo.sign_in("s.zhou")
    app = WorkbenchApp(demo, support)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        todo = {t.key: t for t in app.screen.view.todo}
        assert todo["disputes"].count == 1 and todo["disputes"].screen == "disputes"
        app.action_open("disputes")
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        dialog = app.screen
        dialog.query_one("#field-compensation", Input).value = "99999"
        dialog.query_one("#field-reason", Input).value = "样品质检确有问题"
        await pilot.click("#submit")
        await settle(pilot)
        assert "✗" in str(dialog.query_one("#error-compensation").render())
        dialog.query_one("#field-compensation", Input).value = "300"
        await settle(pilot)   # the consequence follows the amount: ¥300.00 to the creator, the rest back
        assert "¥300.00 付给" in str(dialog.query_one("#consequence").render())
        await pilot.click("#submit")
        await settle(pilot)
        assert app.screen.query_one("#tasks", DataTable).row_count == 0


async def _type(pilot, widget, text: str) -> None:
    widget.focus()
    widget.value = ""
    await pilot.press(*text)


async def test_the_whole_journey_by_keys(demo):
    """Top up, publish two tasks, complete one, cancel the other on its air day — all by keys."""
    merchant, creator = demo.sign_in("m.muyi"), demo.sign_in("c.tangtang")
    m0 = demo.run(funds.fund_account, merchant)
    c0 = demo.run(funds.fund_account, creator)
    published: list[int] = []
    app = WorkbenchApp(demo, merchant)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f")
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        await _type(pilot, app.screen.query_one("#field-amount", Input), "10000")
        await pilot.press("enter")
        await settle(pilot)
        for air in ("2026-06-03 20:00", "2026-06-01 22:00"):
            await pilot.press("escape")
            await settle(pilot)
            await pilot.press("s")
            await settle(pilot)
            table = app.screen.query_one("#creators", DataTable)
            table.move_cursor(row=_row_of(table, "糖糖的零食柜"))
            await pilot.press("o")
            await settle(pilot)
            form = app.screen
            await _type(pilot, form.query_one("#field-air_at", Input), air)
            await _type(pilot, form.query_one("#field-hours", Input), "2")
            products = form.query_one("#field-product_ids", SelectionList)
            products.focus()
            await pilot.press("space")
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert isinstance(app.screen, FormDialog), form.query_one(Form).values()
            await pilot.press("enter")   # Enter on the confirmation cancels: nothing is frozen
            await settle(pilot)
            assert app.screen is form
            await pilot.press("ctrl+s")
            await settle(pilot)
            await pilot.press("y")
            await settle(pilot)
            assert isinstance(app.screen, TaskDetailScreen), form.query_one(Form).values()
            published.append(app.screen.task_id)
    after_publish = demo.run(funds.fund_account, merchant)
    assert after_publish.available_cents == m0.available_cents + 1_000_000 - 200_000

    app = WorkbenchApp(demo, creator)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        for task_id, keys in zip(published, (("a", "l", "e"), ("a",))):
            app.action_open("task_detail", task_id=task_id)
            await settle(pilot)
            for key in keys:
                await pilot.press(key)
                await settle(pilot)
            await pilot.press("escape")
            await settle(pilot)

    app = WorkbenchApp(demo, merchant)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.action_open("task_detail", task_id=published[0])
        await settle(pilot)
        await pilot.press("k")
        await settle(pilot)
        await pilot.click("#submit")
        await settle(pilot)
        assert app.screen.detail.row.state == "已完成"
        await pilot.press("escape")
        await settle(pilot)
        app.action_open("task_detail", task_id=published[1])
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        await _type(pilot, app.screen.query_one("#field-reason", Input), "cancel")
        await pilot.press("enter")   # Enter in the reason does not cancel the task
        await settle(pilot)
        assert isinstance(app.screen, FormDialog)
        await pilot.press("ctrl+y")
        await settle(pilot)
        assert app.screen.detail.row.state == "已取消 · 商家取消"

    m1, c1 = demo.run(funds.fund_account, merchant), demo.run(funds.fund_account, creator)
    # ¥10,000 in; two tasks of 2 h × ¥500: one paid on the check, one paid in full (air-day cancel).
    assert m1.available_cents == m0.available_cents + 1_000_000 - 200_000
    assert m1.frozen_cents == m0.frozen_cents
    assert c1.available_cents == c0.available_cents + 200_000
