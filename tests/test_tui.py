"""The TUI driven by keys, on a real demo store: navigation, forms, refresh after changes."""

from __future__ import annotations

from textual.widgets import DataTable, Input, OptionList, Static

from screens.app import WorkbenchApp
from screens.dashboard import DashboardScreen
from screens.funds import FundsScreen
from screens.widgets.dialogs import FormDialog
from screens.help_centre import HelpCentreScreen
from screens.notifications import NotificationsScreen
from tests.tui_helpers import settle


def _painted(app) -> str:
    """The text of what is on the terminal now (from the real render)."""
    return app.export_screenshot()


async def test_picker_signs_in_and_opens_the_dashboard(demo):
    app = WorkbenchApp(demo)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        listing = app.screen.query_one("#users", OptionList)
        ids = [listing.get_option_at_index(i).id for i in range(listing.option_count)]
        listing.highlighted = ids.index("c.xiaoyu")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
        assert app.actor.handle == "c.xiaoyu"
        assert "主播" in app.sub_title


async def test_dashboard_keys_open_real_screens(demo):
    app = WorkbenchApp(demo, demo.sign_in("m.shanwei"))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f")
        await settle(pilot)
        assert isinstance(app.screen, FundsScreen)
        await pilot.press("escape", "n")
        await settle(pilot)
        assert isinstance(app.screen, NotificationsScreen)
        await pilot.press("escape", "h")
        await settle(pilot)
        assert isinstance(app.screen, HelpCentreScreen)


async def test_to_do_item_jumps_to_its_screen(demo):
    app = WorkbenchApp(demo, demo.sign_in("m.shanwei"))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        todo = app.screen.query_one("#todo", OptionList)
        todo.focus()
        todo.highlighted = next(i for i in range(todo.option_count)
                                if todo.get_option_at_index(i).id == "top_ups_waiting")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, FundsScreen)


async def test_top_up_form_names_the_bad_field_then_the_dashboard_follows(demo):
    app = WorkbenchApp(demo, demo.sign_in("m.shanwei"))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert "¥53,600.00" in _painted(app)
        await pilot.press("f")
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        assert isinstance(app.screen, FormDialog)
        amount = app.screen.query_one("#field-amount", Input)
        amount.focus()
        await pilot.press(*"12.345", "enter")
        await settle(pilot)
        error = app.screen.query_one("#error-amount", Static)
        assert "两位小数" in str(error.render())
        amount.value = ""
        await pilot.press(*"1000", "enter")
        await settle(pilot)
        assert isinstance(app.screen, FundsScreen)
        tops = app.screen.query_one("#top-ups", DataTable)
        assert "¥1,000.00" in [str(c) for c in tops.get_row_at(0)]
        await pilot.press("escape")
        await settle(pilot)
        assert "¥54,600.00" in _painted(app)


async def test_support_confirms_a_transfer_and_the_to_do_count_drops(demo):
    app = WorkbenchApp(demo, demo.sign_in("s.lin"))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        before = app.screen.view.todo
        pending = next(t.count for t in before if t.key == "top_ups_review")
        assert pending == 2
        await pilot.press("f")
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        await pilot.click("#submit")
        await settle(pilot)
        assert app.screen.query_one("#pending", DataTable).row_count == 1
        await pilot.press("escape")
        await settle(pilot)
        assert next(t.count for t in app.screen.view.todo if t.key == "top_ups_review") == 1


async def test_help_search_filters_articles(demo):
    app = WorkbenchApp(demo, demo.sign_in("m.shanwei"))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("h")
        await settle(pilot)
        titles = app.screen.query_one("#titles", OptionList)
        everything = titles.option_count
        await pilot.press("/")
        app.screen.query_one("#query", Input).insert_text_at_cursor("充值")
        await settle(pilot)
        assert 0 < titles.option_count < everything


async def test_marking_notifications_read(demo):
    app = WorkbenchApp(demo, demo.sign_in("m.shanwei"))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        assert all(n.read for n in app.screen.rows)
        await pilot.press("escape")
        await settle(pilot)
        assert next(t.count for t in app.screen.view.todo if t.key == "notifications") == 0


async def test_command_palette_lists_screens_and_actions(demo):
    from screens.commands import palette_entries

    app = WorkbenchApp(demo, demo.sign_in("m.shanwei"))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        titles = [t for t, _h, _c in palette_entries(app)]
        assert "资金: 打开资金账户" in titles and "帮助: 打开帮助中心" in titles
        dict((t, c) for t, _h, c in palette_entries(app))["资金: 打开资金账户"]()
        await settle(pilot)
        assert isinstance(app.screen, FundsScreen)


async def test_changes_made_by_another_process_reach_the_dashboard(demo_path):
    """The scheduler or another session writes to the same file: the open dashboard follows."""
    from tests.conftest import open_store
    from workbench.services import funds

    ui_store, other = open_store(demo_path), open_store(demo_path)
    try:
        app = WorkbenchApp(ui_store, ui_store.sign_in("m.shanwei"))
        app.POLL_SECONDS = 0.2
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            assert "¥53,600.00" in _painted(app)
            other.run(funds.top_up, other.sign_in("m.shanwei"), funds.TopUpCmd.parse(amount="800"))
            await pilot.pause(0.6)
            await settle(pilot)
            assert "¥54,400.00" in _painted(app)
    finally:
        ui_store.close()
        other.close()


async def test_the_palette_offers_the_actions_of_the_screen_in_front(demo):
    from screens.commands import palette_entries

    app = WorkbenchApp(demo, demo.sign_in("m.shanwei"))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f")
        await settle(pilot)
        entries = {t: c for t, _h, c in palette_entries(app)}
        assert "充值" in entries and "确认到账" not in entries   # the support-only action is not offered
        entries["充值"]()
        await settle(pilot)
        assert isinstance(app.screen, FormDialog)


async def test_news_reaches_an_open_session_as_a_toast_and_a_count(demo_path):
    """A reminder or a ruling written by another process shows up in the open session."""
    from tests.conftest import open_store
    from workbench.services import funds

    ui_store, other = open_store(demo_path), open_store(demo_path)
    try:
        merchant = ui_store.sign_in("m.muyi")
        app = WorkbenchApp(ui_store, merchant)
        app.POLL_SECONDS = 0.2
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.pause(0.5)
            before = app.sub_title
            top = other.run(funds.top_up, other.sign_in("m.muyi"), funds.TopUpCmd.parse(amount="80", method="bank"))
            other.run(funds.decide_top_up, other.sign_in("s.lin"), funds.DecideTopUp(top_up_id=top.id, approve=True))
            for _ in range(20):
                await pilot.pause(0.2)
                if app.sub_title != before:
                    break
            assert "🔔" in app.sub_title and app.sub_title != before
            assert any("¥80.00" in str(n.message) for n in app._notifications)
    finally:
        ui_store.close()
        other.close()


async def test_what_is_typed_right_after_the_search_key_reaches_the_search_field(demo):
    """An input method commits a whole word in one write, queued behind `/`: the field must be
    focused before those keys are handled, not a turn of the queue later (Widget.focus)."""
    from textual import events

    from screens.creator_square import CreatorSquareScreen

    app = WorkbenchApp(demo, demo.sign_in("m.shanwei"))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, CreatorSquareScreen)
        for key, char in (("slash", "/"), ("叮", "叮"), ("当", "当")):   # queued together, as they arrive
            app.post_message(events.Key(key, char))
        await settle(pilot)
        assert app.screen.query_one("#text", Input).value == "叮当"
