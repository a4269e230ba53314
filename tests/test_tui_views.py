"""Saved views by keys: a list keeps its filter and sort, views are saved, picked, made default,
renamed and deleted from the list and the command palette."""

from __future__ import annotations

from textual.widgets import DataTable, Input, Select

from screens.app import WorkbenchApp
from screens.orders import OrdersScreen
from screens.tasks import TasksScreen
from screens.widgets.dialogs import FormDialog
from screens.widgets.views import ViewsDialog
from tests.conftest import open_store
from tests.tui_helpers import settle
from workbench.services import views


async def _open(app, pilot, key: str, **kwargs) -> None:
    app.action_open(key, **kwargs)
    await settle(pilot)


async def _type(pilot, widget: Input, text: str) -> None:
    widget.focus()
    widget.value = ""
    await pilot.press(*text)
    await settle(pilot)


def _title(app) -> str:
    return str(app.screen.query_one("#table-panel").border_title)


async def test_filter_and_sort_are_restored_on_return_and_in_a_new_session(demo_path):
    wb = open_store(demo_path)
    try:
        merchant = wb.sign_in("m.shanwei")
        app = WorkbenchApp(wb, merchant)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await _open(app, pilot, "orders")
            assert isinstance(app.screen, OrdersScreen) and "最新在前" in _title(app)
            app.screen.query_one("#filter", Select).value = "sample_shipped"
            await settle(pilot)
            app.screen.query_one("#table").focus()
            await pilot.press("o")        # newest → oldest
            await pilot.press("o")        # → deadline soonest: a shipped sample has one
            await settle(pilot)
            assert "截止最近" in _title(app)
            await pilot.press("escape")
            await settle(pilot)
            await _open(app, pilot, "orders")
            assert app.screen.query_one("#filter", Select).value == "sample_shipped"
            assert "截止最近" in _title(app)
            # The to-do's own filter wins over the remembered one when the list is opened from it.
            await pilot.press("escape")
            await _open(app, pilot, "orders", status="paid")
            assert app.screen.query_one("#filter", Select).value == "paid"
            await pilot.press("escape")
            await settle(pilot)
        state = wb.run(views.open_list, merchant, views.ListKey(list_key="orders"))
        assert (state.filters, state.sort) == ({"status": "sample_shipped"}, "due")
    finally:
        wb.close()
    # A new process on the same store: another terminal, or the same user over SSH.
    wb = open_store(demo_path)
    try:
        app = WorkbenchApp(wb, wb.sign_in("m.shanwei"))
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await _open(app, pilot, "tasks")
            assert isinstance(app.screen, TasksScreen)
            await pilot.press("o")        # tasks: newest → air time soonest
            await settle(pilot)
            await pilot.press("escape")
            await _open(app, pilot, "orders")
            assert app.screen.query_one("#filter", Select).value == "sample_shipped"
            assert "截止最近" in _title(app)
            table = app.screen.query_one("#table", DataTable)
            assert table.row_count == 1 and "已寄样" in str(table.get_row_at(0)[-2])
            await pilot.press("escape")
            await _open(app, pilot, "tasks")
            assert "播出最近" in str(app.screen.query_one("#tasks-panel").border_title)
    finally:
        wb.close()


async def test_a_view_is_saved_picked_from_the_palette_made_default_renamed_and_deleted(demo_path):
    wb = open_store(demo_path)
    try:
        merchant = wb.sign_in("m.shanwei")
        app = WorkbenchApp(wb, merchant)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await _open(app, pilot, "orders")
            app.screen.query_one("#filter", Select).value = "paid"
            await settle(pilot)
            app.screen.query_one("#table").focus()
            await pilot.press("v")
            await settle(pilot)
            assert isinstance(app.screen, ViewsDialog)
            assert "还没有视图" in app.export_screenshot()
            await pilot.press("n")
            await settle(pilot)
            assert isinstance(app.screen, FormDialog)
            # An empty name is refused under the field, nothing saved.
            await pilot.press("enter")
            await settle(pilot)
            assert "视图名称不能为空" in str(app.screen.query_one("#error-name").render())
            await _type(pilot, app.screen.query_one("#field-name", Input), "paidfirst")
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, ViewsDialog)
            assert "paidfirst" in app.export_screenshot()
            await pilot.press("escape")
            await settle(pilot)
            assert "视图「paidfirst」" in _title(app)
            # Another filter: the view no longer describes the list, its name leaves the title.
            app.screen.query_one("#filter", Select).value = "overdue"
            await settle(pilot)
            assert "视图" not in _title(app)
            # Picked from the command palette by its name.
            app.screen.query_one("#table").focus()
            await pilot.press("ctrl+p")
            await settle(pilot)
            await pilot.press(*"paidfirst")
            await pilot.pause(0.5)         # the palette searches its providers in the background
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, OrdersScreen)
            assert app.screen.query_one("#filter", Select).value == "paid"
            assert "视图「paidfirst」" in _title(app)
            # Made the default: ★ in the dialog.
            await pilot.press("v")
            await settle(pilot)
            await pilot.press("m")
            await settle(pilot)
            assert "★" in app.export_screenshot()
            # Renamed.
            await pilot.press("r")
            await settle(pilot)
            await _type(pilot, app.screen.query_one("#field-new_name", Input), "toship")
            await pilot.press("enter")
            await settle(pilot)
            [row] = wb.run(views.list_views, merchant)
            assert (row.name, row.is_default, row.filters) == ("toship", True, {"status": "paid"})
            await pilot.press("escape")
            await settle(pilot)
            assert "视图「toship」" in _title(app)
            # The default wins over the last-used state when the list opens again.
            app.screen.query_one("#filter", Select).value = "overdue"
            await settle(pilot)
            await pilot.press("escape")
            await settle(pilot)
            await _open(app, pilot, "orders")
            assert app.screen.query_one("#filter", Select).value == "paid"
            assert "视图「toship」" in _title(app)
            # Deleted.
            await pilot.press("v")
            await settle(pilot)
            await pilot.press("d")
            await settle(pilot)
            assert "还没有视图" in app.export_screenshot()
            await pilot.press("u")        # undone: back, still the default
            await settle(pilot)
            [back] = wb.run(views.list_views, merchant)
            assert (back.name, back.is_default, back.filters) == ("toship", True, {"status": "paid"})
            await pilot.press("d")
            await settle(pilot)
            assert "还没有视图" in app.export_screenshot()
            await pilot.press("escape")
            await settle(pilot)
            assert "视图" not in _title(app)
        assert wb.run(views.list_views, merchant) == []
    finally:
        wb.close()


