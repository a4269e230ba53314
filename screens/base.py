"""The base of every work screen: loads through services in a thread, reloads on change."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from textual import work
from dataclasses import replace

from textual.screen import ModalScreen, Screen

from screens.messages import DataChanged
from workbench.domain.errors import DomainError
from workbench.i18n import _

if TYPE_CHECKING:
    from screens.app import WorkbenchApp



def _views():
    """The saved-views service, imported on first use: the dashboard (the first screen) has no
    list, and the store's libraries are loaded after it is painted (see workbench.firstscreen)."""
    from workbench.services import views

    return views

def translate_bindings(node) -> None:
    """Bindings are declared with N_() msgids at class level; show them in today's language.

    Textual copies the class's merged bindings into each instance, so translating the
    instance's copy lets one process show either language (the tests render both).
    """
    table = node._bindings.key_to_bindings
    for key, bindings in table.items():
        table[key] = [replace(b, description=_(b.description) if b.description else "",
                              tooltip=_(b.tooltip) if b.tooltip else "") for b in bindings]


class Dialog(ModalScreen):
    """A modal form or confirmation."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        translate_bindings(self)


class WorkScreen(Screen):
    """Subclasses implement `fetch()` (runs in a worker thread, calls services) and `show(view)`.

    A list screen also sets LIST_KEY (a key of `workbench.services.views.LISTS`) and implements
    `list_filters()` / `set_list_filters()`: its filter and sort then persist per user, the user can
    save them as named views, and the list opens with the default view or else the last-used state.
    """

    LIST_KEY = ""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        translate_bindings(self)
        self.list_sort = ""                  # the list's sort name ("" until the state is restored)
        self.view_name: str | None = None    # the saved view in use, while its filter and sort are
        self.saved_views: list = []          # the user's saved views of this list (ViewRow)
        self._restoring = threading.Lock()   # loads run in threads: the first one alone restores,
        self._restored = threading.Event()   # and the others wait until it has
        self._remembered: tuple | None = None
        self._linked: dict | None = None     # the filter a link opened the list with, until the user changes it

    @property
    def wb_app(self) -> "WorkbenchApp":
        return self.app  # type: ignore[return-value]

    def on_mount(self) -> None:
        self.load_first()

    def load_first(self) -> None:
        """The first load, once mounted (Textual calls every class's `on_mount`: a screen that has
        its data at hand overrides this instead, or it would be read twice)."""
        self.reload()

    _suspended = False

    def on_screen_suspend(self) -> None:
        self._suspended = True

    def on_screen_resume(self) -> None:
        # Coming back to a screen re-reads it (others may have changed the store meanwhile); the
        # resume that follows the first mount does not, `on_mount` has just loaded it.
        if self.is_mounted and self._suspended:
            self.reload()

    def on_data_changed(self, _: DataChanged) -> None:
        self.reload()

    def reload(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="load")
    def _load(self) -> None:
        try:
            # A load that starts while the first is still reading (a widget's change at mount) must
            # not restore again later, over what the user may have typed meanwhile.
            if self.LIST_KEY and self._restoring.acquire(blocking=False):
                views = _views()
                try:
                    state = self.wb_app.wb.run(views.open_list, self.wb_app.actor,
                                               views.ListKey(list_key=self.LIST_KEY))
                except BaseException:
                    self._restoring.release()   # the next load tries again
                    raise
                self.app.call_from_thread(self._restore, state)
            elif self.LIST_KEY:
                # What this load shows and remembers depends on the restored state (a link's own
                # filter is not remembered): not before it is on screen.
                self._restored.wait(timeout=10)
            view = self.fetch()
            if self.LIST_KEY:
                self._remember()
        except DomainError as exc:
            self.app.call_from_thread(self.app.notify, str(exc), severity="error")
            return
        self.app.call_from_thread(self._deliver, view)

    def _deliver(self, view: Any) -> Any:
        """Show what a load read, unless the screen was closed meanwhile (its widgets are gone)."""
        if self not in self.app.screen_stack:
            return None
        return self.show(view)

    # ---- saved views and the last-used filter and sort ----------------------------------------

    def list_filters(self) -> dict[str, str]:
        """The filters on screen, as the list's registry names them ("" or missing: no filter)."""
        return {}

    def set_list_filters(self, filters: dict[str, str]) -> None:
        """Put `filters` on screen (UI thread; the widgets' change messages are held back)."""

    def opened_with_filter(self) -> bool:
        """Opened from a to-do or a link with a filter of its own: that filter wins over the saved one."""
        return False

    def list_state_changed(self) -> None:
        """The filter or sort changed: a paged list starts again at its first page."""

    def list_state(self) -> tuple[dict[str, str], str]:
        return {k: v for k, v in self.list_filters().items() if v not in ("", None)}, self.list_sort

    def _quietly(self):
        from textual.widgets import Input, Select

        return self.prevent(Select.Changed, Input.Changed)

    pending_view = None   # a saved view picked in the palette before the list opened: shown first

    def _restore(self, state) -> None:
        try:
            self._apply_restored(state)
        finally:
            self._restored.set()

    def _apply_restored(self, state) -> None:
        self.saved_views = state.views
        if self.pending_view is not None:
            view, self.pending_view = self.pending_view, None
            state = _views().ListState(state.list_key, view.filters, view.sort or state.sort, view.name, state.views)
        if self.opened_with_filter():
            # A to-do or a link chose the filter: keep the user's sort, and remember nothing until
            # they change something themselves.
            self.list_sort = self.list_sort or state.sort
            with self._quietly():
                self.show_sort(self.list_sort)
            self._linked = self.list_state()[0]
            return
        with self._quietly():
            self.set_list_filters(state.filters)
            self.show_sort(state.sort)
        self.list_sort, self.view_name = state.sort, state.view
        self._remembered = (state.filters, state.sort)

    def _remember(self) -> None:
        """Store the filter and sort just shown as this user's last-used state of the list (worker)."""
        filters, sort = self.list_state()
        if (filters, sort) == self._remembered or filters == self._linked:
            return
        self._linked = None
        try:
            views = _views()
            self.wb_app.wb.run(views.save_prefs, self.wb_app.actor,
                               views.SavePrefs(list_key=self.LIST_KEY, filters=views.pairs(filters), sort=sort))
        except DomainError:   # a filter the list refuses (the screen says why): not worth remembering
            return
        self._remembered = (filters, sort)
        current = next((v for v in self.saved_views if v.name == self.view_name), None)
        if current is None or (current.filters, current.sort) != (filters, sort):
            self.view_name = None    # the view no longer describes what is shown

    def sort_label(self) -> str:
        d = _views().LISTS.get(self.LIST_KEY)
        return _(d.sorts.get(self.list_sort, "")) if d else ""

    def list_title(self, title: str) -> str:
        """The panel title with the view in use and the sort: "直播通订单 · 视图「待付款」 · 最新在前"."""
        if not self.LIST_KEY:
            return title
        parts = [title]
        if self.view_name:
            parts.append(_("视图「{name}」").format(name=self.view_name))
        if self.sort_label():
            parts.append(self.sort_label())
        return " · ".join(parts)

    def apply_view(self, view) -> None:
        """Show the list with a saved view's filter and sort (from the views dialog or the palette)."""
        self.list_sort, self.view_name = view.sort or _views().LISTS[self.LIST_KEY].default_sort, view.name
        self._linked = None
        with self._quietly():
            self.set_list_filters(view.filters)
            self.show_sort(self.list_sort)
        self.list_state_changed()
        self.reload()

    def show_sort(self, name: str) -> None:
        """Put the sort on screen, for a list that shows it in a widget of its own (UI thread)."""

    def sort_available(self, name: str) -> bool:
        """Whether the sort applies to the filter on screen (orders sort by deadline only in a state
        that has one)."""
        return True

    def action_cycle_sort(self) -> None:
        """The next sort order of the list that applies to the filter on screen."""
        names = [n for n in _views().LISTS[self.LIST_KEY].sorts if self.sort_available(n)]
        self.list_sort = names[(names.index(self.list_sort) + 1) % len(names)] if self.list_sort in names else names[0]
        self._linked = None
        with self._quietly():
            self.show_sort(self.list_sort)
        self.app.notify(_("排序: {sort}").format(sort=self.sort_label()), timeout=2)
        self.list_state_changed()
        self.reload()

    def action_views(self) -> None:
        from screens.widgets.views import ViewsDialog

        self.app.push_screen(ViewsDialog(self))

    def fetch(self) -> Any:
        """Read what the screen shows, through services (worker thread)."""
        return None

    def show(self, view: Any) -> None:
        """Put `view` on screen (UI thread)."""


