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

    def on_screen_resume(self) -> None:
        if self.is_mounted:
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
