"""Task management (任务管理): the list with status and sub-status filters, a page at a time."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Header, Select

from screens.base import WorkScreen
from screens.widgets.panel import Panel
from screens.widgets.table import fill_table
from workbench.domain.formatting import local_time
from workbench.domain.money import format_money
from workbench.domain.roles import Role
from workbench.domain.tasks import SUBS_OF, TaskStatus, TaskSub
from workbench.i18n import N_, _
from workbench.services import creators
from workbench.services.task_views import PAGE, TaskQuery, TaskRow, list_tasks

STATE_STYLE = {
    "pending": "yellow", "in_progress": "cyan", "disputed": "magenta", "completed": "green", "cancelled": "dim",
}


def state_text(row: TaskRow) -> Text:
    return Text(row.state, style=STATE_STYLE.get(row.status, ""))


def filter_choices() -> list[tuple[str, str]]:
    """"Status" and "status · sub-status" choices, in the order of the task's life."""
    out: list[tuple[str, str]] = []
    for status in TaskStatus:
        out.append((status.label, status.value))
        subs = [s for s in SUBS_OF[status] if s is not TaskSub.NONE]
        out.extend((f"  {status.label} · {s.label}", f"{status.value}:{s.value}") for s in subs)
    return out


class TasksScreen(WorkScreen):
    CSS_PATH = "tasks.tcss"
    LIST_KEY = "tasks"
    BINDINGS = [
        Binding("escape", "app.pop_screen", N_("返回"), tooltip=N_("回到工作台"), id="tasks.back"),
        Binding("enter", "open_task", N_("详情"), tooltip=N_("打开任务详情"), id="tasks.open", show=False),
        Binding("pagedown,ctrl+n", "next_page", N_("下一页"), tooltip=N_("更早的任务"), id="tasks.next"),
        Binding("pageup,ctrl+b", "first_page", N_("第一页"), tooltip=N_("回到最新的任务"), id="tasks.first"),
        Binding("f", "focus_filter", N_("筛选"), tooltip=N_("按状态筛选"), id="tasks.filter"),
        Binding("o", "cycle_sort", N_("排序"), tooltip=N_("最新、播出最近、金额从高到低"), id="tasks.sort"),
        Binding("v", "views", N_("视图"), tooltip=N_("使用、保存、重命名、删除视图, 设默认视图"), id="tasks.views"),
        Binding("z", "toggle_resting", N_("休息/接单"), tooltip=N_("切换休息中或营业中"), id="tasks.resting"),
    ]

    def __init__(self, status: str | None = None) -> None:
        super().__init__()
        self.rows: list[TaskRow] = []
        self.pages: list[int | None] = [None]   # keyset cursors: the first page starts at the top
        self.initial = status

    def compose(self) -> ComposeResult:
        yield Header()
        extra = {"value": self.initial} if self.initial else {}
        yield Select(filter_choices(), prompt=_("全部状态"), id="status", compact=True, **extra)
        yield Panel(_("任务"), DataTable(id="tasks", cursor_type="row", zebra_stripes=True), id="tasks-panel",
                    more=_("Enter 详情 · f 筛选 · o 排序 · v 视图 · PgDn 下一页"))
        yield Footer()

    def on_mount(self) -> None:   # the base classes' on_mount (the first load) runs after this one
        self.query_one("#tasks").focus()

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "toggle_resting":
            return self.wb_app.actor.role is Role.CREATOR
        return True

    def list_filters(self) -> dict[str, str]:
        value = self.query_one("#status", Select).value
        status, _sep, sub = (value if isinstance(value, str) else "").partition(":")
        return {"status": status, "sub_status": sub}

    def set_list_filters(self, filters: dict[str, str]) -> None:
        status, sub = filters.get("status", ""), filters.get("sub_status", "")
        value = f"{status}:{sub}" if sub else status
        self.query_one("#status", Select).value = value if value else Select.NULL

    def describe_filters(self, filters: dict[str, str]) -> str:
        try:
            status = TaskStatus(filters["status"]).label if filters.get("status") else ""
            sub = TaskSub(filters["sub_status"]).label if filters.get("sub_status") else ""
        except ValueError:
            return ""
        return " · ".join(x for x in (status, sub) if x)

    def opened_with_filter(self) -> bool:
        return bool(self.initial)

    def list_state_changed(self) -> None:
        self.pages = [None]

    def _query(self) -> TaskQuery:
        f = self.list_filters()
        return TaskQuery.parse(status=f["status"] or None, sub_status=f["sub_status"] or None,
                               after_id=self.pages[-1], limit=PAGE, sort=self.list_sort or "newest")

    def fetch(self) -> list[TaskRow]:
        return self.wb_app.wb.run(list_tasks, self.wb_app.actor, self._query())

    def show(self, rows: list[TaskRow]) -> None:
        self.rows = rows
        zone = self.wb_app.actor.zone
        me = self.wb_app.actor.role
        other = _("主播") if me is Role.MERCHANT else _("商家")
        headers = ("#", _("商家") if me is not Role.MERCHANT else other, _("主播") if me is Role.SUPPORT else "",
                   _("播出时间"), _("小时"), _("金额"), _("状态"))
        headers = tuple(h for h in headers if h != "")
        data = []
        for r in rows:
            cells = [str(r.id)]
            if me is Role.MERCHANT:
                cells.append(r.creator)
            elif me is Role.CREATOR:
                cells.append(r.merchant)
            else:
                cells += [r.merchant, r.creator]
            cells += [local_time(r.air_at, zone), str(r.hours), format_money(r.amount_cents), state_text(r)]
            data.append(cells)
        fill_table(self.query_one("#tasks", DataTable), headers, data, [str(r.id) for r in rows])
        page = len(self.pages)
        self.query_one("#tasks-panel").border_title = self.list_title(_("任务")) + " · " + _("第 {n} 页").format(n=page)

    def on_select_changed(self, _event: Select.Changed) -> None:
        self.pages = [None]
        self.reload()

    def on_data_table_row_selected(self, _event: DataTable.RowSelected) -> None:
        self.action_open_task()

    def action_open_task(self) -> None:
        table = self.query_one("#tasks", DataTable)
        if self.rows and table.cursor_row < len(self.rows):
            self.wb_app.action_open("task_detail", task_id=self.rows[table.cursor_row].id)

    def action_next_page(self) -> None:
        if len(self.rows) == PAGE:
            self.pages.append(self.rows[-1].id)
            self.reload()

    def action_first_page(self) -> None:
        self.pages = [None]
        self.reload()

    def action_focus_filter(self) -> None:
        self.query_one("#status", Select).focus()

    def action_toggle_resting(self) -> None:
        def flip(profile: creators.CreatorProfile) -> None:
            self.wb_app.perform(creators.set_resting, creators.SetResting(resting=not profile.card.resting),
                                done=lambda r: self.app.notify(_("已设为休息中, 暂不接单") if r else _("已恢复营业, 可以接单")))

        self.wb_app.perform(creators.creator_profile, self.wb_app.actor.id, done=flip)
