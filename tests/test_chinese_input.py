"""Chinese input everywhere: typed through an input method, pasted, and edited over wide characters.

An input method composes in the terminal emulator and then sends the committed text as UTF-8,
several characters in one read; a paste arrives as a bracketed paste (ESC[200~ … ESC[201~). Both
are sent here through the real app: `workbench run` in a tmux pane (120×40 and 80×24), and
`workbench serve ssh` with a real SSH client, whose bytes may be cut in the middle of a character.
The screen is read back with the terminal's cursor cell (where an input method opens its
composition window), and what was submitted is read back from the store through the services.
"""

from __future__ import annotations

import asyncio
import codecs
import shlex
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import TypeVar

import asyncssh
import pytest
from rich.cells import cell_len
from textual import events
from textual.app import App, ComposeResult

from bench.app_bench import _env, _quote, _tmux
from screens.app import WorkbenchApp
from screens.widgets.form import FieldSpec, Form, TextInput
from tests.conftest import DEMO_NOW, open_store
from tests.test_ssh import CSI, Server, Terminal, connect
from tests.tui_helpers import settle
from workbench.bootstrap import Workbench
from workbench.services import keys, orders, task_views
from workbench.services.base import SYSTEM

ROOT = Path(__file__).resolve().parent.parent
T = TypeVar("T")
REASON = "直播间样品破损"
MIXED = "（2罐）漏气，SKU-07 ❌"          # full-width brackets and comma, ASCII, an emoji


# ---- the field itself, in the pilot ------------------------------------------------------------

class OneField(App):
    def compose(self) -> ComposeResult:
        yield Form([FieldSpec("reason", "原因")])


def _caret(field: TextInput) -> int:
    """The terminal cursor's column inside the field."""
    return field.cursor_screen_offset.x - field.content_region.x


async def test_the_terminal_cursor_sits_on_the_caret_over_wide_and_composed_characters():
    app = OneField()
    async with app.run_test(size=(60, 10)) as pilot:
        field = app.query_one(TextInput)
        field.focus()
        await pilot.pause()
        assert _caret(field) == 0 and app.cursor_position == field.cursor_screen_offset
        field.insert_text_at_cursor(REASON)          # an input method's commit: seven characters at once
        await pilot.pause()
        assert _caret(field) == 14                   # right after the last character, not a cell beyond
        assert app.cursor_position == field.cursor_screen_offset
        await pilot.press("left", "left")
        assert _caret(field) == 10
        field.insert_text_at_cursor("e\u0301👍🏻")    # é as e + a combining accent, a thumb with a skin tone
        await pilot.pause()
        assert field.value == "直播间样品e\u0301👍🏻破损" and _caret(field) == 10 + 1 + 2
        await pilot.press("left")                    # over the thumb and its tone: one step
        assert _caret(field) == 11 and field.cursor_position == 7
        await pilot.press("left")                    # over é: one step, never between e and its accent
        assert _caret(field) == 10 and field.cursor_position == 5
        await pilot.press("right", "backspace")     # Backspace takes é whole
        assert field.value == "直播间样品👍🏻破损" and _caret(field) == 10
        await pilot.press("delete")                  # Delete takes the thumb and its tone
        assert field.value == "直播间样品破损"
        await pilot.press("home")
        assert _caret(field) == 0
        await pilot.press("end")
        assert _caret(field) == 14
        field.insert_text_at_cursor("，外包装也压坏了，需要退回重新寄样" * 3)   # longer than the field: it scrolls
        await pilot.pause()
        region = field.content_region
        assert field.scroll_offset.x > 0
        assert app.cursor_position == field.cursor_screen_offset    # placed after the scroll, not before
        assert region.x < app.cursor_position.x < region.right
        assert field.cursor_screen_offset.x - region.x == (
            cell_len(field.value) - field.scroll_offset.x)


