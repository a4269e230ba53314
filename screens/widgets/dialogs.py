"""The one form dialog: a title, what will happen, fields with their errors, submit or cancel."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Static

from screens.base import Dialog
from screens.widgets.form import FieldSpec, Form
from workbench.domain.errors import DomainError
from workbench.i18n import N_, _

Maker = Callable[[dict[str, str]], tuple[Callable[..., Any], Any]]


class FormDialog(Dialog):
    """`make(values)` turns the typed values into (use case, command); errors land under fields."""

    DEFAULT_CSS = """
    FormDialog { align: center middle; }
    FormDialog #dialog {
        width: 68; max-width: 100%; height: auto; max-height: 100%; overflow-y: auto;
        border: thick $primary 60%; background: $surface; padding: 1 2;
    }
    FormDialog #dialog.-danger { border: thick $error 70%; }
    FormDialog .dialog-note { color: $text-muted; margin-top: 1; }
    FormDialog .dialog-note.-consequence { color: $text-warning; text-style: bold; }
    FormDialog .buttons { height: auto; margin-top: 1; align-horizontal: right; }
    FormDialog Button { margin-left: 2; }
    """
    BINDINGS = [Binding("escape", "dismiss", N_("取消"), id="dialog.cancel")]

    def __init__(self, title: str, fields: list[FieldSpec], make: Maker, *, note: str = "",
                 consequence: str = "", submit: str | None = None, danger: bool = False,
                 done: Callable[[Any], None] | None = None) -> None:
        super().__init__()
        self.title_text, self.fields, self.make = title, fields, make
        self.note, self.consequence = note, consequence
        self.submit_label = submit or _("确认")
        self.danger, self.done = danger, done
        self.busy = False   # a submission is on its way: Enter pressed again must not send it twice

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="-danger" if self.danger else ""):
            yield Label(self.title_text, classes="title")
            if self.consequence:
                yield Static(self.consequence, classes="dialog-note -consequence")
            if self.note:
                yield Static(self.note, classes="dialog-note")
            yield Form(self.fields)
            with Horizontal(classes="buttons"):
                yield Button(self.submit_label, variant="error" if self.danger else "primary", id="submit",
                             compact=True)
                yield Button(_("取消"), id="cancel", compact=True)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "cancel":
            self.dismiss()
        else:
            self.submit()

    def on_input_submitted(self, _event: Input.Submitted) -> None:
        self.submit()

    def submit(self) -> None:
        if self.busy:
            return
        form = self.query_one(Form)
        form.clear_errors()
        try:
            use_case, cmd = self.make(form.values())
        except DomainError as exc:
            form.show_error(exc.field, exc.message)
            return
        args = () if cmd is None else (cmd,)
        self.busy = True
        self.app.perform(use_case, *args, done=self._finished, failed=self._failed)

    def _failed(self, exc: DomainError) -> None:
        self.busy = False
        if self.is_attached:
            self.query_one(Form).show_error(exc.field, exc.message)

    def _finished(self, result: Any) -> None:
        self.busy = False
        self.dismiss(result)
        if self.done is not None:
            self.done(result)
