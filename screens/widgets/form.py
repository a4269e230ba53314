"""One form widget: labelled fields, each with the error a service reported for it."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from rich.cells import get_character_cell_size
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.geometry import Offset
from textual.widget import Widget
from textual.widgets import Input, Label, Select, SelectionList, Static


@dataclass
class FieldSpec:
    name: str
    label: str
    placeholder: str = ""
    choices: list[tuple[str, str]] | None = None  # (label, value) for a select
    multi: bool = False                            # choices become a multi-selection list
    value: str = ""
    extra: dict = field(default_factory=dict)


def _joins_previous(value: str, index: int) -> bool:
    """Whether the character at `index` belongs to the one before it on screen: a combining accent,
    a zero-width joiner or variation selector (no cell of its own), or what follows a joiner."""
    return 0 < index < len(value) and (get_character_cell_size(value[index]) == 0
                                       or value[index - 1] == "\u200d")


class TextInput(Input):
    """A text field for Chinese typed through an input method, pasted text and composed characters.

    Two things differ from Textual's Input. The terminal's own cursor is put on the cell where the
    caret is drawn (Input puts it one cell further right at the end of the text): terminals open an
    input method's composition window at that cursor. And the caret moves over, and Backspace or
    Delete remove, a whole character as shown: "é" typed as e + U+0301, or 👍🏻, is one step, not two.
    """

    @property
    def cursor_screen_offset(self) -> Offset:
        x, y, _width, _height = self.content_region
        return Offset(x + self._position_to_cell(self.cursor_position) - self.scroll_offset.x, y)

    # Textual runs a widget's key bindings (Backspace, arrows, Home, End, Enter) only once the key
    # has bubbled up to the app, while the characters after it go straight into the field: keys that
    # arrive together, as they do over SSH or when a commit follows an arrow, were applied out of
    # order ("abc", Backspace, "X" gave "abX" or "abcX"). The field runs its own bindings as they come.
    async def on_key(self, event: events.Key) -> None:
        for binding in self._bindings.key_to_bindings.get(event.key, ()):
            if not binding.priority and await self.app.run_action(binding.action, self):
                event.stop()
                event.prevent_default()
                return

    # Input keeps only the first line of a paste; a reason copied from a chat often has several.
    # They are kept, joined by spaces, without the control characters a paste may carry.
    def on_paste(self, event: events.Paste) -> None:
        lines = event.text.replace("\t", " ").splitlines()
        text = " ".join(line.strip() for line in lines if line.strip())
        text = "".join(c for c in text if unicodedata.category(c) != "Cc")
        if text:
            if self.selection.is_empty:
                self.insert_text_at_cursor(text)
            else:
                self.replace(text, *self.selection)
        event.stop()
        event.prevent_default()

    # A field focused as its dialog opens has no place on screen yet: Input would leave the terminal
    # cursor in the top-left corner, where the first word typed through an input method is composed.
    def on_focus(self) -> None:
        self.call_after_refresh(self._place_terminal_cursor)

    def on_resize(self) -> None:
        self._place_terminal_cursor()

    def watch_selection(self) -> None:
        # Input places the terminal cursor before it scrolls a long text: place it again after.
        self._place_terminal_cursor()

    def _place_terminal_cursor(self) -> None:
        if self.has_focus:
            self.app.cursor_position = self.cursor_screen_offset
            self.refresh()

    def _step(self, position: int, direction: int) -> int:
        position += direction
        while _joins_previous(self.value, position):
            position += direction
        return max(0, min(position, len(self.value)))

    def action_cursor_left(self, select: bool = False) -> None:
        if select or not self.selection.is_empty:
            super().action_cursor_left(select)
        else:
            self.cursor_position = self._step(self.cursor_position, -1)

    def action_cursor_right(self, select: bool = False) -> None:
        if select or not self.selection.is_empty or (self.cursor_at_end and self._suggestion):
            super().action_cursor_right(select)
        else:
            self.cursor_position = self._step(self.cursor_position, 1)

    def action_delete_left(self) -> None:
        if self.selection.is_empty and self.cursor_position:
            self.delete(self._step(self.cursor_position, -1), self.cursor_position)
        else:
            super().action_delete_left()

    def action_delete_right(self) -> None:
        if self.selection.is_empty and not self.cursor_at_end:
            self.delete(self.cursor_position, self._step(self.cursor_position, 1))
        else:
            super().action_delete_right()


class Form(Vertical):
    """Renders FieldSpecs; `values()` reads them; `show_error()` puts a message under a field."""

    DEFAULT_CSS = """
    Form { height: auto; }
    Form .form-label { color: $text-muted; margin-top: 1; }
    Form .form-error { color: $text-error; height: auto; display: none; }
    Form .form-error.-shown { display: block; }
    Form .form-general { color: $text-error; height: auto; display: none; margin-top: 1; }
    Form .form-general.-shown { display: block; }
    Form Input, Form Select { width: 100%; }
    Form Input { background: $boost; }
    Form Input > .input--placeholder { color: $text-disabled; text-style: italic; }
    Form SelectionList { height: auto; max-height: 8; background: $boost; }
    """

    def __init__(self, fields: list[FieldSpec], **kwargs) -> None:
        super().__init__(**kwargs)
        self.specs = fields

    def compose(self) -> ComposeResult:
        for spec in self.specs:
            yield Label(spec.label, classes="form-label")
            if spec.multi:
                yield SelectionList(*[(label, value) for label, value in spec.choices or []],
                                    id=f"field-{spec.name}", compact=True)
            elif spec.choices:
                yield Select(spec.choices, value=spec.value or spec.choices[0][1], allow_blank=False,
                             id=f"field-{spec.name}", compact=True)
            else:
                yield TextInput(value=spec.value, placeholder=spec.placeholder, id=f"field-{spec.name}",
                                compact=True)
            yield Static("", classes="form-error", id=f"error-{spec.name}")
        yield Static("", classes="form-general", id="error-general")

    def values(self) -> dict[str, str | list[str]]:
        out: dict[str, str | list[str]] = {}
        for spec in self.specs:
            widget: Widget = self.query_one(f"#field-{spec.name}")
            if isinstance(widget, SelectionList):
                out[spec.name] = list(widget.selected)
            else:
                out[spec.name] = str(widget.value) if widget.value is not None else ""
        return out

    def clear_errors(self) -> None:
        for err in self.query(".form-error, .form-general"):
            err.update("")
            err.remove_class("-shown")

    def show_error(self, field: str | None, message: str) -> None:
        """Show `message` under `field`, or under the form when the field is not one of ours."""
        self.clear_errors()
        names = {s.name for s in self.specs}
        target = self.query_one(f"#error-{field}" if field in names else "#error-general", Static)
        target.update(Text(f"✗ {message}"))   # plain text: the message may echo what was typed, "[/]" included
        target.add_class("-shown")
        if field in names:
            self.query_one(f"#field-{field}").focus()

    def reset(self) -> None:
        for spec in self.specs:
            widget = self.query_one(f"#field-{spec.name}")
            if isinstance(widget, Input):
                widget.value = spec.value
        self.clear_errors()
