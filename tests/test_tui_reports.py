"""Reports in the TUI, by keys: dashboard → list → report → rate and export; snapshots in Chinese."""

from __future__ import annotations

import io

import openpyxl
from rich.console import Console
from sqlalchemy import select
from textual.widgets import Input, OptionList, Select, Static

from screens.app import WorkbenchApp
from screens.report import ReportScreen
from screens.reports import ReportsScreen
from tests.conftest import open_store
from tests.tui_helpers import settle, snapshot_of
from workbench.store.models import AuditEntry, Notification, Rating, User


def _text(widget: Static) -> str:
    """What a Static shows, as plain text (a table or styled text rendered at a wide width)."""
    console = Console(width=200, file=io.StringIO(), color_system=None)
    with console.capture() as capture:
        console.print(widget.content)
    return capture.get()


async def _to_report(pilot, row: int = 0) -> ReportScreen:
    await settle(pilot)
    await pilot.press("e")
    await settle(pilot)
    assert isinstance(pilot.app.screen, ReportsScreen)
    for _ in range(row):
        await pilot.press("down")
    await pilot.press("enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, ReportScreen)
    return pilot.app.screen


async def test_from_the_dashboard_by_keys_to_a_report_then_rate_it(demo_path):
    wb = open_store(demo_path)
    try:
        app = WorkbenchApp(wb, wb.sign_in("m.qingyan"))
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await _to_report(pilot, row=1)   # the task finished later, the order is second
            assert (screen.kind, screen.detail.title) == ("order", "订单 #1")
            figures = _text(screen.query_one("#figures", Static))
            assert "¥1,257.50" in figures and "¥1,830.00" in figures and "1.46" in figures and "准时" in figures
            assert "小鱼爱分享" in _text(screen.query_one("#ratings", Static))   # the creator rated already
            await pilot.press("v")
            await settle(pilot)
            dialog = pilot.app.screen
            dialog.query_one("#field-score", Select).value = "4"
            dialog.query_one("#field-comment", Input).focus()
            await pilot.press(*"ok")
            await pilot.press("enter")
            await settle(pilot)
            assert pilot.app.screen is screen
            assert "★★★★☆ 4" in _text(screen.query_one("#ratings", Static))
            assert not screen.check_action("rate", ())
        with wb.uow(read_only=True) as uow:
            xiaoyu = uow.session.scalar(select(User.id).where(User.handle == "c.xiaoyu"))
            qingyan = uow.session.scalar(select(User.id).where(User.handle == "m.qingyan"))
            assert uow.session.execute(select(Rating.score, Rating.comment, Rating.ratee_id).where(
                Rating.rater_id == qingyan)).all() == [(4, "ok", xiaoyu)]
            assert uow.session.scalar(select(Notification.kind).where(
                Notification.user_id == xiaoyu, Notification.kind == "rating_received_order")) is not None
            assert uow.session.scalar(select(AuditEntry.id).where(AuditEntry.action == "rating.give",
                                                                  AuditEntry.actor_id == qingyan)) is not None
    finally:
        wb.close()


async def test_a_bad_comment_is_shown_under_its_field_and_nothing_is_written(demo_path):
    wb = open_store(demo_path)
    try:
        app = WorkbenchApp(wb, wb.sign_in("m.qingyan"))
        async with app.run_test(size=(120, 40)) as pilot:
            await _to_report(pilot)
            await pilot.press("v")
            await settle(pilot)
            dialog = pilot.app.screen
            dialog.query_one("#field-comment", Input).value = "长" * 301
            dialog.query_one("#field-comment", Input).focus()
            await pilot.press("enter")
            await settle(pilot)
            assert pilot.app.screen is dialog
            assert "最多 300 字" in _text(dialog.query_one("#error-comment", Static))
        with wb.uow(read_only=True) as uow:
            assert uow.session.scalar(select(Rating.id).where(Rating.comment.like("长%"))) is None
    finally:
        wb.close()


async def test_the_to_rate_todo_opens_the_list_filtered(demo_path):
    wb = open_store(demo_path)
    try:
        app = WorkbenchApp(wb, wb.sign_in("c.xiaoyu"))
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            todo = pilot.app.screen.query_one("#todo", OptionList)
            index = next(i for i in range(todo.option_count) if todo.get_option_at_index(i).id == "to_rate")
            todo.focus()
            todo.highlighted = index
            await pilot.press("enter")
            await settle(pilot)
            screen = pilot.app.screen
            assert isinstance(screen, ReportsScreen) and screen.filter_value() == "to_rate"
            assert [r.key for r in screen.rows] == ["task:1"] and not screen.rows[0].rated   # order 1 rated
    finally:
        wb.close()


async def test_a_finished_order_opens_its_report_with_f(demo_path):
    wb = open_store(demo_path)
    try:
        app = WorkbenchApp(wb, wb.sign_in("m.qingyan"))
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            app.action_open("order_detail", order_id=1)
            await settle(pilot)
            await pilot.press("f")
            await settle(pilot)
            screen = pilot.app.screen
            assert isinstance(screen, ReportScreen) and screen.detail.title == "订单 #1"
            assert "1.46" in _text(screen.query_one("#figures", Static))
            assert "★★★★★ 5" in _text(screen.query_one("#ratings", Static))   # xiaoyu's rating of qingyan
            assert screen.check_action("rate", ())
    finally:
        wb.close()


async def test_export_writes_a_real_workbook(demo_path, tmp_path):
    wb = open_store(demo_path)
    out = tmp_path / "报告" / "task-2.xlsx"
    try:
        app = WorkbenchApp(wb, wb.sign_in("m.shanwei"))
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await _to_report(pilot)
            await pilot.press("x")
            await settle(pilot)
            field = pilot.app.screen.query_one("#field-out", Input)
            field.value = str(out)
            field.focus()
            await pilot.press("enter")
            await settle(pilot)
            assert pilot.app.screen is screen
        book = openpyxl.load_workbook(out)
        summary = book["复盘汇总"]
        row = dict(zip([c.value for c in summary[1]], [c.value for c in summary[2]]))
        assert (row["合作"], row["GMV"], row["成交订单"]) == ("任务 #2", 1198, 20)
        assert book["评价"].max_row == 2   # shanwei's rating of weiwei
    finally:
        wb.close()


class TestSnapshots:
    """The report list and one report with its chart, Chinese, 120×40."""

    _open = staticmethod(snapshot_of)

    def test_report_list_merchant(self, snap_compare, demo_path):
        assert self._open(snap_compare, demo_path, "m.shanwei", "reports")

    def test_report_with_chart(self, snap_compare, demo_path):
        assert self._open(snap_compare, demo_path, "m.shanwei", "report", kind="task", ref_id=2)


async def test_markup_in_a_comment_or_a_path_is_plain_text(demo_path):
    wb = open_store(demo_path)
    try:
        app = WorkbenchApp(wb, wb.sign_in("m.qingyan"))
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await _to_report(pilot)
            await pilot.press("v")
            await settle(pilot)
            field = pilot.app.screen.query_one("#field-comment", Input)
            field.value = "[/]好[@click=app.quit]x"
            field.focus()
            await pilot.press("enter")
            await settle(pilot)
            assert pilot.app.screen is screen
            assert "[/]好[@click=app.quit]x" in _text(screen.query_one("#ratings", Static))
            await pilot.press("x")
            await settle(pilot)
            dialog = pilot.app.screen
            out = dialog.query_one("#field-out", Input)
            out.value = "/dev/null/[/]\x00.xlsx"
            out.focus()
            await pilot.press("enter")
            await settle(pilot)
            assert pilot.app.screen is dialog   # refused, the dialog stays with the reason
            assert "无法写入" in _text(dialog.query_one("#error-out", Static))
    finally:
        wb.close()
