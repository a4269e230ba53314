"""Notifications (通知): newest first; Enter opens the screen it points to and marks it read."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Header

from screens import registry
from screens.base import WorkScreen
from screens.widgets.panel import Panel
from screens.widgets.table import fill_table
from workbench.domain.formatting import local_time
from workbench.i18n import N_, _
from workbench.services import notifications
from workbench.services.notifications import MarkRead, NotificationView


class NotificationsScreen(WorkScreen):
    CSS_PATH = "notifications.tcss"
    BINDINGS = [
        Binding("escape", "app.pop_screen", N_("返回"), tooltip=N_("回到工作台"), id="notifications.back"),
        Binding("m", "mark_read", N_("标为已读"), tooltip=N_("把选中的通知标为已读"), id="notifications.read"),
        Binding("a", "mark_all", N_("全部已读"), tooltip=N_("把全部通知标为已读"), id="notifications.read_all"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[NotificationView] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Panel(_("通知"), DataTable(id="notes", cursor_type="row"), id="notes-panel",
                    more=_("Enter 打开 · m 已读 · a 全部已读"))
        yield Footer()

    def fetch(self) -> list[NotificationView]:
        return self.wb_app.wb.run(notifications.list_notifications, self.wb_app.actor)

    def show(self, rows: list[NotificationView]) -> None:
        self.rows = rows
        zone = self.wb_app.actor.zone
        fill_table(
            self.query_one(DataTable),
            ("", _("时间"), _("内容")),
            [(Text("●", style="bold cyan") if not n.read else Text(" "), local_time(n.at, zone),
              Text(n.text, style="dim" if n.read else "bold")) for n in rows],
            [str(n.id) for n in rows])
        unread = sum(not n.read for n in rows)
        self.query_one("#notes-panel").border_title = _("通知") + f" · {_('未读')} {unread}"

    def _current(self) -> NotificationView | None:
        table = self.query_one(DataTable)
        if not self.rows:
            return None
        return self.rows[table.cursor_row]

    def action_mark_read(self) -> None:
        note = self._current()
        if note and not note.read:
            self.wb_app.perform(notifications.mark_read, MarkRead(ids=[note.id]))

    def action_mark_all(self) -> None:
        self.wb_app.perform(notifications.mark_read, MarkRead(ids=None))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        note = self._current()
        if note is None:
            return
        if not note.read:
            self.wb_app.perform(notifications.mark_read, MarkRead(ids=[note.id]))
        if note.screen and note.screen in registry.available() and note.screen != "notifications":
            self.wb_app.action_open(note.screen)
