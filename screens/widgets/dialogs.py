"""The one form dialog: a title, what will happen, fields with their errors, submit or cancel.

A money-moving or destructive action opens it as a confirmation (`confirm=True`, lazygit's y/n):
the consequence is computed by a service (`preview`), focus starts on 取消, Enter never confirms,
`y` (or Ctrl+Y from inside a field) confirms, `n` or Escape cancels."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select, SelectionList, Static

from screens.base import Dialog
from screens.widgets.form import FieldSpec, Form
from workbench.domain.errors import DomainError
from workbench.i18n import N_, _

Maker = Callable[[dict[str, str]], tuple[Callable[..., Any], Any]]


class FormDialog(Dialog):
    """`make(values)` turns the typed values into (use case, command); errors land under fields.

    With `preview` (values → (preview use case, command)) the dialog is a confirmation: the
    service's consequence is shown, re-read as fields change, and the action waits for `y`."""

    DEFAULT_CSS = """
    FormDialog { align: center middle; }
    FormDialog #dialog {
        width: 68; max-width: 100%; height: auto; max-height: 100%; overflow-y: auto;
        border: thick $primary 60%; background: $surface; padding: 1 2;
    }
    FormDialog #dialog.-danger { border: thick $error 70%; }
    FormDialog .dialog-note { color: $text-muted; margin-top: 1; }
    FormDialog .dialog-note.-consequence { color: $text-warning; text-style: bold; min-height: 2; }
    FormDialog .dialog-note.-consequence.-refused { color: $text-error; }
    FormDialog .dialog-keys { color: $text-muted; margin-top: 1; }
    FormDialog .buttons { height: auto; margin-top: 1; align-horizontal: right; }
    FormDialog Button { margin-left: 2; }
    """
    BINDINGS = [
        Binding("escape", "dismiss", N_("取消"), id="dialog.cancel"),
        Binding("n", "no", N_("取消"), show=False, id="dialog.no"),
        Binding("y", "yes", N_("确认"), show=False, id="dialog.yes"),
        Binding("ctrl+y", "confirm", N_("确认"), show=False, id="dialog.confirm"),
    ]

    def __init__(self, title: str, fields: list[FieldSpec], make: Maker, *, note: str = "",
                 consequence: str = "", submit: str | None = None, danger: bool = False,
                 done: Callable[[Any], None] | None = None, preview: Maker | None = None,
                 confirm: bool | None = None) -> None:
        super().__init__()
        self.title_text, self.fields, self.make = title, fields, make
        self.note, self.consequence = note, consequence
        self.submit_label = submit or _("确认")
        self.danger, self.done = danger, done
        self.preview = preview
        self.confirm = preview is not None if confirm is None else confirm
        self.previewed = preview is None   # the consequence the person confirms has been shown
        self._asked = 0   # previews asked for; an answer to an older one is dropped
        self.busy = False   # a submission is on its way: Enter pressed again must not send it twice

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="-danger" if self.danger else ""):
            yield Label(self.title_text, classes="title")
            if self.consequence or self.preview is not None:
                yield Static(Text(self.consequence or _("正在计算后果…")), id="consequence",
                             classes="dialog-note -consequence")
            if self.note:
                yield Static(Text(self.note), classes="dialog-note")
            yield Form(self.fields)
            with Horizontal(classes="buttons"):
                yield Button(self._submit_text(), variant="error" if self.danger else "primary", id="submit",
                             compact=True)
                yield Button(_("取消 (n)") if self.confirm else _("取消"), id="cancel", compact=True)
            if self.confirm and self.fields:
                yield Static(_("回车不会提交: 按 Ctrl+Y 或点「{submit}」确认 · Esc 取消").format(
                    submit=self.submit_label), classes="dialog-keys")

    def _submit_text(self) -> str:
        if not self.confirm:
            return self.submit_label
        return self.submit_label + (" (Ctrl+Y)" if self.fields else " (y)")

    def on_mount(self) -> None:
        if self.confirm and not self.fields:
            self.query_one("#cancel", Button).focus()   # the default is No: Enter here cancels
        if self.preview is not None:
            self._refresh_preview()

    # ---- the consequence, read from the service -------------------------------------------------

    def _refresh_preview(self) -> None:
        try:
            use_case, cmd = self.preview(self.query_one(Form).values())
        except DomainError as exc:
            self._asked += 1
            self._show_consequence(self._asked, exc.message, refused=True)
            return
        self._asked += 1
        self._read_preview(self._asked, use_case, cmd)

    @work(thread=True, group="preview", exit_on_error=False)
    def _read_preview(self, asked: int, use_case: Callable[..., Any], cmd: Any) -> None:
        app = self.app
        try:
            result = app.wb.run(use_case, app.actor, *(() if cmd is None else (cmd,)))
        except DomainError as exc:
            app.call_from_thread(self._show_consequence, asked, exc.message, True)
            return
        app.call_from_thread(self._show_consequence, asked, result.text, False, result.danger)

    def _show_consequence(self, asked: int, text: str, refused: bool = False, danger: bool | None = None) -> None:
        if not self.is_attached or asked != self._asked:   # closed, or typed on since it was asked
            return
        self.previewed = True
        line = self.query_one("#consequence", Static)
        line.update(Text(text))   # plain: names and reasons in it were typed by people
        line.set_class(refused, "-refused")
        if danger is not None and danger != self.danger:
            self.danger = danger
            self.query_one("#dialog").set_class(danger, "-danger")
            self.query_one("#submit", Button).variant = "error" if danger else "primary"

    def on_input_changed(self, _event: Input.Changed) -> None:
        if self.preview is not None and self.is_mounted:
            self._refresh_preview()

    def on_select_changed(self, _event: Select.Changed) -> None:
        if self.preview is not None and self.is_mounted:
            self._refresh_preview()

    def on_selection_list_selected_changed(self, _event: SelectionList.SelectedChanged) -> None:
        if self.preview is not None and self.is_mounted:
            self._refresh_preview()

    # ---- keys and buttons -------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action in ("confirm", "yes", "no"):
            return self.confirm
        return True

    def action_yes(self) -> None:
        # With fields, `y` is a letter someone may be typing: it confirms only from the buttons.
        if self.fields and not isinstance(self.focused, Button):
            return
        self.action_confirm()

    def action_no(self) -> None:
        self.dismiss()

    def action_confirm(self) -> None:
        if not self.previewed:   # the person has not seen what they confirm yet
            self.app.bell()
            return
        self.submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "cancel":
            self.dismiss()
        else:
            self.submit()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if not self.confirm:
            self.submit()
            return
        # A confirmation is never sent by Enter: it moves to the next field, then to 取消.
        event.stop()
        self.focus_next()
        if isinstance(self.focused, Button) and self.focused.id == "submit":
            self.query_one("#cancel", Button).focus()

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
