"""The base of every work screen: loads through services in a thread, reloads on change."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import work
from dataclasses import replace

from textual.screen import ModalScreen, Screen

from screens.messages import DataChanged
from workbench.domain.errors import DomainError
from workbench.i18n import _

if TYPE_CHECKING:
    from screens.app import WorkbenchApp


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
    """Subclasses implement `fetch()` (runs in a worker thread, calls services) and `show(view)`."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        translate_bindings(self)

    @property
    def wb_app(self) -> "WorkbenchApp":
        return self.app  # type: ignore[return-value]

    def on_mount(self) -> None:
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
            view = self.fetch()
        except DomainError as exc:
            self.app.call_from_thread(self.app.notify, str(exc), severity="error")
            return
        self.app.call_from_thread(self.show, view)

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

    def on_mount(self) -> None:
        super().on_mount()
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
            self.reload()

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
        self.query_one("#table-panel").border_title = _(self.TITLE_TEXT) + f" ({len(rows)})"
        self.refresh_bindings()

    def current(self):
        from textual.widgets import DataTable

        table = self.query_one("#table", DataTable)
        return self.rows[table.cursor_row] if self.rows and table.cursor_row < len(self.rows) else None

    def on_data_table_row_selected(self, _event) -> None:
        self.action_open_row()

    def action_open_row(self) -> None:
        """Enter on a row; screens with a detail page override this."""
