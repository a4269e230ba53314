"""The scheduler's screens by keys: the deadline calendar, notification settings, the bell."""

from __future__ import annotations

from textual.widgets import Input, Select, Tree

from screens.app import WorkbenchApp
from screens.deadlines import DeadlinesScreen
from screens.notifications import NotificationsScreen
from screens.task_detail import TaskDetailScreen
from screens.widgets.dialogs import FormDialog
from tests.conftest import open_store
from tests.tui_helpers import settle
from workbench.services import webhooks
from workbench.services.base import SYSTEM, notify

AT = "2026-06-03T12:00:00+08:00"


def leaves(tree: Tree) -> list[str]:
    return [str(leaf.label) for day in tree.root.children for leaf in day.children]


async def test_the_calendar_lists_deadlines_by_day_and_enter_opens_the_task(demo_path):
    wb = open_store(demo_path, at=AT)
    try:
        app = WorkbenchApp(wb, wb.sign_in("s.lin"))
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.press("c")
            await settle(pilot)
            assert isinstance(app.screen, DeadlinesScreen)
            tree = app.screen.query_one(Tree)
            days = [str(day.label) for day in tree.root.children]
            assert days[0].startswith("已逾期") and any("2026-06-04 周四" in d for d in days)
            texts = leaves(tree)
            assert any("开播" in t and "任务 #10" in t and "还剩 8 小时" in t for t in texts)
            assert any("备货单审核" in t and "备货单 #2" in t for t in texts)
            # move to the task #10 entry and open it
            line = next(i for i in range(tree.last_line + 1)
                        if tree.get_node_at_line(i) and "任务 #10" in str(tree.get_node_at_line(i).label))
            tree.move_cursor_to_line(line)
            tree.focus()
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, TaskDetailScreen) and app.screen.task_id == 10
    finally:
        wb.close()


async def test_a_creator_sees_only_their_own_deadlines(demo_path):
    wb = open_store(demo_path, at=AT)
    try:
        app = WorkbenchApp(wb, wb.sign_in("c.dingdang"))
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            app.action_open("deadlines")
            await settle(pilot)
            texts = leaves(app.screen.query_one(Tree))
            assert texts and all("叮当" not in t for t in texts)      # the counterpart is the merchant
            assert not any("任务 #12" in t or "任务 #14" in t for t in texts)   # other creators' tasks
    finally:
        wb.close()


async def test_settings_refuse_a_bad_webhook_under_its_field_then_save(demo_path):
    wb = open_store(demo_path)
    try:
        creator = wb.sign_in("c.xiaoyu")
        app = WorkbenchApp(wb, creator)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            app.action_open("notifications")
            await settle(pilot)
            assert isinstance(app.screen, NotificationsScreen)
            await pilot.press("s")
            await settle(pilot)
            dialog = app.screen
            assert isinstance(dialog, FormDialog)
            dialog.query_one("#field-webhook_format", Select).value = "feishu"
            url = dialog.query_one("#field-webhook_url", Input)
            url.value = "open.feishu.cn/hook"
            await pilot.click("#submit")
            await settle(pilot)
            assert "http://" in str(dialog.query_one("#error-webhook_url").render())
            assert wb.run(webhooks.get_prefs, creator) == webhooks.DEFAULT
            url.value = "https://open.feishu.cn/open-apis/bot/v2/hook/abc"
            dialog.query_one("#field-bell", Select).value = "no"
            await pilot.click("#submit")
            await settle(pilot)
            prefs = wb.run(webhooks.get_prefs, creator)
            assert prefs.webhook_format == "feishu" and prefs.bell is False
            assert isinstance(app.screen, NotificationsScreen)
            assert "飞书" in str(app.screen.query_one("#notes-panel").border_subtitle)
    finally:
        wb.close()


async def test_new_notifications_ring_the_bell_unless_turned_off(demo_path):
    wb = open_store(demo_path)
    try:
        creator = wb.sign_in("c.tangtang")
        app = WorkbenchApp(wb, creator)
        rings: list[int] = []
        app.bell = lambda: rings.append(1)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)

            def send(uow, _actor):
                notify(uow, creator.id, "task_live", screen="tasks", ref_id=1, task=1)
                uow.commit()

            for bell, expected in ((True, 1), (False, 1)):
                wb.run(webhooks.update_prefs, creator, webhooks.UpdatePrefs(bell=bell))
                wb.run(send, SYSTEM)
                app._poll_store()
                await settle(pilot)
                assert len(rings) == expected
    finally:
        wb.close()
