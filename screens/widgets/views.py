"""The saved-views dialog of a list: use, save, rename, delete a view, or make it the default."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Footer, Label, Static

from screens.base import Dialog
from screens.widgets.dialogs import FormDialog
from screens.widgets.form import FieldSpec
from screens.widgets.table import fill_table
from workbench.i18n import N_, _
from workbench.services import views

if TYPE_CHECKING:
    from screens.base import WorkScreen


def describe(screen: "WorkScreen", filters: dict[str, str]) -> str:
    """A view's filters as the list screen words them ("全部" when there are none)."""
    text = screen.describe_filters(filters) if hasattr(screen, "describe_filters") else \
        " · ".join(str(v) for v in filters.values() if v)
    return text or _("全部")


class ViewsDialog(Dialog):
    """The user's views of the list behind it. A default view (★) is what the list opens with, before
    the filter and sort used last."""

    DEFAULT_CSS = """
    ViewsDialog { align: center middle; }
    ViewsDialog #views-box {
        width: 84; max-width: 100%; height: auto; max-height: 100%;
        border: thick $primary 60%; background: $surface; padding: 1 2;
    }
    ViewsDialog #views-table { height: auto; max-height: 14; margin-top: 1; }
    ViewsDialog .dialog-note { color: $text-muted; margin-top: 1; }
    ViewsDialog #views-current { margin-top: 1; }
    """
    BINDINGS = [
        Binding("escape", "dismiss", N_("关闭"), id="views.close"),
        Binding("enter", "use", N_("使用"), tooltip=N_("按此视图筛选和排序"), id="views.use", priority=True),
        Binding("n", "save", N_("保存当前"), tooltip=N_("把当前的筛选和排序保存为视图"), id="views.save"),
        Binding("r", "rename", N_("重命名"), tooltip=N_("给选中的视图改名"), id="views.rename"),
        Binding("d", "delete", N_("删除"), tooltip=N_("删除选中的视图"), id="views.delete"),
        Binding("m", "default", N_("设为默认"), tooltip=N_("打开列表时使用此视图; 再按一次取消"), id="views.default"),
        Binding("u", "undo", N_("撤销删除"), tooltip=N_("恢复刚删除的视图"), id="views.undo"),
    ]

    def __init__(self, screen: "WorkScreen") -> None:
        super().__init__()
        self.list_screen = screen
        self.rows: list[views.ViewRow] = list(screen.saved_views)
        self.deleted: views.ViewRow | None = None   # the view just deleted, while the dialog is open

    def compose(self) -> ComposeResult:
        d = views.LISTS[self.list_screen.LIST_KEY]
        with Vertical(id="views-box"):
            yield Label(_("视图 · {list}").format(list=_(d.title)), classes="title")
            filters, sort = self.list_screen.list_state()
            yield Static(Text(_("当前: {filters} · {sort}").format(
                filters=describe(self.list_screen, filters), sort=_(d.sorts.get(sort, "")))), id="views-current")
            yield DataTable(id="views-table", cursor_type="row")
            yield Static(_("★ 默认视图: 打开列表时优先使用, 其次才是上次使用的筛选与排序。"), classes="dialog-note")
        yield Footer()

    def on_mount(self) -> None:
        self._show()
        self.refresh_views()

    def _show(self) -> None:
        d = views.LISTS[self.list_screen.LIST_KEY]
        table = self.query_one(DataTable)
        if not self.rows:
            fill_table(table, (_("名称"),), [(_("还没有视图: 按 n 保存当前的筛选和排序"),)])
            return
        fill_table(table, ("", _("名称"), _("筛选"), _("排序")),
                   [(Text("★", style="bold yellow") if v.is_default else Text(" "), v.name,
                     describe(self.list_screen, v.filters), _(d.sorts.get(v.sort, v.sort))) for v in self.rows],
                   [str(v.id) for v in self.rows])

    def refresh_views(self) -> None:
        self.app.perform(views.list_views, views.ViewQuery(list_key=self.list_screen.LIST_KEY), done=self._fresh)

    def _fresh(self, rows: list[views.ViewRow]) -> None:
        self.rows = rows
        self.list_screen.saved_views = rows
        if self.is_attached:
            self._show()

    def _current(self) -> views.ViewRow | None:
        table = self.query_one(DataTable)
        return self.rows[table.cursor_row] if self.rows and table.cursor_row < len(self.rows) else None

    def _changed(self, message: str):
        def done(_result) -> None:
            self.app.notify(message, timeout=3)
            self.refresh_views()
        return done

    def action_use(self) -> None:
        view = self._current()
        if view is None:
            return
        self.dismiss()
        self.list_screen.apply_view(view)

    def action_save(self) -> None:
        key = self.list_screen.LIST_KEY
        filters, sort = self.list_screen.list_state()

        def make(v: dict[str, str]):
            cmd = views.SaveView.parse(list_key=key, name=v["name"], filters=views.pairs(filters), sort=sort,
                                       default=v["default"] == "yes")
            return views.save_view, cmd

        def saved(row: views.ViewRow) -> None:
            self.list_screen.view_name = row.name
            self._changed(_("已保存视图: {name}").format(name=row.name))(row)
            self.list_screen.reload()

        self.app.push_screen(FormDialog(
            _("保存为视图"), [FieldSpec("name", _("名称 (最多 40 个字)"), placeholder=_("例如: 待寄样 · 截止最近")),
                           FieldSpec("default", _("打开列表时使用"), choices=[(_("否"), "no"), (_("是, 设为默认"), "yes")],
                                     value="no")],
            make, note=_("当前: {filters} · {sort}").format(filters=describe(self.list_screen, filters),
                                                          sort=self.list_screen.sort_label()),
            submit=_("保存"), done=saved))

    def action_rename(self) -> None:
        view = self._current()
        if view is None:
            return
        key = self.list_screen.LIST_KEY

        def make(v: dict[str, str]):
            return views.rename_view, views.RenameView.parse(list_key=key, name=view.name, new_name=v["new_name"],
                                                             version=view.version)

        def renamed(row: views.ViewRow) -> None:
            if self.list_screen.view_name == view.name:
                self.list_screen.view_name = row.name
                self.list_screen.reload()
            self._changed(_("已重命名为: {name}").format(name=row.name))(row)

        self.app.push_screen(FormDialog(_("重命名视图"), [FieldSpec("new_name", _("新名称 (最多 40 个字)"), value=view.name)],
                                        make, submit=_("重命名"), done=renamed))

    def action_delete(self) -> None:
        view = self._current()
        if view is None:
            return

        def deleted(row: views.ViewRow) -> None:
            self.deleted = row
            self.refresh_bindings()
            if self.list_screen.view_name == row.name:
                self.list_screen.view_name = None
                self.list_screen.reload()
            self._changed(_("已删除视图: {name} · u 撤销").format(name=row.name))(row)

        self.app.perform(views.delete_view, views.ViewRef(list_key=view.list_key, name=view.name,
                                                          version=view.version), done=deleted)

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "undo":
            return self.deleted is not None
        return True

    def action_undo(self) -> None:
        """Deleting a view harms nobody: it is done at once and can be undone while the dialog is open."""
        row, self.deleted = self.deleted, None
        self.refresh_bindings()
        if row is None:
            return
        cmd = views.SaveView(list_key=row.list_key, name=row.name, filters=views.pairs(row.filters), sort=row.sort,
                             default=row.is_default)
        self.app.perform(views.save_view, cmd, done=self._changed(_("已恢复视图: {name}").format(name=row.name)))

    def action_default(self) -> None:
        view = self._current()
        if view is None:
            return
        name = None if view.is_default else view.name
        message = (_("已取消默认视图, 打开列表时使用上次的筛选与排序") if name is None
                   else _("打开列表时将使用视图: {name}").format(name=view.name))
        self.app.perform(views.set_default_view, views.SetDefault(list_key=view.list_key, name=name),
                         done=self._changed(message))
