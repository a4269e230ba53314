"""Junk in every form of the TUI: each dialog and form screen with a text field is opened through the
real app, as a user who may use it, on a copy of the demo store. Every text field gets the nastiest
fixed values (10,000 characters, `[/]` markup, control characters, emoji, an SQL fragment) and a few
drawn from the junk of tests/test_junk.py, and is submitted. The app keeps running, a refusal shows
under a field (or under the form) and writes nothing; junk that happens to be valid makes a real
change, and the store is then put back before the next value.

The forms that recalculate as you type (fee calculator, creator square filters, help search) must
answer every value without crashing and without writing.

Bounded for make test: 3 drawn values per field, the fixed ones shared out among a form's fields
(every form gets each of them). WORKBENCH_SOAK=N draws N per field (at most 40) and types every
fixed value into every field.
"""

from __future__ import annotations

import os
import random
import sqlite3
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import open_store
from tests.test_backup import store_rows
from tests.test_junk import FIXED
from tests.tui_helpers import settle

SOAK = os.environ.get("WORKBENCH_SOAK")
DRAWN = min(int(SOAK), 40) if SOAK and SOAK.isdigit() else (40 if SOAK else 3)

NASTY = [
    "9" * 10_000,                       # far past any length limit, and a number too big for anything
    "[/][@click=app.quit]q[/]",         # markup: a closing tag with nothing open, an action if rendered
    "\x00\x1b[31mred\x1b[0m\r\n\t\x7f",  # NUL, a terminal escape, line breaks, DEL
    "😀🧧" * 5,                          # emoji, wide characters
    "'; DROP TABLE users;--",           # an SQL fragment
]
ALPHABET = "\x01\x1b\t\n 0123456789-.eE+¥%:/中文🧧😀'\";--ＡΩ\u200b\u202e"


def junk_values(seed: int, field_no: int, fields: int) -> list[str]:
    """The fixed nasty values (every one in every field under soak; shared out among a form's fields,
    each form getting all of them, in make test), then a deterministic draw from the junk list and
    random characters."""
    rng = random.Random(seed)
    picks = list(NASTY) if SOAK else NASTY[field_no::fields]
    for i in range(DRAWN):
        if i % 3 == 2:
            picks.append("".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 60))))
        else:
            picks.append(rng.choice(FIXED))
    return picks


def store_digest(path: Path) -> str:
    """The store's rows, less the filter and sort a list remembers for its user (list_prefs): a list
    screen keeps what was typed into its filters, which is how it looks, not a change to the data."""
    import hashlib

    rows = store_rows(path)
    rows.pop("list_prefs", None)
    return hashlib.sha256(repr(rows).encode()).hexdigest()


# ---- how each form is reached -------------------------------------------------------------------

Opener = Callable[..., Awaitable[None]]


@dataclass
class Case:
    name: str
    user: str
    open: Opener                      # async (app, pilot) -> the form, or the screen it opens from
    fields: list[str]
    kind: str = "dialog"              # dialog | task_form | plan_form | live
    base: dict[str, str] = field(default_factory=dict)   # other fields set to this before each value
    setup: Callable | None = None     # run on the store before the form is opened (and after a restore)
    action: str = ""                  # the screen's action that opens the dialog, with its arguments
    args: tuple = ()
    selects: dict[str, str] = field(default_factory=dict)   # choices made first ("*": all, or the first real one)


async def quiet(pilot) -> None:
    """Until no worker is pending or running and what they posted back is handled (one quiet round)."""
    from textual.worker import WorkerCancelled

    from tests.tui_helpers import BUSY

    for _ in range(100):
        await pilot.pause()
        try:
            await pilot.app.workers.wait_for_complete()
        except WorkerCancelled:
            pass
        await pilot.pause()
        if not any(w.state in BUSY for w in pilot.app.workers):
            return


async def _open(app, pilot, key: str, **kw) -> None:
    app.action_open(key, **kw)
    await settle(pilot)
    assert type(app.screen).__name__ != "DashboardScreen", f"{key} did not open for {app.actor.handle}"