async def test_the_creator_square_restores_its_filters_and_sort(demo_path):
    wb = open_store(demo_path)
    try:
        merchant = wb.sign_in("m.shanwei")
        app = WorkbenchApp(wb, merchant)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await _open(app, pilot, "creator_square")
            app.screen.query_one("#category", Select).value = "美妆"
            await settle(pilot)
            app.screen.query_one("#creators").focus()
            await pilot.press("s")        # viewers → fans
            await settle(pilot)
            assert app.screen.query_one("#sort", Select).value == "fans"
            await pilot.press("escape")
            await _open(app, pilot, "creator_square")
            assert app.screen.query_one("#category", Select).value == "美妆"
            assert app.screen.query_one("#sort", Select).value == "fans"
            assert "按粉丝" in str(app.screen.query_one("#square-panel").border_title)
        state = wb.run(views.open_list, merchant, views.ListKey(list_key="creators"))
        assert (state.filters, state.sort) == ({"category": "美妆"}, "fans")
    finally:
        wb.close()


# ---- snapshots (Chinese, 120×40) ------------------------------------------------------------------

def _with_view(demo_path):
    wb = open_store(demo_path)
    merchant = wb.sign_in("m.shanwei")
    wb.run(views.save_view, merchant, views.SaveView.parse(
        list_key="orders", name="待排期", filters=["status=sample_shipped"], sort="due", default=True))
    wb.run(views.save_view, merchant, views.SaveView.parse(
        list_key="orders", name="大单优先", filters=[], sort="quote"))
    return wb, merchant


def test_orders_with_a_default_view_snapshot(snap_compare, demo_path):
    wb, merchant = _with_view(demo_path)
    try:
        async def go(pilot):
            await settle(pilot)
            pilot.app.action_open("orders")
            await settle(pilot)

        assert snap_compare(WorkbenchApp(wb, merchant), terminal_size=(120, 40), run_before=go)
    finally:
        wb.close()


def test_views_dialog_snapshot(snap_compare, demo_path):
    wb, merchant = _with_view(demo_path)
    try:
        async def go(pilot):
            await settle(pilot)
            pilot.app.action_open("orders")
            await settle(pilot)
            await pilot.press("v")
            await settle(pilot)

        assert snap_compare(WorkbenchApp(wb, merchant), terminal_size=(120, 40), run_before=go)
    finally:
        wb.close()


async def test_a_view_of_another_list_is_opened_from_the_palette_anywhere(demo_path):
    wb = open_store(demo_path)
    try:
        merchant = wb.sign_in("m.shanwei")
        wb.run(views.save_view, merchant, views.SaveView.parse(
            list_key="tasks", name="bigones", filters=["status=in_progress"], sort="amount"))
        wb.run(views.save_view, wb.sign_in("m.qingyan"), views.SaveView.parse(list_key="tasks", name="notmine"))
        app = WorkbenchApp(wb, merchant)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            from screens.commands import palette_entries

            titles = [t for t, _h, _c in palette_entries(app, app.screen, wb.run(views.list_views, merchant))]
            assert "视图: 任务 · bigones" in titles and not any("notmine" in t for t in titles)
            await pilot.press("ctrl+p")
            await settle(pilot)
            await pilot.press(*"bigones")
            await pilot.pause(0.5)
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, TasksScreen)
            assert app.screen.query_one("#status", Select).value == "in_progress"
            title = str(app.screen.query_one("#tasks-panel").border_title)
            assert "视图「bigones」" in title and "金额从高到低" in title
            amounts = [r.amount_cents for r in app.screen.rows]
            assert amounts and amounts == sorted(amounts, reverse=True)
    finally:
        wb.close()
