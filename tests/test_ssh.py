"""Over SSH: a real SSH client signs in with a key, sees its own dashboard, and is refused the rest.

Servers run as `workbench serve ssh` subprocesses on free loopback ports, on a copy of the demo
store; failure tests connect from their own loopback address (127.0.0.x) so that blocking one
address never touches the others.
"""

from __future__ import annotations

import asyncio
import fcntl
import json
import os
import re
import select
import shutil
import signal
import socket
import sqlite3
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Iterator
from pathlib import Path

import asyncssh
import pytest

from tests.conftest import DEMO_NOW, open_store
from workbench.domain.errors import DomainError, Forbidden
from workbench.services import keys
from workbench.services.base import SYSTEM

ENV = {**os.environ, "WORKBENCH_NOW": DEMO_NOW, "WORKBENCH_LANG": "zh"}
ENV.pop("WORKBENCH_DB", None)
# Its figures (a screen within 2 s, twenty sessions at once) are timings: run with the machine
# to itself, after the parallel part of make test.
pytestmark = pytest.mark.serial
USERS = ("m.shanwei", "c.xiaoyu", "s.lin")
NAMES = {"m.shanwei": "山味集运营·陈晓"}
CSI = re.compile(rb"\x1b\[[0-9;?<>=$]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)|\x1b[()][A-Z0-9]")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`workbench serve ssh` in a subprocess, stopped with SIGTERM when the test is done."""

    def __init__(self, db: Path, folder: Path, *options: str) -> None:
        self.db = db
        self.port = free_port()
        self.log = folder / f"server-{self.port}.log"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "workbench", "serve", "ssh", "--db", f"sqlite:///{db}",
             "--port", str(self.port), "--host-key", str(folder / "host_key"), *options],
            env=ENV, stdout=subprocess.PIPE, stderr=self.log.open("w"), text=True)
        ready, _, _ = select.select([self.proc.stdout], [], [], 60)
        line = self.proc.stdout.readline() if ready else ""
        if "listening" not in line:
            self.stop()
            raise AssertionError(f"server did not start: {line!r}\n{self.log.read_text()}")

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    def user_id(self, handle: str) -> int:
        with sqlite3.connect(self.db) as db:
            return db.execute("SELECT id FROM users WHERE handle = ?", (handle,)).fetchone()[0]

    def audit(self, action: str | None = None) -> list[tuple[str, int | None, dict]]:
        with sqlite3.connect(self.db) as db:
            rows = db.execute("SELECT action, actor_id, detail FROM audit_log WHERE action LIKE 'ssh.%' "
                              "ORDER BY id").fetchall()
        return [(a, u, json.loads(d)) for a, u, d in rows if action is None or a == action]


class Terminal:
    """One interactive session: a PTY, everything the server sent, and a way to wait for text."""

    def __init__(self, conn: asyncssh.SSHClientConnection, proc: asyncssh.SSHClientProcess) -> None:
        self.conn, self.proc = conn, proc
        self.raw = bytearray()
        self._arrived = asyncio.Event()
        self._reader = asyncio.ensure_future(self._read())

    @classmethod
    async def open(cls, port: int, key: asyncssh.SSHKey, size: tuple[int, int] = (100, 30),
                   **options) -> "Terminal":
        conn = await connect(port, key, **options)
        proc = await conn.create_process(term_type="xterm-256color", term_size=size, encoding=None)
        return cls(conn, proc)

    async def _read(self) -> None:
        while data := await self.proc.stdout.read(1 << 16):
            self.raw += data
            self._arrived.set()
        self._arrived.set()

    @property
    def text(self) -> str:
        return CSI.sub(b"", bytes(self.raw)).decode("utf-8", "replace")

    async def wait_for(self, text: str, timeout: float = 10.0) -> float:
        started = time.monotonic()
        wanted = text.encode()
        while wanted not in self.raw and text not in self.text:
            self._arrived.clear()
            left = timeout - (time.monotonic() - started)
            if left <= 0 or self._reader.done():
                raise AssertionError(f"{text!r} not on screen after {timeout} s:\n{self.text[-1500:]}")
            try:
                await asyncio.wait_for(self._arrived.wait(), left)
            except asyncio.TimeoutError:
                pass
        return time.monotonic() - started

    def press(self, keys: bytes) -> None:
        self.proc.stdin.write(keys)

    async def close(self) -> None:
        self._reader.cancel()
        self.conn.close()
        await self.conn.wait_closed()


async def connect(port: int, key: asyncssh.SSHKey | None, source: str | None = None,
                  **options) -> asyncssh.SSHClientConnection:
    return await asyncssh.connect(
        "127.0.0.1", port, username=options.pop("username", "workbench"),
        client_keys=[key] if key else None, known_hosts=None, agent_path=None,
        local_addr=(source, 0) if source else None, **options)


# ---- fixtures ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def user_keys() -> dict[str, asyncssh.SSHKey]:
    return {handle: asyncssh.generate_private_key("ssh-ed25519") for handle in (*USERS, "stranger")}


@pytest.fixture(scope="module")
def store(demo_template: Path, tmp_path_factory: pytest.TempPathFactory,
          user_keys: dict[str, asyncssh.SSHKey]) -> Path:
    path = tmp_path_factory.mktemp("ssh") / "store.db"
    shutil.copy(demo_template, path)
    wb = open_store(path)
    for handle in USERS:
        wb.run(keys.add_key, SYSTEM, keys.AddKey.parse(
            handle=handle, public_key=user_keys[handle].export_public_key().decode()))
    wb.close()
    return path


@pytest.fixture(scope="module")
def server(store: Path) -> Iterator[Server]:
    s = Server(store, store.parent, "--max-sessions", "40", "--max-per-user", "25",
               "--max-failed-logins", "3", "--block-time", "60")
    yield s
    s.stop()


# ---- signing in --------------------------------------------------------------------------------

async def test_a_key_signs_in_as_its_user_who_sees_the_dashboard_and_types(server, user_keys):
    term = await Terminal.open(server.port, user_keys["m.shanwei"])
    assert await term.wait_for("待办事项", 2.0) < 2.0
    await term.wait_for(NAMES["m.shanwei"])       # the header names the key's user
    assert b";5;" in term.raw and b"38;2;" not in term.raw   # TERM says 256 colours, no COLORTERM
    await term.wait_for("待寄样")                 # the merchant's own to-do, loaded from the store
    term.press(b"n")                              # notifications
    await term.wait_for("全部已读")
    term.press(b"\x11")                           # Ctrl+Q quits the session
    await asyncio.wait_for(term.proc.wait(), 10)
    assert term.proc.exit_status == 0
    await term.close()
    await asyncio.sleep(0.3)
    logins = [d for _a, _u, d in server.audit("ssh.login")]
    assert logins and logins[-1]["address"] == "127.0.0.1"
    assert server.audit("ssh.logout")[-1][2]["address"] == "127.0.0.1"


@pytest.mark.skipif(shutil.which("ssh") is None, reason="needs the OpenSSH client")
def test_openssh_in_a_terminal_gets_the_dashboard_and_quits(server, user_keys, tmp_path):
    key_file = tmp_path / "id_ed25519"
    key_file.write_bytes(user_keys["c.xiaoyu"].export_private_key())
    key_file.chmod(0o600)
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    ssh = subprocess.Popen(
        ["ssh", "-tt", "-p", str(server.port), "-i", str(key_file), "-o", "IdentitiesOnly=yes",
         "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes",
         "-F", "/dev/null", "xiaoyu@127.0.0.1"],
        stdin=slave, stdout=slave, stderr=slave, env={**ENV, "TERM": "screen-256color"},
        start_new_session=True)
    os.close(slave)
    seen = bytearray()

    def read_until(text: bytes, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while text not in CSI.sub(b"", bytes(seen)) and time.monotonic() < deadline:
            if select.select([master], [], [], 0.2)[0]:
                try:
                    seen.extend(os.read(master, 1 << 16))
                except OSError:          # the client has closed the terminal
                    break
        return text in CSI.sub(b"", bytes(seen))

    try:
        assert read_until("待办事项".encode(), 10), seen[-800:]
        os.write(master, b"\x11")                    # Ctrl+Q
        read_until(b"\x00never", 5)                  # keep reading while the session ends
        assert ssh.wait(10) == 0
    finally:
        if ssh.poll() is None:
            ssh.kill()
            ssh.wait()
        os.close(master)
    term = [d["term"] for _a, u, d in server.audit("ssh.session") if u == server.user_id("c.xiaoyu")]
    assert term[-1] == "screen-256color"


async def test_two_users_see_only_their_own_data(server, user_keys):
    merchant = await Terminal.open(server.port, user_keys["m.shanwei"])
    creator = await Terminal.open(server.port, user_keys["c.xiaoyu"])
    await merchant.wait_for("待办事项")
    await creator.wait_for("待办事项")
    await merchant.wait_for(NAMES["m.shanwei"])
    assert NAMES["m.shanwei"] not in creator.text
    # A script gets the key's user too, whatever --as it asks for.
    conn = await connect(server.port, user_keys["c.xiaoyu"])
    mine = await conn.run("workbench dashboard show --json --as m.shanwei", encoding="utf-8")
    assert mine.exit_status == 0, mine.stderr
    assert json.loads(mine.stdout)["role"] == "creator"
    assert json.loads(mine.stdout)["user"] != NAMES["m.shanwei"]
    listed = await conn.run("workbench users keys --json", encoding="utf-8")
    assert [k["handle"] for k in json.loads(listed.stdout)] == ["c.xiaoyu"]
    conn.close()
    for term in (merchant, creator):
        await term.close()


async def test_the_user_cannot_switch_to_another_user_in_the_session(server, user_keys):
    term = await Terminal.open(server.port, user_keys["c.xiaoyu"])
    await term.wait_for("待办事项")
    assert "切换用户" not in term.text
    mark = len(term.raw)
    term.press(b"u")
    await asyncio.sleep(0.8)
    assert "选择用户" not in CSI.sub(b"", bytes(term.raw[mark:])).decode("utf-8", "replace")
    await term.close()


async def test_an_unknown_key_a_password_and_keyboard_interactive_are_refused(server, user_keys):
    with pytest.raises(asyncssh.PermissionDenied):
        await connect(server.port, user_keys["stranger"], source="127.0.0.2")
    with pytest.raises(asyncssh.PermissionDenied):
        await connect(server.port, None, source="127.0.0.2", password="secret",
                      preferred_auth="password")
    with pytest.raises(asyncssh.PermissionDenied):
        await connect(server.port, None, source="127.0.0.2", kbdint_auth=True, password="secret",
                      preferred_auth="keyboard-interactive")
    await asyncio.sleep(0.5)
    refused = [d for _a, _u, d in server.audit("ssh.refused") if d["address"] == "127.0.0.2"]
    assert len(refused) == 3
    assert user_keys["stranger"].get_fingerprint() in refused[0]["keys"]


async def test_forwarding_subsystems_and_other_commands_are_refused(server, user_keys):
    conn = await connect(server.port, user_keys["m.shanwei"])
    with pytest.raises(asyncssh.ChannelOpenError):
        await conn.open_connection("127.0.0.1", server.port)           # local forward
    with pytest.raises(asyncssh.ChannelListenError):
        await conn.forward_remote_port("127.0.0.1", 0, "127.0.0.1", 22)
    with pytest.raises(asyncssh.ChannelOpenError):
        await conn.run("sh -c id")
    with pytest.raises((asyncssh.ChannelOpenError, asyncssh.SFTPError)):
        await conn.start_sftp_client()
    demo = await conn.run("workbench demo", encoding="utf-8")
    assert demo.exit_status == 2 and "workbench demo" in demo.stderr
    other_store = await conn.run("workbench orders list --db /tmp/other.db", encoding="utf-8")
    assert other_store.exit_status == 2 and "--db" in other_store.stderr
    no_pty = await conn.run(encoding="utf-8")
    assert no_pty.exit_status == 1 and "ssh -t" in no_pty.stderr
    conn.close()
    await asyncio.sleep(0.3)
    reasons = [d["reason"] for _a, _u, d in server.audit("ssh.refused")]
    for reason in ("local forward", "remote forward", "exec", "subsystem", "no terminal"):
        assert reason in reasons


async def test_failed_logins_block_that_address_only(server, user_keys):
    for _ in range(3):
        with pytest.raises(asyncssh.PermissionDenied):
            await connect(server.port, user_keys["stranger"], source="127.0.0.3")
    await asyncio.sleep(0.3)
    with pytest.raises((asyncssh.Error, ConnectionError, OSError)):
        await connect(server.port, user_keys["m.shanwei"], source="127.0.0.3")
    other = await connect(server.port, user_keys["m.shanwei"], source="127.0.0.4")
    other.close()
    await asyncio.sleep(0.3)
    blocked = [d["address"] for _a, _u, d in server.audit("ssh.blocked")]
    assert "127.0.0.3" in blocked and "127.0.0.4" not in blocked


# ---- the session's terminal ------------------------------------------------------------------------

async def test_a_resize_reaches_the_session(server, user_keys):
    term = await Terminal.open(server.port, user_keys["m.shanwei"], size=(80, 24))
    await term.wait_for("待办事项")
    await asyncio.sleep(0.5)
    assert b"\x1b[40;" not in term.raw
    term.proc.change_terminal_size(120, 40)
    deadline = time.monotonic() + 3
    while b"\x1b[40;" not in term.raw and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    assert b"\x1b[40;" in term.raw           # a redraw reaching row 40: the child saw SIGWINCH
    await term.close()


async def test_a_crashed_session_leaves_the_others_running(server, user_keys):
    doomed = await Terminal.open(server.port, user_keys["m.shanwei"])
    await doomed.wait_for("待办事项")
    survivor = await Terminal.open(server.port, user_keys["c.xiaoyu"])
    await survivor.wait_for("待办事项")
    pid = [d for _a, u, d in server.audit("ssh.session") if u == server.user_id("m.shanwei")][-1]["pid"]
    os.kill(pid, signal.SIGKILL)
    await doomed.wait_for("会话意外结束")
    await asyncio.wait_for(doomed.proc.wait(), 5)
    survivor.press(b"n")
    await survivor.wait_for("全部已读")
    await doomed.close()
    await survivor.close()


async def test_sessions_survive_the_zygote_and_new_ones_still_start(server, user_keys):
    before = await Terminal.open(server.port, user_keys["s.lin"])
    await before.wait_for("待办事项")
    children = Path(f"/proc/{server.proc.pid}/task/{server.proc.pid}/children").read_text().split()
    zygote = next(int(p) for p in children if b"zygote_main" in Path(f"/proc/{p}/cmdline").read_bytes())
    os.kill(zygote, signal.SIGKILL)
    before.press(b"n")
    await before.wait_for("全部已读")
    after = await Terminal.open(server.port, user_keys["s.lin"])
    await after.wait_for("待办事项", 20)
    for term in (before, after):
        term.press(b"\x11")
        await asyncio.wait_for(term.proc.wait(), 10)
        assert term.proc.exit_status == 0
        await term.close()


async def test_twenty_concurrent_sessions_each_get_their_screen_within_two_seconds(server, user_keys):
    async def one(i: int) -> tuple[Terminal, float]:
        await asyncio.sleep(i * 0.4)          # people arrive one after another, then all stay on
        started = time.monotonic()
        term = await Terminal.open(server.port, user_keys[USERS[i % 3]])
        await term.wait_for("待办事项", 10)
        return term, time.monotonic() - started

    opened = await asyncio.gather(*(one(i) for i in range(20)))
    times = sorted(t for _term, t in opened)
    assert len(times) == 20
    assert all(not term.proc.stdout.at_eof() for term, _t in opened)   # all twenty still open
    assert times[-1] < 2.0, times
    await asyncio.gather(*(term.close() for term, _t in opened))


# ---- limits and shutdown -------------------------------------------------------------------------

async def test_idle_sessions_close_and_each_user_has_a_session_limit(store, user_keys, tmp_path):
    server = Server(store, tmp_path, "--idle-timeout", "1.5", "--max-per-user", "1", "--color", "truecolor")
    try:
        first = await Terminal.open(server.port, user_keys["s.lin"])
        await first.wait_for("待办事项")
        assert b"38;2;" in first.raw              # --color truecolor reached the session
        second = await Terminal.open(server.port, user_keys["s.lin"])
        await second.wait_for("已打开 1 个会话")
        await asyncio.wait_for(second.proc.wait(), 5)
        assert second.proc.exit_status == 1
        await first.wait_for("空闲超过", 6)
        await asyncio.wait_for(first.proc.wait(), 5)
        for term in (first, second):
            await term.close()
        await asyncio.sleep(0.3)
        assert [d["reason"] for _a, _u, d in server.audit("ssh.closed")] == ["idle"]
        assert "too many sessions for the user" in [d["reason"] for _a, _u, d in server.audit("ssh.refused")]
    finally:
        server.stop()


async def test_sigterm_tells_every_session_and_stops_cleanly(store, user_keys, tmp_path):
    server = Server(store, tmp_path)
    terms = [await Terminal.open(server.port, user_keys[h]) for h in ("m.shanwei", "c.xiaoyu")]
    for term in terms:
        await term.wait_for("待办事项")
    pids = [d["pid"] for _a, _u, d in server.audit("ssh.session")[-2:]]
    server.proc.send_signal(signal.SIGTERM)
    for term in terms:
        await term.wait_for("服务器正在停止", 10)
    assert await asyncio.get_running_loop().run_in_executor(None, server.proc.wait, 15) == 0
    for pid in pids:
        assert not Path(f"/proc/{pid}").exists()
    for term in terms:
        await term.close()
    assert len([1 for _a, _u, d in server.audit("ssh.closed") if d["reason"] == "shutdown"]) == 2
    assert len(server.audit("ssh.logout")) >= 2
    with sqlite3.connect(store) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_the_host_key_is_made_once_and_kept(tmp_path):
    from workbench.serve.ssh import load_host_key

    path = tmp_path / "keys" / "host_key"
    made = load_host_key(path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert load_host_key(path).export_public_key() == made.export_public_key()
    assert (tmp_path / "keys" / "host_key.pub").read_bytes() == made.export_public_key()


# ---- keys ----------------------------------------------------------------------------------------------

def test_a_key_file_gives_the_fingerprint_ssh_clients_show():
    key = asyncssh.generate_private_key("ssh-ed25519", comment="me@laptop")
    parsed = keys.parse_public_key(key.export_public_key().decode())
    assert parsed.fingerprint == key.get_fingerprint("sha256")
    assert parsed.comment == "me@laptop"
    for bad in ("", "ssh-ed25519", "ssh-ed25519 notbase64!", "ssh-dss AAAAB3NzaC1kc3M=",
                "ssh-rsa " + key.export_public_key().decode().split()[1],
                key.export_public_key().decode() * 2):
        with pytest.raises(DomainError) as err:
            keys.parse_public_key(bad)
        assert err.value.field == "public_key"


def test_keys_are_managed_by_their_user_or_support_staff(demo):
    key = asyncssh.generate_private_key("ssh-ed25519").export_public_key().decode()
    creator, merchant, support = (demo.sign_in(h) for h in ("c.xiaoyu", "m.shanwei", "s.lin"))
    with pytest.raises(Forbidden):
        demo.run(keys.add_key, merchant, keys.AddKey.parse(handle="c.xiaoyu", public_key=key))
    view = demo.run(keys.add_key, creator, keys.AddKey.parse(handle="c.xiaoyu", public_key=key))
    with pytest.raises(DomainError) as err:
        demo.run(keys.add_key, support, keys.AddKey.parse(handle="m.shanwei", public_key=key))
    assert err.value.field == "public_key"            # one key, one user
    assert [k.fingerprint for k in demo.run(keys.list_keys, support, "c.xiaoyu")] == [view.fingerprint]
    assert demo.run(keys.list_keys, merchant) == []
    assert demo.run(keys.key_owner, view.fingerprint).handle == "c.xiaoyu"
    demo.run(keys.remove_key, support, keys.RemoveKey.parse(handle="c.xiaoyu", fingerprint=view.fingerprint))
    assert demo.run(keys.key_owner, view.fingerprint) is None


def test_add_key_from_the_console_checks_the_file_and_audits(demo_path, tmp_path):
    key = asyncssh.generate_private_key("ssh-ed25519", comment="laptop")
    good, bad = tmp_path / "id.pub", tmp_path / "id"
    good.write_bytes(key.export_public_key())
    bad.write_bytes(key.export_private_key())
    cli = [sys.executable, "-m", "workbench", "users"]
    db = ["--db", str(demo_path)]
    refused = subprocess.run([*cli, "add-key", "c.xiaoyu", str(bad), *db], env=ENV, capture_output=True, text=True)
    assert refused.returncode == 2
    assert refused.stderr.startswith("workbench: public_key:") and len(refused.stderr.splitlines()) == 1
    added = subprocess.run([*cli, "add-key", "c.xiaoyu", str(good), *db], env=ENV, capture_output=True, text=True)
    assert added.returncode == 0, added.stderr
    assert key.get_fingerprint() in added.stdout
    with sqlite3.connect(demo_path) as conn:
        assert conn.execute("SELECT count(*) FROM ssh_keys").fetchone() == (1,)
        assert conn.execute("SELECT actor_id FROM audit_log WHERE action = 'ssh_key.add'").fetchall() == [(None,)]


def test_only_workbench_commands_run_over_ssh_and_always_as_the_keys_user():
    from workbench.serve.ssh import ExecRefused, exec_argv

    url = "sqlite:////srv/store.db"
    assert exec_argv("ls -la", "c.xiaoyu", url) is None
    assert exec_argv("workbench 'unclosed", "c.xiaoyu", url) is None
    argv = exec_argv("workbench dashboard show --json --as s.lin", "c.xiaoyu", url)
    assert argv[-4:] == ["--as", "c.xiaoyu", "--db", url]
    assert exec_argv("workbench users add-key c.xiaoyu -", "c.xiaoyu", url)
    for command in ("workbench demo", "workbench run", "workbench serve ssh", "workbench users",
                    "workbench scheduler --once", "workbench orders list --d /tmp/x.db",
                    "workbench funds import --csv /etc/passwd",
                    "workbench income export --out /tmp/x.xlsx",
                    "workbench users add-key c.xiaoyu /etc/ssh/key.pub", "workbench orders frobnicate"):
        with pytest.raises(ExecRefused) as refused:
            exec_argv(command, "c.xiaoyu", url)
        assert refused.value.status == 2, command