async def _act(app, pilot, action: str, *args) -> None:
    getattr(app.screen, f"action_{action}")(*args)
    await settle(pilot)


def _row_id(app, service, status: str | None = None, **kw) -> int:
    rows = app.wb.run(service, app.actor, **kw)
    return next(r.id for r in rows if status is None or r.status == status)


def screen(key: str, **kw) -> Opener:
    async def opener(app, pilot) -> None:
        await _open(app, pilot, key, **kw)
    return opener


def order(status: str) -> Opener:
    async def opener(app, pilot) -> None:
        from workbench.services import orders

        await _open(app, pilot, "order_detail", order_id=_row_id(app, orders.list_orders, status))
    return opener


def task(status: str) -> Opener:
    async def opener(app, pilot) -> None:
        from workbench.services import task_views

        await _open(app, pilot, "task_detail", task_id=_row_id(app, task_views.list_tasks, status))
    return opener


async def task_form(app, pilot) -> None:
    await _open(app, pilot, "task_form", creator_id=app.wb.sign_in("c.tangtang").id)


def overdue_order(wb) -> None:
    """The demo's sample-shipped order, left unscheduled until it is overdue (the complaint form)."""
    from workbench.services import transitions
    from workbench.services.base import SYSTEM

    if not getattr(wb, "_junk_overdue", False):
        wb.clock.advance(days=18, minutes=1)
        wb._junk_overdue = True
    wb.run(transitions.apply_due, SYSTEM)


CASES = [
    Case("task form", "m.shanwei", task_form, kind="task_form",
         fields=["contact_name", "contact_phone", "air_at", "hours", "commission_rate"],
         base={"commission_rate": "10%"}, selects={"product_ids": "*", "plan": "targeted"}),
    Case("stock plan form", "c.xiaoyu", screen("stock_plan_form"), ["live_at"], kind="plan_form",
         selects={"product_ids": "*"}),
    Case("funds top-up", "m.shanwei", screen("funds"), ["amount", "reference"], action="top_up",
         base={"amount": "100", "reference": "ICBC-1"}, selects={"method": "bank"}),
    Case("funds bind task account", "m.xinpai", screen("funds"), ["account_no"], action="bind"),
    Case("funds import file", "m.shanwei", screen("funds"), ["path"], action="import"),
    Case("funds reject transfer", "s.lin", screen("funds"), ["note"], action="decide", args=(False,)),
    Case("bindings invite creator", "a.xigu", screen("bindings"), ["creator_id", "creator_share"],
         action="invite_creator"),
    Case("bindings invite store", "a.xigu", screen("bindings"), ["store_id"], action="invite_store"),
    Case("bindings split", "a.yunjin", screen("bindings"), ["creator_share"], action="split"),
    Case("base page sign-in", "c.xiaoyu", screen("base_page"), ["token"], action="sign_in"),
    Case("complaint ruling", "s.lin", screen("complaints"), ["reason"], action="rule", args=(True,)),
    Case("dispute ruling", "s.lin", screen("disputes"), ["compensation", "reason"], action="rule",
         base={"compensation": "0", "reason": "ok"}),
    Case("stock plan review", "s.lin", screen("stock_reviews"), ["reason"], action="review", args=(False,)),
    Case("order ship sample", "m.shanwei", order("accepted"), ["tracking"], action="ship"),
    Case("order schedule", "c.xiaoyu", order("confirmed"), ["live_at"], action="schedule"),
    Case("order close", "c.dingdang", order("sample_shipped"), ["reason", "return_tracking"], action="close",
         base={"reason": "ok", "return_tracking": "SF1"}),
    Case("order complaint", "m.shanwei", order("overdue"), ["reason"], action="complain", setup=overdue_order),
    Case("pool quote", "c.xiaoyu", screen("exclusive_pool"), ["quote"], action="quote"),
    Case("pool submit product", "m.shanwei", screen("exclusive_pool"),
         ["product_id", "creator_id", "daily_price", "live_price", "commission_rate"], action="submit"),
    Case("task reject", "c.xiaoyu", task("pending"), ["reason"], action="reject"),
    Case("task cancel", "m.shanwei", task("pending"), ["reason"], action="cancel"),
    Case("income export", "c.xiaoyu", screen("income"), ["path"], action="export"),
    Case("notification settings", "c.xiaoyu", screen("notifications"), ["quiet_start", "quiet_end", "webhook_url"],
         action="settings", selects={"webhook_format": "*"}),
    Case("fee calculator", "a.yunjin", screen("fee_calc"), ["price", "rate", "creator_share"], kind="live"),
    Case("creator square filters", "m.shanwei", screen("creator_square"),
         ["text", "min_fans", "min_viewers", "max_quote"], kind="live"),
    Case("help search", "c.xiaoyu", screen("help"), ["query"], kind="live"),
    Case("sample report", "c.xiaoyu", order("delivered"), ["detail"], action="report_sample",
         selects={"reason": "*"}),
    Case("sample ruling", "s.lin", screen("sample_reports"), ["ruling"], action="rule", args=(True,)),
]


