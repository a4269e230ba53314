"""Two-sided reputation by keys in the TUI: a creator reports a sample problem from the order detail,
support rules on it from the queue, the merchant's profile opens from the creator's views; snapshots
of the merchant profile and the queue in Chinese at 120×40."""

from __future__ import annotations

from textual.widgets import DataTable, Input, OptionList

from screens.app import WorkbenchApp
from screens.merchant_profile import MerchantProfileScreen
from screens.order_detail import OrderDetailScreen
from screens.sample_reports import SampleReportsScreen
from screens.widgets.dialogs import FormDialog
from tests.conftest import open_store
from tests.tui_helpers import settle, snapshot_of
from workbench.services import notifications, reputation


def _row(table: DataTable, text: str) -> int:
    for i in range(table.row_count):
        if any(text in str(c) for c in table.get_row_at(i)):
            return i
    raise AssertionError(f"{text!r} not in the table")


async def _type(pilot, widget: Input, text: str) -> None:
    widget.focus()
    widget.value = ""
    await pilot.press(*text)


async def test_creator_reports_a_sample_problem_from_the_order_detail(demo):
    creator = demo.sign_in("c.xiaoyu")
    app = WorkbenchApp(demo, creator)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("o")                         # dashboard → orders
        await settle(pilot)
        table = app.screen.query_one("#table", DataTable)
        table.move_cursor(row=_row(table, "邀约中"))   # not shipped yet: nothing to report
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, OrderDetailScreen)
        assert app.screen.check_action("report_sample", ()) is False
        await pilot.press("escape")
        await settle(pilot)
        table = app.screen.query_one("#table", DataTable)
        table.move_cursor(row=_row(table, "已交付"))   # order #1, delivered
        await pilot.press("enter")
        await settle(pilot)
        order_id = app.screen.order_id
        await pilot.press("r")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, FormDialog)
        await pilot.click("#submit")                   # no detail: refused, named under the field
        await settle(pilot)
        assert "✗" in str(app.screen.query_one("#error-detail").render())
        assert demo.run(reputation.sample_report_for_order, creator, order_id) is None
        await _type(pilot, app.screen.query_one("#field-detail", Input), "shell broken")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, OrderDetailScreen)
    report = demo.run(reputation.sample_report_for_order, creator, order_id)
    assert (report.reason, report.detail, report.status) == ("damaged", "shell broken", "open")
    merchant = demo.sign_in("m.qingyan")
    assert any(n.kind == "sample_reported" for n in demo.run(notifications.list_notifications, merchant))


async def test_support_rules_from_the_queue_reached_from_the_to_do(demo):
    support = demo.sign_in("s.lin")
    app = WorkbenchApp(demo, support)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        todo = app.screen.query_one("#todo", OptionList)
        index = next(i for i in range(todo.option_count) if todo.get_option_at_index(i).id == "sample_reports")
        assert "待处理的样品问题" in str(todo.get_option_at_index(index).prompt)
        todo.focus()
        todo.highlighted = index
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SampleReportsScreen)
        table = screen.query_one("#table", DataTable)
        assert table.row_count == 2
        table.move_cursor(row=_row(table, "错发"))
        first = screen.current()
        await pilot.press("u")
        await settle(pilot)
        assert isinstance(app.screen, FormDialog)
        await _type(pilot, app.screen.query_one("#field-ruling", Input), "photo shows the wrong flavour")
        await pilot.press("enter")
        await settle(pilot)
        if isinstance(app.screen, FormDialog):         # a confirmation step states the consequence first
            await pilot.press("y")
            await settle(pilot)
        assert isinstance(app.screen, SampleReportsScreen)
        assert app.screen.query_one("#table", DataTable).row_count == 1
    ruled = demo.run(reputation.sample_reports, support, reputation.SampleQuery(status="upheld"))
    assert first.id in [r.id for r in ruled]
    merchant = demo.sign_in("m.shanwei")
    assert any(n.kind == "sample_upheld" for n in demo.run(notifications.list_notifications, merchant))


async def test_merchant_profile_opens_from_the_order_detail_and_the_pool(demo):
    app = WorkbenchApp(demo, demo.sign_in("c.xiaoyu"))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.action_open("order_detail", order_id=3)
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        assert isinstance(app.screen, MerchantProfileScreen)
        shot = app.export_screenshot()
        assert "成都贝芽母婴用品有限公司" in shot and "样品问题率" in shot and "定义" in shot
        await pilot.press("escape", "escape")
        await settle(pilot)
        app.action_open("preselect", status="hot:index")
        await settle(pilot)
        table = app.screen.query_one("#table", DataTable)
        table.move_cursor(row=_row(table, "贝芽"))
        assert "× 0.70" in " ".join(str(c) for c in table.get_row_at(table.cursor_row))
        await pilot.press("m")
        await settle(pilot)
        assert isinstance(app.screen, MerchantProfileScreen)
        assert "成都贝芽母婴用品有限公司" in app.export_screenshot()


_snapshot = snapshot_of


def test_snapshot_merchant_profile_creator_zh_120x40(snap_compare, demo_path):
    assert _snapshot(snap_compare, demo_path, "c.xiaoyu", "merchant_profile", merchant_id=6)


def test_snapshot_sample_report_queue_support_zh_120x40(snap_compare, demo_path):
    assert _snapshot(snap_compare, demo_path, "s.lin", "sample_reports")