class TableScreen(WorkScreen):
    """A screen whose body is one table of rows from a service, with an optional filter above it.

    Subclasses set TITLE_TEXT, implement `fetch()` returning rows, `columns()` and `cells(row)`, and
    add their own bindings; `current()` is the highlighted row.
    """

    DEFAULT_CSS = """
    TableScreen #filter { margin: 1 1 0 1; width: 44; }
    TableScreen #table-panel { height: 1fr; margin: 0 1; }
    TableScreen #table { height: 1fr; }
    """
    TITLE_TEXT = ""
    HINT = ""

    def __init__(self, status: str | None = None) -> None:
        super().__init__()
        self.rows: list = []
        self.initial_filter = status

    def filter_choices(self) -> list[tuple[str, str]] | None:
        return None

    def compose(self):
        from textual.widgets import DataTable, Footer, Header, Select

        from screens.widgets.panel import Panel

        yield Header()
        choices = self.filter_choices()
        if choices is not None:
            extra = {"value": self.initial_filter} if self.initial_filter else {}
            yield Select(choices, prompt=_("全部"), id="filter", compact=True, **extra)
        yield Panel(_(self.TITLE_TEXT), DataTable(id="table", cursor_type="row", zebra_stripes=True),
                    id="table-panel", more=_(self.HINT) if self.HINT else None)
        yield Footer()

    def on_mount(self) -> None:   # the base classes' on_mount (the first load) runs after this one
        self.query_one("#table").focus()

    def filter_value(self) -> str | None:
        from textual.widgets import Select

        try:
            value = self.query_one("#filter", Select).value
        except Exception:  # no filter on this screen
            return None
        return value if isinstance(value, str) else None

    def on_select_changed(self, event) -> None:
        if event.select.id == "filter":
            self.list_state_changed()
            self.reload()

    FILTER_KEY = ""    # the registry's name of the one filter above the table, on a list screen

    def list_filters(self) -> dict[str, str]:
        return {self.FILTER_KEY: self.filter_value() or ""} if self.FILTER_KEY else {}

    def set_list_filters(self, filters: dict[str, str]) -> None:
        from textual.widgets import Select

        if self.FILTER_KEY:
            value = filters.get(self.FILTER_KEY)
            self.query_one("#filter", Select).value = value if value else Select.NULL

    def opened_with_filter(self) -> bool:
        return bool(self.initial_filter)

    def columns(self) -> tuple[str, ...]:
        return ()

    def cells(self, row) -> tuple:
        return ()

    def show(self, rows: list) -> None:
        from textual.widgets import DataTable

        from screens.widgets.table import fill_table

        self.rows = rows
        fill_table(self.query_one("#table", DataTable), self.columns(), [self.cells(r) for r in rows],
                   [str(i) for i in range(len(rows))])
        self.query_one("#table-panel").border_title = self.list_title(_(self.TITLE_TEXT)) + f" ({len(rows)})"
        self.refresh_bindings()

    def current(self):
        from textual.widgets import DataTable

        table = self.query_one("#table", DataTable)
        return self.rows[table.cursor_row] if self.rows and table.cursor_row < len(self.rows) else None

    def on_data_table_row_selected(self, _event) -> None:
        self.action_open_row()

    def action_open_row(self) -> None:
        """Enter on a row; screens with a detail page override this."""