# ---- typing, submitting and checking ------------------------------------------------------------

def _field(screen, name: str):
    from textual.widgets import Input

    return screen.query_one(f"#field-{name}" if screen.query(f"#field-{name}") else f"#{name}", Input)


def _type(widget, text: str) -> None:
    """What reaches the field: a paste, kept to what the field lets in (digits only where it says so);
    fields that restrict nothing get the value whole, control characters included."""
    widget.value = ""
    if widget.type != "text" or widget.restrict or widget.max_length:
        widget.insert_text_at_cursor(text)
    else:
        widget.value = text


def _submit(screen, kind: str) -> None:
    if kind == "task_form":
        screen.action_publish()
    elif kind == "plan_form":
        screen.action_submit()
    else:
        screen.submit()


def _alive(app, what: str) -> None:
    from textual.worker import WorkerState

    failed = [w for w in app.workers if w.state is WorkerState.ERROR]
    assert not failed, f"{what}: {failed[0].error!r}"
    assert app._exception is None, f"{what}: the app stopped on {app._exception!r}"
    assert app.is_running, f"{what}: the app is no longer running"


def _shown(screen) -> list[str]:
    return [str(w.render()) for w in screen.query(".form-error.-shown, .form-general.-shown")]


def _restore(store: Path, template: Path) -> None:
    """Put the store back as the demo built it (SQLite's online backup: open connections stay valid)."""
    src, dst = sqlite3.connect(template), sqlite3.connect(store)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


async def open_form(app, pilot, case: Case) -> None:
    """Open the form through the app: the screen, then the action that opens the dialog, then the
    choices that make the text fields count."""
    from textual.widgets import Select, SelectionList

    if case.action:
        await _act(app, pilot, case.action, *case.args)
        assert type(app.screen).__name__ == "FormDialog", f"{case.name}: no dialog opened"
    for name, value in case.selects.items():
        widget = app.screen.query_one(f"#field-{name}")
        if isinstance(widget, SelectionList):
            widget.select_all()
        elif value == "*":
            widget.value = next(v for _label, v in widget._options if v not in ("none", Select.BLANK))
        else:
            widget.value = value
    await settle(pilot)


async def reopen(app, pilot, case: Case, parent, restored: bool) -> None:
    """After a value was accepted: back to the screen the form opened from, read again if the store
    was put back, and open the form again."""
    if case.action and parent in app.screen_stack:
        while app.screen is not parent:
            app.pop_screen()
        if restored:
            parent.reload()
        await settle(pilot)
    else:
        while len(app.screen_stack) > 2:
            app.pop_screen()
        await settle(pilot)
        await case.open(app, pilot)
    await open_form(app, pilot, case)


