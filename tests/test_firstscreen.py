"""The first screen read in a forked child while the parent loads the UI (workbench.firstscreen)."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from screens.registry import available_for
from tests.conftest import DEMO_NOW, open_store
from workbench import firstscreen
from workbench.services import dashboard

ROOT = Path(__file__).resolve().parent.parent


def test_the_child_reads_the_same_dashboard_the_service_reads(demo_path):
    first = firstscreen.prefetch(lambda: open_store(demo_path), "m.shanwei", available_for)
    assert first is not None
    lang, actor = first.signed_in()
    view = first.view()
    assert (lang, actor.handle, actor.role.value) == ("zh", "m.shanwei", "merchant")
    wb = open_store(demo_path)
    try:
        assert view == wb.run(dashboard.load_dashboard, actor, available_for("merchant"))
    finally:
        wb.close()
    assert first.fd == -1 and first.view() is None     # once
    first.close()
    assert first.pid == 0                              # reaped


def _quick(path: Path, handle: str, lang: str = "zh"):
    from workbench.clock import parse_instant
    from workbench.config import Settings

    settings = Settings(db_url=f"sqlite:///{path}", lang=lang)
    return firstscreen.read_quickly(settings, handle, available_for, parse_instant(DEMO_NOW))


def test_the_compiled_queries_are_what_the_statements_compile_to_now():
    from workbench.services.dashboard_sql import compiled_source

    current = (ROOT / "workbench" / "services" / "dashboard_compiled.py").read_text(encoding="utf-8")
    assert current == compiled_source(), "run: python tools/compile_queries.py"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_quick_reader_reads_every_users_dashboard_as_the_service_does(demo_path, lang):
    from workbench.services import users

    wb = open_store(demo_path, lang=lang)
    try:
        people = wb.run(users.list_users)
        assert {p.role for p in people} == set(users.Role)
        for person in people:
            got_lang, actor, view = _quick(demo_path, person.handle, lang)
            assert got_lang == lang
            assert actor == wb.sign_in(person.handle)
            assert view == wb.run(dashboard.load_dashboard, actor, available_for(actor.role.value)), person.handle
    finally:
        wb.close()


def test_the_quick_reader_loads_neither_sqlalchemy_nor_pydantic(demo_path):
    code = ("import sys; from workbench import firstscreen; from workbench.config import Settings; "
            "from workbench.clock import parse_instant; from screens.registry import available_for; "
            f"lang, actor, view = firstscreen.read_quickly(Settings(db_url={str(demo_path)!r}), 'c.xiaoyu', "
            f"available_for, parse_instant({DEMO_NOW!r})); "
            "assert view.todo and view.figures and view.recommendations; "
            "print(sorted(m for m in ('sqlalchemy', 'pydantic', 'textual', 'alembic') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_store_at_another_revision_is_read_the_ordinary_way(demo_path, monkeypatch):
    from workbench.services import dashboard_compiled

    monkeypatch.setattr(dashboard_compiled, "REVISION", "0000")   # SQL compiled for another schema
    with pytest.raises(firstscreen.QuickReadError):
        _quick(demo_path, "m.shanwei")
    # The child falls back to opening the store the ordinary way, and reads the same.
    first = firstscreen.prefetch(lambda: open_store(demo_path), "m.shanwei", available_for,
                                 lambda: _quick(demo_path, "m.shanwei"))
    assert first is not None and first.signed_in() is not None
    view = first.view()
    first.close()
    wb = open_store(demo_path)
    try:
        assert view == wb.run(dashboard.load_dashboard, wb.sign_in("m.shanwei"), available_for("merchant"))
    finally:
        wb.close()


def test_the_quick_reader_never_creates_a_store_nor_signs_in_a_stranger(demo_path, tmp_path):
    missing = tmp_path / "nowhere.db"
    with pytest.raises(firstscreen.QuickReadError):
        _quick(missing, "m.shanwei")
    assert not missing.exists()
    with pytest.raises(firstscreen.QuickReadError):
        _quick(demo_path, "nobody")


def test_a_child_that_cannot_sign_in_answers_none_and_is_reaped(demo_path):
    first = firstscreen.prefetch(lambda: open_store(demo_path), "nobody", available_for)
    assert first is not None
    pid = first.pid
    assert first.signed_in() is None
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)                    # already reaped: no zombie left behind


def test_the_lazy_store_opens_once_passes_on_listeners_and_raises_what_opening_raised(demo_path):
    opened, heard, ready = [], [], threading.Event()

    def build():
        opened.append(1)
        return open_store(demo_path)

    lazy = firstscreen.LazyWorkbench(build)
    lazy.on_change(lambda: heard.append("change"))
    lazy.when_ready(ready.set)
    waited = []
    user = threading.Thread(target=lambda: waited.append(lazy.sign_in("m.shanwei")))
    user.start()                                       # a use waits for the store ...
    time.sleep(0.3)
    assert not opened and not waited                   # ... and does not start opening it
    lazy.start()
    user.join(10)
    assert ready.wait(5) and opened == [1]
    actor = waited[0]
    from workbench.services.notifications import MarkRead, mark_read

    lazy.run(mark_read, actor, MarkRead(ids=None))
    assert heard == ["change"]
    lazy.start()
    assert opened == [1]
    lazy.close()

    broken = firstscreen.LazyWorkbench(lambda: (_ for _ in ()).throw(RuntimeError("disk gone")))
    broken.start()
    with pytest.raises(RuntimeError, match="disk gone"):
        broken.get()


@pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")
def test_workbench_run_paints_the_dashboard_then_works_on_the_store_it_opens_behind(demo_path, tmp_path):
    socket, name = f"wb-first-{os.getpid()}", "first"
    done = tmp_path / "exit-code"
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/"), "LANG": "C.UTF-8",
           "TERM": "screen-256color", "WORKBENCH_NOW": DEMO_NOW, "WORKBENCH_LANG": "zh"}
    command = ("env -i " + " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items()) + " "
               + shlex.join([sys.executable, "-m", "workbench", "run", "--db", str(demo_path), "--as", "m.shanwei",
                             "--no-scheduler"]) + f"; echo $? > {shlex.quote(str(done))}; sleep 30")

    def tmux(*args: str) -> str:
        return subprocess.run(["tmux", "-L", socket, *args], check=True, capture_output=True, text=True).stdout

    def wait_for(*texts: str) -> str:
        deadline = time.monotonic() + 30
        while True:
            screen = tmux("capture-pane", "-p", "-t", name)
            if all(t in screen for t in texts):
                return screen
            if time.monotonic() > deadline:
                raise AssertionError(f"{texts} not on screen:\n{screen}")
            time.sleep(0.05)

    tmux("new-session", "-d", "-s", name, "-x", "120", "-y", "40", f"cd {shlex.quote(str(ROOT))} && {command}")
    try:
        wait_for("待办事项", "核心数据", "可用余额", "¥")
        tmux("send-keys", "-t", name, "f")                # the fund account: read through the store opened behind
        wait_for("充值记录")
        tmux("send-keys", "-t", name, "Escape")
        wait_for("待办事项")
        tmux("send-keys", "-t", name, "C-q")
        deadline = time.monotonic() + 15
        while not done.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert done.read_text().strip() == "0"
    finally:
        subprocess.run(["tmux", "-L", socket, "kill-server"], capture_output=True)


@pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")
def test_an_unknown_user_gets_the_ordinary_message_and_exit_code(demo_path, tmp_path):
    socket, name = f"wb-first-unknown-{os.getpid()}", "first"
    out = tmp_path / "out"
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/"), "LANG": "C.UTF-8",
           "TERM": "screen-256color", "WORKBENCH_NOW": DEMO_NOW, "WORKBENCH_LANG": "zh"}
    command = ("env -i " + " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items()) + " "
               + shlex.join([sys.executable, "-m", "workbench", "run", "--db", str(demo_path), "--as", "nobody",
                             "--no-scheduler"]) + f" 2> {shlex.quote(str(out))}; echo $? >> {shlex.quote(str(out))}")
    subprocess.run(["tmux", "-L", socket, "new-session", "-d", "-s", name, "-x", "100", "-y", "30",
                    f"cd {shlex.quote(str(ROOT))} && {command}; sleep 30"], check=True)
    try:
        deadline = time.monotonic() + 30
        while not (out.exists() and out.read_text().strip().splitlines()[-1:] and
                   out.read_text().strip().splitlines()[-1].isdigit()):
            assert time.monotonic() < deadline, out.read_text() if out.exists() else "no output"
            time.sleep(0.05)
        text = out.read_text()
        assert text.strip().splitlines()[-1] == "2" and "workbench: --as: 没有这个用户: nobody" in text
    finally:
        subprocess.run(["tmux", "-L", socket, "kill-server"], capture_output=True)
