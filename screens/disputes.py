"""The dispute queue (争议队列): support staff rule on cancellations the rules leave open."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Header, Select

from screens.base import WorkScreen
from screens.task_detail import rule_dialog
from screens.widgets.panel import Panel
from screens.widgets.table import fill_table
from workbench.domain.formatting import local_time
from workbench.domain.money import format_money
from workbench.i18n import N_, _
from workbench.services import disputes
from workbench.services.disputes import DisputeRow


class DisputesScreen(WorkScreen):
    CSS_PATH = "tasks.tcss"
    LIST_KEY = "disputes"
    BINDINGS = [
        Binding("escape", "app.pop_screen", N_("返回"), tooltip=N_("回到工作台"), id="disputes.back"),
        Binding("r", "rule", N_("裁决"), tooltip=N_("设定赔付金额"), id="disputes.rule"),
        Binding("enter", "open_task", N_("任务详情"), tooltip=N_("打开争议的任务"), id="disputes.open"),
        Binding("f", "focus_filter", N_("筛选"), tooltip=N_("待裁决或全部"), id="disputes.filter"),
        Binding("o", "cycle_sort", N_("排序"), tooltip=N_("最早或最新在前"), id="disputes.sort"),
        Binding("v", "views", N_("视图"), tooltip=N_("使用、保存、重命名、删除视图, 设默认视图"), id="disputes.views"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[DisputeRow] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Select([(_("待裁决"), "open"), (_("全部 (含已裁决)"), "all")], value="open", allow_blank=False,
                     id="status", compact=True)
        yield Panel(_("待裁决的争议"), DataTable(id="tasks", cursor_type="row", zebra_stripes=True),
                    id="tasks-panel", more=_("r 裁决 · Enter 任务详情 · f 筛选 · o 排序 · v 视图"))
        yield Footer()

    def on_mount(self) -> None:   # the base classes' on_mount (the first load) runs after this one
        self.query_one("#tasks").focus()

    def list_filters(self) -> dict[str, str]:
        return {"state": str(self.query_one("#status", Select).value)}

    def set_list_filters(self, filters: dict[str, str]) -> None:
        self.query_one("#status", Select).value = filters.get("state") or "open"

    def describe_filters(self, filters: dict[str, str]) -> str:
        return _("全部 (含已裁决)") if filters.get("state") == "all" else _("待裁决")

    def on_select_changed(self, _event: Select.Changed) -> None:
        self.reload()

    def action_focus_filter(self) -> None:
        self.query_one("#status", Select).focus()

    def fetch(self) -> list[DisputeRow]:
        return self.wb_app.wb.run(disputes.list_disputes, self.wb_app.actor,
                                  self.list_filters()["state"] != "all", self.list_sort or "oldest")

    def show(self, rows: list[DisputeRow]) -> None:
        self.rows = rows
        zone = self.wb_app.actor.zone
        fill_table(self.query_one("#tasks", DataTable),
                   (_("任务"), _("商家"), _("主播"), _("冻结金额"), _("发起时间"), _("发起人"), _("原因")),
                   [(f"#{d.task_id}", d.merchant, d.creator, format_money(d.amount_cents),
                     local_time(d.opened_at, zone), d.opened_by, d.reason) for d in rows],
                   [str(d.id) for d in rows])
        title = _("争议") if self.list_filters()["state"] == "all" else _("待裁决的争议")
        self.query_one("#tasks-panel").border_title = self.list_title(title) + f" ({len(rows)})"

    def _current(self) -> DisputeRow | None:
        table = self.query_one("#tasks", DataTable)
        return self.rows[table.cursor_row] if self.rows and table.cursor_row < len(self.rows) else None

    def action_rule(self) -> None:
        row = self._current()
        if row:
            self.app.push_screen(rule_dialog(row))

    def on_data_table_row_selected(self, _event: DataTable.RowSelected) -> None:
        self.action_open_task()

    def action_open_task(self) -> None:
        row = self._current()
        if row:
            self.wb_app.action_open("task_detail", task_id=row.task_id)