async def test_a_paste_of_several_lines_is_kept_whole_in_a_one_line_field():
    """Input keeps the first line of a paste only: a reason copied from a chat lost the rest."""
    app = OneField()
    async with app.run_test(size=(60, 10)) as pilot:
        field = app.query_one(TextInput)
        field.focus()
        field.insert_text_at_cursor("样品：")
        app.post_message(events.Paste("外包装压坏\r\n\n  两罐漏气\t已拍照\x1b[31m\n"))
        await pilot.pause()
        assert field.value == "样品：外包装压坏 两罐漏气 已拍照[31m"
        assert _caret(field) == cell_len(field.value)


async def test_keys_that_arrive_together_are_applied_in_the_order_they_were_typed():
    """Over SSH several keys often come in one packet: an arrow, Backspace or Home must act before
    the characters that follow it, not after them."""
    app = OneField()
    async with app.run_test(size=(60, 10)) as pilot:
        field = app.query_one(TextInput)
        field.focus()
        await pilot.pause()
        burst = [*"abc", "backspace", "backspace", *"XYZ", "left", "left", "left", "left", *"直播",
                 "home", "中", "end", "。", "left", "delete"]
        for key in burst:                            # all queued before the app handles the first
            app.post_message(events.Key(key, key if len(key) == 1 else None))
        await pilot.pause(0.2)
        assert field.value == "中直播aXYZ"
        assert _caret(field) == cell_len("中直播aXYZ")


def test_a_webhook_address_pasted_with_chinese_is_kept_percent_encoded_and_the_push_arrives(demo):
    """Chinese in a robot's address used to be stored as typed and then fail to encode in the push."""
    from workbench import push
    from workbench.services import webhooks

    paths: list[str] = []

    class Robot(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            paths.append(self.path)
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b'{"code": 0}')

        def log_message(self, *_args) -> None:
            pass

    robot = HTTPServer(("127.0.0.1", 0), Robot)
    threading.Thread(target=robot.serve_forever, daemon=True).start()
    try:
        merchant = demo.sign_in("m.shanwei")
        typed = f"http://127.0.0.1:{robot.server_port}/机器人/hook?key=测试"
        prefs = demo.run(webhooks.update_prefs, merchant,
                         webhooks.UpdatePrefs.parse(webhook_url=typed, webhook_format="feishu"))
        assert prefs.webhook_url == (f"http://127.0.0.1:{robot.server_port}"
                                     "/%E6%9C%BA%E5%99%A8%E4%BA%BA/hook?key=%E6%B5%8B%E8%AF%95")
        sent = push.post(webhooks.Push(1, prefs.webhook_url, "feishu", {"msg_type": "text"}, 1))
    finally:
        robot.shutdown()
    assert sent is None
    assert paths == ["/%E6%9C%BA%E5%99%A8%E4%BA%BA/hook?key=%E6%B5%8B%E8%AF%95"]


def test_snapshot_close_dialog_with_chinese_typed_and_the_caret_inside_it(snap_compare, demo_path):
    """The order close dialog (120×40) holding Chinese, full-width punctuation, ASCII and an emoji,
    the caret on 破 after two steps left: nothing cut, doubled or shifted."""
    wb = open_store(demo_path)
    try:
        app = WorkbenchApp(wb, wb.sign_in("c.dingdang"))

        async def go(pilot):
            await settle(pilot)
            app.action_open("order_detail", order_id=4)
            await settle(pilot)
            await pilot.press("c")
            await settle(pilot)
            app.screen.query_one("#field-return_tracking", TextInput).value = "顺丰 SF1234567890"
            app.screen.query_one("#field-reason", TextInput).insert_text_at_cursor(MIXED + REASON)
            await pilot.press("left", "left")
            await settle(pilot)

        assert snap_compare(app, terminal_size=(120, 40), run_before=go)
    finally:
        wb.close()


# ---- tmux: the real app in a real terminal ------------------------------------------------------

