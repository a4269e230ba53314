"""The Workbench TUI: header with the user, footer with keys, the dashboard as home."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual import work
from textual.app import App
from textual.binding import Binding

from screens import registry
from screens.base import translate_bindings
from screens.commands import WorkbenchCommands
from screens.messages import DataChanged
from workbench.domain.errors import DomainError
from workbench.i18n import N_, _, language, set_language
from workbench.domain.actor import Actor

if TYPE_CHECKING:
    from workbench.bootstrap import Workbench
    from workbench.services.dashboard_view import DashboardView


class WorkbenchApp(App):
    """`WorkbenchApp(workbench, actor)`; with no actor it opens the user picker first."""

    CSS_PATH = "app.tcss"
    TITLE = "Workbench"
    COMMANDS = App.COMMANDS | {WorkbenchCommands}
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    BINDINGS = [
        Binding("ctrl+q", "quit", N_("退出"), tooltip=N_("退出工作台"), id="app.quit", priority=True),
        Binding("f1", "open('help')", N_("帮助"), tooltip=N_("打开帮助中心"), id="app.help", show=False),
    ]

    def __init__(self, workbench: Workbench, actor: Actor | None = None, scheduler: bool = False,
                 first_view: Callable[[], DashboardView | None] | None = None,
                 signing_in: Callable[[], tuple[str, Actor] | None] | None = None,
                 first_ready: Callable[[], bool] | None = None) -> None:
        """`first_view`: the first dashboard, read while the UI loaded (see workbench.firstscreen);
        `workbench` may then still be opening (a LazyWorkbench). `signing_in`: who is signing in
        there (language, actor), waited for off the UI thread, or None if they could not; then the
        app exits with `fell_back` set and the caller starts the ordinary way. `first_ready`: whether
        the answer is there already, so the first screen is built with it rather than waited for."""
        super().__init__()
        self.wb = workbench
        self._first_view = first_view
        self._signing_in = signing_in
        self._first_ready = first_ready
        self.fell_back = False
        self.actor = actor
        self.with_scheduler = scheduler
        self.firing = None
        self.title = _("工作台")
        translate_bindings(self)
        workbench.on_change(self._store_changed)

    # Other processes (the scheduler, other sessions) change the store too; SQLite cannot tell us,
    # so a cheap read of the audit high-water mark every few seconds notices their changes.
    POLL_SECONDS = 3.0

    def on_mount(self) -> None:
        self._version: int | None = None
        self._seen = -1   # the newest notification already shown; -1 until the first poll
        self.set_interval(self.POLL_SECONDS, self._poll_store)
        if self.with_scheduler:
            when_ready = getattr(self.wb, "when_ready", None)
            if when_ready is None:
                self._start_scheduler()
            else:   # the store is still opening: start firing once it is open
                when_ready(lambda: self.call_from_thread(self._start_scheduler))
        start = getattr(self.wb, "start", None)
        if start is not None:   # a store opening behind the first screen: open it in any case soon
            self.set_timer(2.0, start)
        if self._signing_in is not None:
            if self._first_ready is not None and self._first_ready():
                # Read on this thread: the dashboard is then built with its figures in one pass.
                self._signed_in(self._signing_in())
            else:
                self._await_sign_in()
        elif self.actor is None:
            from screens.user_picker import UserPickerScreen

            self.push_screen(UserPickerScreen())
        else:
            self.start_as(self.actor)

    @work(thread=True, group="sign-in", exit_on_error=False)
    def _await_sign_in(self) -> None:
        assert self._signing_in is not None
        self.call_from_thread(self._signed_in, self._signing_in())

    def _signed_in(self, signed: tuple[str, Actor] | None) -> None:
        if signed is None:
            self.fell_back = True
            self.exit()
            return
        lang, actor = signed
        if lang != language():
            set_language(lang)
            translate_bindings(self)
            self.title = _("工作台")
        self.start_as(actor)

    def _start_scheduler(self) -> None:
        # APScheduler on Textual's own event loop; the firing itself runs in its thread pool,
        # so the UI never waits for it. Only the process holding the lease fires.
        if not self.is_running:
            return
        from apscheduler.schedulers.asyncio import AsyncIOScheduler

        from workbench.scheduler import Firing

        self.firing = Firing(self.wb)
        self.firing.start(AsyncIOScheduler(event_loop=asyncio.get_running_loop(), timezone="UTC"))

    def take_first_view(self) -> DashboardView | None:
        """The dashboard read while the UI loaded, once (worker thread; waits for it). After it is
        on screen the store opens in the background for everything else."""
        take, self._first_view = self._first_view, None
        if take is None:
            return None
        view = take()
        start = getattr(self.wb, "start", None)
        if start is not None:
            if view is None:
                start()   # nothing came: read the dashboard the ordinary way, now
            elif threading.get_ident() == self._thread_id:
                self.call_after_refresh(start)
            else:
                self.call_from_thread(self.call_after_refresh, start)
        return view

    def first_view_now(self) -> DashboardView | None:
        """The first dashboard if it has arrived (UI thread, never waits); else None."""
        if self._first_view is None or self._first_ready is None or not self._first_ready():
            return None
        return self.take_first_view()

    def on_unmount(self) -> None:
        if self.firing is not None:
            self.firing.stop()

    def start_as(self, actor: Actor) -> None:
        """Show the dashboard as `actor`, dropping whatever screens were open."""
        from screens.dashboard import DashboardScreen

        self.actor = actor
        self._seen = -1
        self.sub_title = f"{actor.name} · {actor.role.label if actor.role else ''}"
        self._poll_soon()   # the unread count in the header from the start, not after the first interval
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.push_screen(DashboardScreen())

    # ---- navigation --------------------------------------------------------------------------

    def screens_for_actor(self) -> frozenset[str]:
        return registry.available_for(self.actor.role.value if self.actor and self.actor.role else None)

    def action_open(self, key: str, **kwargs: Any) -> None:
        if self.actor is None or key not in self.screens_for_actor():
            self.bell()
            return
        self.push_screen(registry.make(key, **kwargs))

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "open" and parameters and self.actor is not None:
            return parameters[0] in self.screens_for_actor()
        return True

    def action_home(self) -> None:
        if self.actor is not None:
            while len(self.screen_stack) > 2:
                self.pop_screen()

    def action_top_up(self) -> None:
        from screens.funds import top_up_dialog

        self.push_screen(top_up_dialog(self))

    def action_read_all(self) -> None:
        from workbench.services.notifications import MarkRead, mark_read

        self.perform(mark_read, MarkRead(ids=None),
                     done=lambda n: self.notify(_("已读 {n} 条通知").format(n=n)))

    def action_switch_user(self) -> None:
        from screens.user_picker import UserPickerScreen

        self.push_screen(UserPickerScreen())

    # ---- services ----------------------------------------------------------------------------

    @work(thread=True, exit_on_error=False, group="perform")
    def perform(self, use_case: Callable[..., Any], *args: Any,
                done: Callable[[Any], None] | None = None,
                failed: Callable[[DomainError], None] | None = None) -> None:
        """Run `use_case(uow, actor, *args)` off the UI thread; report back on the UI thread."""
        try:
            result = self.wb.run(use_case, self.actor, *args)
        except DomainError as exc:
            self.call_from_thread(failed or self._toast_error, exc)
            return
        if done is not None:
            self.call_from_thread(done, result)

    def _poll_soon(self) -> None:
        """Poll now, or once a store still opening behind the first screen is open: polling loads
        the store's libraries, which would otherwise compete with the first paint."""
        when_ready = getattr(self.wb, "when_ready", None)
        if when_ready is None:
            self._poll_store()
            return

        def poll() -> None:
            if not self.is_running:
                return
            if threading.get_ident() == self._thread_id:
                self._poll_store()
            else:
                self.call_from_thread(self._poll_store)

        when_ready(poll)

    @work(thread=True, exclusive=True, group="poll", exit_on_error=False)
    def _poll_store(self) -> None:
        from workbench.services.notifications import news, store_version

        version = self.wb.run(store_version)
        if self._version is not None and version != self._version and self.actor is not None:
            self.call_from_thread(self._broadcast_change)
        self._version = version
        if self.actor is not None:
            unread, newest, fresh = self.wb.run(news, self.actor, self._seen)
            ring = False
            if fresh:   # the delivery settings (and with them urllib) only when something arrived
                from workbench.services import webhooks

                ring = self.wb.run(webhooks.get_prefs, self.actor).bell
            self.call_from_thread(self._show_news, unread, newest, fresh, ring)

    def _show_news(self, unread: int, newest: int, fresh: list, ring: bool = False) -> None:
        """A toast for each notification that arrived while the session was open (with the terminal
        bell, unless the user turned it off); the count in the header."""
        self._seen = max(self._seen, newest)
        for note in fresh[-3:]:
            self.notify(note.text, title=_("通知"), timeout=8)
        if ring:
            self.bell()
        if self.actor is not None:
            bell = f" · 🔔 {unread}" if unread else ""
            self.sub_title = f"{self.actor.name} · {self.actor.role.label if self.actor.role else ''}{bell}"

    def _toast_error(self, exc: DomainError) -> None:
        self.notify(str(exc), severity="error", title=_("未完成"), markup=False)   # it may echo what was typed

    def _store_changed(self) -> None:
        if not self.is_running:
            return
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            self.call_from_thread(self._broadcast_change)
        else:
            self._broadcast_change()

    def _broadcast_change(self) -> None:
        self._version = None  # our own change: the next poll re-reads the mark without a second reload
        self.screen.post_message(DataChanged())
