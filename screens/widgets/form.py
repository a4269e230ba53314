"""One form widget: labelled fields, each with the error a service reported for it."""

from __future__ import annotations

from dataclasses import dataclass, field

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
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
                yield Input(value=spec.value, placeholder=spec.placeholder, id=f"field-{spec.name}",
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