async def junk_one(pilot, case: Case, name: str, junk: str, store: Path, before: str, tally: Counter) -> bool:
    """Type `junk` into one field (the others at their values), submit and check. True if it was
    accepted (a real change was made)."""
    app = pilot.app
    screen = app.screen
    what = f"{case.name}: {name}={junk[:60]!r}"
    for other, value in case.base.items():
        if other != name:
            _field(screen, other).value = value
    _type(_field(screen, name), junk)
    if case.kind == "live":    # recalculated as typed
        await quiet(pilot)
        _alive(app, what)
        assert app.screen is screen, what
        shown = _shown(screen)
        if case.name == "creator square filters":
            subtitle = str(screen.query_one("#square-panel").border_subtitle or "")
            shown += [subtitle] if subtitle.startswith("✗") else []
        assert all(s.startswith("✗") for s in shown), (what, shown)
        assert store_digest(store) == before, f"{what}: typing changed the store"
        tally["refused" if shown else "answered"] += 1
        return False
    _submit(screen, case.kind)
    await quiet(pilot)
    _alive(app, what)
    if app.screen is not screen:    # accepted: valid after all, and the form went away
        tally["accepted"] += 1
        return True
    shown = _shown(screen)
    assert shown and all(s.startswith("✗") for s in shown), f"{what}: refused with no message shown"
    if "[@click" in junk:   # typed markup is shown as typed, never rendered (a click would run it)
        assert not any(s.endswith(": q") for s in shown), shown
    assert "Traceback" not in " ".join(shown), what
    assert store_digest(store) == before, f"{what}: refused, but the store changed"
    tally["refused under the field" if screen.query(f"#error-{name}.-shown") else "refused"] += 1
    if hasattr(screen, "busy"):
        assert not screen.busy, f"{what}: the dialog is still waiting on a refused submission"
    return False


TALLY: dict[str, Counter] = {}
TIMES: dict[str, float] = {}


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name.replace(" ", "-"))
async def test_junk_in_every_form(case, demo_path, demo_template, tmp_path, monkeypatch):
    from screens.app import WorkbenchApp

    # file fields (import, export) resolve relative names and ~ inside this test's own directory
    home = tmp_path / "home" / "a" / "b" / "c"
    home.mkdir(parents=True)
    monkeypatch.chdir(home)
    monkeypatch.setenv("HOME", str(home))

    started = time.monotonic()
    tally: Counter = Counter()
    wb = open_store(demo_path)
    try:
        if case.setup is not None:
            case.setup(wb)
        app = WorkbenchApp(wb, wb.sign_in(case.user), scheduler=False)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await case.open(app, pilot)
            parent = app.screen
            await open_form(app, pilot, case)
            _alive(app, f"{case.name}: opening")
            defaults = {n: _field(app.screen, n).value for n in case.fields}
            before = store_digest(demo_path)
            for n, name in enumerate(case.fields):
                seed = hash((case.name, name)) % 10_000 if SOAK else n * 101 + len(case.name)
                for junk in junk_values(seed, n, len(case.fields)):
                    if await junk_one(pilot, case, name, junk, demo_path, before, tally):
                        restored = store_digest(demo_path) != before
                        if restored:    # a real change: put the store back for the next value
                            _restore(demo_path, demo_template)
                            if case.setup is not None:
                                case.setup(wb)
                            before = store_digest(demo_path)
                        await reopen(app, pilot, case, parent, restored)
                    elif case.kind != "live":
                        _field(app.screen, name).value = defaults[name]
                if case.kind == "live":
                    _field(app.screen, name).value = defaults[name]
                    await settle(pilot)
            _alive(app, f"{case.name}: at the end")
    finally:
        wb.close()
    TALLY[case.name] = tally
    TIMES[case.name] = time.monotonic() - started
    fields = len(case.fields)
    assert sum(tally.values()) == ((len(NASTY) + DRAWN) * fields if SOAK else len(NASTY) + DRAWN * fields)


def test_zz_junk_form_figures():
    """Print what each form got (run after the parametrized test above)."""
    if not TALLY:
        return
    total = sum(sum(t.values()) for t in TALLY.values())
    print(f"\njunk forms: {total} values into {sum(len(c.fields) for c in CASES if c.name in TALLY)} fields "
          f"of {len(TALLY)} forms in {sum(TIMES.values()):.1f}s")
    for name, tally in TALLY.items():
        print(f"  {name:28} {TIMES[name]:5.1f}s  {dict(tally)}")