def _stored(db: Path, read: Callable[[Workbench], T], done: Callable[[T], object], timeout: float = 30.0) -> T:
    """What the store holds once `done` says the submitted change is there (read through services)."""
    wb = open_store(db)
    try:
        deadline = time.monotonic() + timeout
        while not done(value := read(wb)) and time.monotonic() < deadline:
            time.sleep(0.1)
        return value
    finally:
        wb.close()


class Pane:
    """`workbench run` in a tmux pane on a private tmux server, driven by keys and read back."""

    def __init__(self, socket: str, name: str, store: Path, handle: str, size: tuple[int, int]) -> None:
        self.socket, self.name = socket, name
        env = _env(WORKBENCH_NOW=DEMO_NOW, LANG="C.UTF-8")
        command = f"cd {shlex.quote(str(ROOT))} && " + _quote(env, [
            sys.executable, "-m", "workbench", "run", "--db", str(store), "--as", handle, "--no-scheduler"])
        self.tmux("new-session", "-d", "-s", name, "-x", str(size[0]), "-y", str(size[1]), command)

    def tmux(self, *args: str) -> str:
        return _tmux("-u", "-L", self.socket, *args)     # -u: the pane speaks UTF-8 whatever the locale

    def type(self, text: str) -> None:
        """What an input method sends once the user picks the characters: the text, in one write."""
        self.tmux("send-keys", "-t", self.name, "-l", text)

    def paste(self, text: str) -> None:
        self.tmux("set-buffer", "-b", self.name, text)
        self.tmux("paste-buffer", "-p", "-d", "-b", self.name, "-t", self.name)   # -p: bracketed

    def keys(self, *keys: str) -> None:
        for key in keys:
            self.tmux("send-keys", "-t", self.name, key)

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", self.name)

    def cursor(self) -> tuple[int, int]:
        x, y = self.tmux("display-message", "-p", "-t", self.name, "#{cursor_x} #{cursor_y}").split()
        return int(x), int(y)

    def wait(self, ready: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while not ready():
            if time.monotonic() > deadline:
                raise AssertionError(f"{what} not seen after {timeout} s:\n{self.screen()}")
            time.sleep(0.05)

    def wait_for(self, text: str, timeout: float = 30.0) -> None:
        self.wait(lambda: text in self.screen(), repr(text), timeout)

    def line_with(self, text: str) -> tuple[int, str]:
        for y, line in enumerate(self.screen().splitlines()):
            if text in line:
                return y, line
        raise AssertionError(f"{text!r} not on screen:\n{self.screen()}")

    def wait_caret(self, text: str, cells_in: int) -> None:
        """Wait until `text` is on screen with the terminal cursor `cells_in` cells after its start."""
        def there() -> bool:
            try:
                y, line = self.line_with(text)
            except AssertionError:
                return False
            start = cell_len(line[:line.index(text)])
            return self.cursor() == (start + cells_in, y)
        self.wait(there, f"the cursor {cells_in} cells into {text!r}", 15.0)


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[Callable[..., Pane]]:
    if shutil.which("tmux") is None:
        pytest.skip("needs tmux")
    socket = f"wb-cjk-{tmp_path.name}"

    def pane(store: Path, handle: str, size: tuple[int, int]) -> Pane:
        return Pane(socket, "cjk", store, handle, size)

    yield pane
    subprocess.run(["tmux", "-L", socket, "kill-server"], capture_output=True)


@pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=["120x40", "80x24"])
def test_a_close_reason_typed_by_ime_and_pasted_in_tmux_reaches_the_store(tmux, demo_path, size):
    pane = tmux(demo_path, "c.dingdang", size)
    pane.wait_for("待办事项")
    pane.keys("o")
    pane.wait(lambda: "直播通订单" in (screen := pane.screen()) and "坚果年货礼盒" in screen, "the order list")
    pane.keys("Enter")
    pane.wait_for("排期截止")
    pane.keys("c")
    pane.wait_for("关闭原因")
    # The dialog opens with the terminal cursor in the empty reason field: the first word composed
    # through an input method is shown there, not in a corner of the screen.
    _y, label = pane.line_with("关闭原因")
    column = cell_len(label[:label.index("关闭原因")])
    pane.wait(lambda: pane.cursor()[0] == column, "the cursor in the reason field")

    pane.type(REASON)
    pane.wait_caret(REASON, 14)
    pane.keys("Left", "Left")                         # between 品 and 破
    pane.wait_caret(REASON, 10)
    pane.paste(MIXED)                                 # pasted into the middle
    typed = "直播间样品" + MIXED + "破损"
    pane.wait_caret(typed, 10 + cell_len(MIXED))
    pane.keys("Home")
    pane.wait_caret(typed, 0)
    pane.keys("Right", "Right", "Right", "BSpace")    # Backspace over a wide character removes it whole
    shown = "直播样品" + MIXED + "破损"
    pane.wait_caret(shown, 4)
    pane.keys("End")
    pane.wait_caret(shown, cell_len(shown))
    pane.keys("Tab")
    pane.paste("顺丰 SF1234567890")
    pane.wait_for("顺丰 SF1234567890")
    pane.keys("C-y")                                  # a closing is confirmed with Ctrl+Y, not Enter

    detail = _stored(demo_path, lambda wb: wb.run(orders.order_detail, wb.sign_in("c.dingdang"), 4),
                     lambda d: d.close_reason)
    assert detail.close_reason == shown
    assert detail.return_tracking == "顺丰 SF1234567890"


