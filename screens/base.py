"""The base of every work screen: loads through services in a thread, reloads on change."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import work
from textual.screen import Screen

from screens.messages import DataChanged
from workbench.domain.errors import DomainError

if TYPE_CHECKING:
    from screens.app import WorkbenchApp


class WorkScreen(Screen):
    """Subclasses implement `fetch()` (runs in a worker thread, calls services) and `show(view)`."""

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
