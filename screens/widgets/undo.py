"""Undo instead of asking: after a reversible action a bar says what happened and offers
"u 撤销 (5 秒)"; `u` within the window reverses it through a service use case."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rich.text import Text
from textual.widgets import Static

from workbench.domain.safety import UNDO_SECONDS
from workbench.i18n import _


class UndoBar(Static):
    """One line above the footer; hidden while there is nothing to undo."""

    DEFAULT_CSS = """
    UndoBar { height: 1; width: 1fr; margin: 0 1; padding: 0 1; background: $warning 15%; display: none; }
    UndoBar.-shown { display: block; }
    """


@dataclass(frozen=True)
class Offer:
    text: str                      # what happened, in words
    use_case: Callable[..., Any]   # the use case that reverses it
    cmd: Any
    undone: str                    # said once it is reversed
    at: datetime                   # on the workbench's clock (injectable: tests move it)


class Undoable:
    """Mixed into a WorkScreen: `offer_undo(...)` after the action; bind `u` to `action_undo`.

    The window is measured on the workbench's clock, the same clock the services check it on."""

    _offer: Offer | None = None
    _ticker = None

    def offer_undo(self, text: str, use_case: Callable[..., Any], cmd: Any, undone: str) -> None:
        self._offer = Offer(text, use_case, cmd, undone, self.app.wb.clock.now())
        if self._ticker is None:
            self._ticker = self.set_interval(0.25, self._tick)
        self._paint()
        self.refresh_bindings()

    def can_undo(self) -> bool:
        return self._offer is not None and self.undo_left() > 0

    def undo_left(self) -> float:
        if self._offer is None:
            return 0.0
        return UNDO_SECONDS - (self.app.wb.clock.now() - self._offer.at).total_seconds()

    def _bar(self) -> UndoBar:
        found = self.query(UndoBar)
        if found:
            return found.first()
        bar = UndoBar()
        self.mount(bar)
        return bar

    def _paint(self) -> None:
        bar = self._bar()
        if self._offer is None:
            bar.remove_class("-shown")
            return
        left = max(1, math.ceil(self.undo_left()))
        bar.update(Text.assemble(("✓ ", "bold green"), self._offer.text, "    ", ("u", "bold reverse"), " ",
                                 _("撤销 ({s} 秒)").format(s=left)))
        bar.add_class("-shown")

    def _tick(self) -> None:
        if self._offer is None:
            return
        if self.undo_left() <= 0:
            self._expire()
        else:
            self._paint()

    def _expire(self) -> None:
        self._offer = None
        self._paint()
        self.refresh_bindings()

    def action_undo(self) -> None:
        offer = self._offer
        if offer is None or self.undo_left() <= 0:   # past the window: the undo is gone
            self._expire()
            self.app.bell()
            return
        self._expire()
        self.app.perform(offer.use_case, offer.cmd, done=lambda _r: self.app.notify(offer.undone, title=_("已撤销")))