def test_the_creator_square_search_takes_a_chinese_commit_in_tmux(tmux, demo_path):
    pane = tmux(demo_path, "m.shanwei", (120, 40))
    pane.wait_for("待办事项")
    pane.keys("s")
    pane.wait_for("最低场均观看")
    pane.wait_for("林妈妈育儿记")
    pane.keys("/")
    y, _line = pane.line_with("搜索昵称、简介")
    pane.wait(lambda: pane.cursor()[1] == y, "the cursor in the search field")
    pane.type("叮当")
    pane.wait(lambda: "叮当姐姐" in pane.screen() and "林妈妈育儿记" not in pane.screen(),
              "only 叮当姐姐 listed")
    assert "(1)" in pane.line_with("主播广场")[1]


# ---- a real SSH session ---------------------------------------------------------------------

USERS = ("c.dingdang", "c.xiaoyu")


@pytest.fixture(scope="module")
def user_keys() -> dict[str, asyncssh.SSHKey]:
    return {handle: asyncssh.generate_private_key("ssh-ed25519") for handle in USERS}


@pytest.fixture(scope="module")
def server(demo_template: Path, tmp_path_factory: pytest.TempPathFactory,
           user_keys: dict[str, asyncssh.SSHKey]) -> Iterator[Server]:
    path = tmp_path_factory.mktemp("ssh-cjk") / "store.db"
    shutil.copy(demo_template, path)
    wb = open_store(path)
    for handle in USERS:
        wb.run(keys.add_key, SYSTEM, keys.AddKey.parse(
            handle=handle, public_key=user_keys[handle].export_public_key().decode()))
    wb.close()
    s = Server(path, path.parent)
    yield s
    s.stop()


async def _press(term: Terminal, keys: bytes, text: str, timeout: float = 20.0) -> None:
    """Press `keys`, then wait for `text` in what the session sends from then on."""
    mark = len(term.raw)
    term.press(keys)
    deadline = time.monotonic() + timeout
    while text not in CSI.sub(b"", bytes(term.raw[mark:])).decode("utf-8", "replace"):
        if time.monotonic() > deadline:
            raise AssertionError(f"{text!r} not on screen after {timeout} s:\n{term.text[-1500:]}")
        await asyncio.sleep(0.05)


