"""A titled panel of the dashboard, with an optional "see more" hint in its bottom border."""

from __future__ import annotations

from textual.containers import Vertical


class Panel(Vertical):
    DEFAULT_CSS = """
    Panel {
        border: round $primary 50%;
        border-title-color: $text-primary;
        border-title-style: bold;
        border-subtitle-color: $text-muted;
        padding: 0 1;
        height: auto;
    }
    Panel:focus-within {
        border: round $primary;
    }
    """

    def __init__(self, title: str, *children, more: str | None = None, **kwargs) -> None:
        super().__init__(*children, **kwargs)
        self.border_title = title
        if more:
            self.border_subtitle = more
