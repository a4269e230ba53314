"""Notifications (通知): newest first; Enter opens the screen it points to and marks it read."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Header, Select

from screens import registry
from screens.base import WorkScreen
from screens.widgets.dialogs import FormDialog
from screens.widgets.form import FieldSpec
from screens.widgets.panel import Panel
from screens.widgets.table import fill_table
from screens.widgets.undo import Undoable
from workbench.domain.formatting import local_time
from workbench.i18n import N_, _
from workbench.services import notifications
from workbench.services import webhooks
from workbench.services.notifications import MarkRead, NotificationView

FORMAT_LABELS = {"wecom": "企业微信 WeCom", "dingtalk": "钉钉 DingTalk", "feishu": "飞书 Feishu"}


class NotificationsScreen(Undoable, WorkScreen):
    CSS_PATH = "notifications.tcss"
    LIST_KEY = "notifications"
    BINDINGS = [
        Binding("escape", "app.pop_screen", N_("返回"), tooltip=N_("回到工作台"), id="notifications.back"),
        Binding("m", "mark_read", N_("标为已读"), tooltip=N_("把选中的通知标为已读"), id="notifications.read"),
        Binding("a", "mark_all", N_("全部已读"), tooltip=N_("把全部通知标为已读"), id="notifications.read_all"),
        Binding("s", "settings", N_("通知设置"), tooltip=N_("提示音、免打扰时段与群机器人 Webhook"),
                id="notifications.settings"),
        Binding("h", "hide", N_("隐藏/恢复"), tooltip=N_("把选中的通知移出收件箱 (可撤销), 或恢复已隐藏的"),
                id="notifications.hide"),
        Binding("v", "toggle_hidden", N_("已隐藏"), tooltip=N_("查看已隐藏的通知 / 回到收件箱"),
                id="notifications.hidden"),
        Binding("u", "undo", N_("撤销"), tooltip=N_("撤销刚才的隐藏 (几秒内)"), id="notifications.undo"),
        Binding("f", "focus_filter", N_("筛选"), tooltip=N_("全部或仅未读"), id="notifications.filter"),
        Binding("o", "cycle_sort", N_("排序"), tooltip=N_("最新或最早在前"), id="notifications.sort"),
        Binding("w", "views", N_("视图"), tooltip=N_("使用、保存、重命名、删除视图, 设默认视图"), id="notifications.views"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[NotificationView] = []
        self.prefs: webhooks.Prefs = webhooks.DEFAULT
        self.hidden = False   # showing the hidden notifications instead of the inbox

    def compose(self) -> ComposeResult:
        yield Header()
        yield Select([(_("全部通知"), "all"), (_("仅未读"), "unread")], value="all", allow_blank=False, id="read",
                     compact=True)
        yield Panel(_("通知"), DataTable(id="notes", cursor_type="row"), id="notes-panel")
        yield Footer()

    def fetch(self) -> tuple[list[NotificationView], webhooks.Prefs]:
        wb, actor = self.wb_app.wb, self.wb_app.actor
        return (wb.run(notifications.list_notifications, actor, hidden=self.hidden,
                       unread_only=self.list_filters()["read"] == "unread", sort=self.list_sort or "newest"),
                wb.run(webhooks.get_prefs, actor))

    def show(self, view: tuple[list[NotificationView], webhooks.Prefs]) -> None:
        rows, self.prefs = view
        self.rows = rows
        zone = self.wb_app.actor.zone
        fill_table(
            self.query_one(DataTable),
            ("", _("时间"), _("内容")),
            [(Text("●", style="bold cyan") if not n.read else Text(" "), local_time(n.at, zone),
              Text(n.text, style="dim" if n.read else "bold")) for n in rows],
            [str(n.id) for n in rows])
        unread = sum(not n.read for n in rows)
        unread_label = _("未读")
        title = _("已隐藏的通知") if self.hidden else _("通知")
        self.query_one("#notes-panel").border_title = self.list_title(title) + f" · {unread_label} {unread}"
        p = self.prefs
        channels = [_("提示音 开") if p.bell else _("提示音 关"),
                    _("免打扰 {start}–{end}").format(start=p.quiet_start, end=p.quiet_end)]
        if p.webhook_url:
            channels.append(_("Webhook {fmt}").format(fmt=FORMAT_LABELS.get(p.webhook_format, p.webhook_format)))
        self.query_one("#notes-panel").border_subtitle = " · ".join(channels) + "  " + _("s 设置")

    def action_settings(self) -> None:
        p = self.prefs
        fields = [
            FieldSpec("bell", _("新通知时响提示音"), choices=[(_("开"), "yes"), (_("关"), "no")],
                      value="yes" if p.bell else "no"),
            FieldSpec("quiet_start", _("免打扰开始 (HH:MM, 您的时区)"), value=p.quiet_start),
            FieldSpec("quiet_end", _("免打扰结束 (HH:MM)"), value=p.quiet_end),
            FieldSpec("webhook_format", _("群机器人"),
                      choices=[(_("不推送"), "none")] + [(label, key) for key, label in FORMAT_LABELS.items()],
                      value=p.webhook_format or "none"),
            FieldSpec("webhook_url", _("Webhook 地址"), placeholder="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…",
                      value=p.webhook_url),
        ]

        def make(v: dict[str, str]):
            none = v["webhook_format"] == "none"
            return webhooks.update_prefs, webhooks.UpdatePrefs.parse(
                bell=v["bell"] == "yes", quiet_start=v["quiet_start"], quiet_end=v["quiet_end"],
                webhook_format="" if none else v["webhook_format"],
                webhook_url="" if none else v["webhook_url"], version=p.version or None)

        self.app.push_screen(FormDialog(
            _("通知设置"), fields, make, submit=_("保存"),
            note=_("免打扰时段内群机器人推送会推迟到时段结束, 截止前最后一次提醒除外。站内通知总是立即送达。"),
            done=lambda _p: self.wb_app.notify(_("通知设置已保存"))))

    def _current(self) -> NotificationView | None:
        table = self.query_one(DataTable)
        if not self.rows:
            return None
        return self.rows[table.cursor_row]

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "undo":
            return self.can_undo()
        return True

    def on_mount(self) -> None:   # the base classes' on_mount (the first load) runs after this one
        self.query_one("#notes").focus()

    def list_filters(self) -> dict[str, str]:
        return {"read": str(self.query_one("#read", Select).value)}

    def set_list_filters(self, filters: dict[str, str]) -> None:
        self.query_one("#read", Select).value = filters.get("read") or "all"

    def describe_filters(self, filters: dict[str, str]) -> str:
        return _("仅未读") if filters.get("read") == "unread" else _("全部通知")

    def on_select_changed(self, _event: Select.Changed) -> None:
        self.reload()

    def action_focus_filter(self) -> None:
        self.query_one("#read", Select).focus()

    def action_hide(self) -> None:
        """Hiding harms nobody: done at once, with a few seconds to undo; in the hidden list, restore."""
        note = self._current()
        if note is None:
            return
        ref = notifications.NoteIds(ids=[note.id])
        if self.hidden:
            self.wb_app.perform(notifications.unhide, ref, done=lambda _n: self.app.notify(_("已恢复到收件箱")))
            return
        self.wb_app.perform(notifications.hide, ref, done=lambda _n: self.offer_undo(
            _("已隐藏通知: {text}").format(text=note.text[:30]), notifications.unhide, ref, _("通知已恢复到收件箱")))

    def action_toggle_hidden(self) -> None:
        self.hidden = not self.hidden
        self.reload()

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
            if note.screen in registry.REF_ARG and note.ref_id is None:
                return
            self.wb_app.action_open(note.screen, **registry.ref_kwargs(note.screen, note.ref_id))