def _split_inside_characters(data: bytes) -> list[bytes]:
    """The bytes cut where a network might cut them: inside multi-byte characters."""
    cuts = [i for i in range(1, len(data)) if data[i] & 0xC0 == 0x80][::3]
    return [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)])]


@pytest.mark.serial
async def test_over_ssh_without_lang_split_and_pasted_chinese_reaches_the_store(server, user_keys):
    """No LANG from the client at all: the session still reads and writes UTF-8."""
    term = await Terminal.open(server.port, user_keys["c.dingdang"], size=(120, 40))
    try:
        await term.wait_for("待办事项", 20)
        await _press(term, b"o", "坚果年货礼盒")               # the order list, with its row
        await _press(term, b"\r", "排期截止")
        await _press(term, b"c", "关闭原因")
        term.press(REASON.encode())                            # one write, as an input method commits
        pieces = _split_inside_characters(MIXED.encode())
        assert len(pieces) > 2 and any(p[-1] & 0x80 for p in pieces[:-1])
        for piece in pieces:                                   # cut inside characters, sent apart
            term.press(piece)
            await asyncio.sleep(0.05)
        await term.wait_for(REASON + MIXED, 20)
        term.press(b"\t")
        paste = b"\x1b[200~" + "顺丰 SF1234567890".encode() + b"\x1b[201~"
        term.press(paste[:9])                                  # the paste cut inside 顺
        await asyncio.sleep(0.05)
        term.press(paste[9:])
        await term.wait_for("顺丰 SF1234567890", 20)
        term.press(b"\x19")                                   # Ctrl+Y confirms
        detail = await asyncio.to_thread(
            _stored, server.db, lambda wb: wb.run(orders.order_detail, wb.sign_in("c.dingdang"), 4),
            lambda d: d.close_reason)
    finally:
        await term.close()
    assert detail.close_reason == REASON + MIXED
    assert detail.return_tracking == "顺丰 SF1234567890"


@pytest.mark.serial
async def test_over_ssh_a_gbk_client_locale_gets_utf8_and_stray_bytes_do_not_end_the_session(
        server, user_keys):
    """A client that says GBK still gets UTF-8; bytes that are not UTF-8 become U+FFFD in the field
    (before, the first one ended the session), and the user can delete them and go on."""
    term = await Terminal.open(server.port, user_keys["c.xiaoyu"], size=(80, 24),
                               env={"LANG": "zh_CN.GBK", "LC_ALL": "zh_CN.GB18030"})
    try:
        await term.wait_for("待办事项", 20)
        await _press(term, b"t", "上海青妍生物科技有限公司")   # the task list, with its rows
        await _press(term, b"\r", "冻结金额")
        await _press(term, b"x", "拒绝任务 #14?")
        term.press("中".encode("gbk") + b"\xff")                 # a GBK character and a stray byte
        await term.wait_for("\ufffd\ufffd\ufffd", 20)
        term.press(b"\x7f\x7f\x7f")                              # Backspace, three times
        term.press("档期冲突，改到下周".encode())
        await term.wait_for("档期冲突，改到下周", 20)
        term.press(b"\x19")                                   # Ctrl+Y confirms
        task = await asyncio.to_thread(
            _stored, server.db, lambda wb: wb.run(task_views.task_detail, wb.sign_in("c.xiaoyu"), 14),
            lambda t: t.cancel_reason)
    finally:
        await term.close()
    assert task.cancel_reason == "档期冲突，改到下周"


@pytest.mark.serial
async def test_a_cli_command_over_ssh_takes_and_prints_chinese(server, user_keys):
    async with await connect(server.port, user_keys["c.dingdang"]) as conn:
        result = await conn.run("workbench creators search --text 叮当 --json", encoding=None)
    out = codecs.decode(result.stdout, "utf-8")
    assert result.exit_status == 0, result.stderr
    assert "叮当姐姐" in out and "林妈妈育儿记" not in out
