"""A throwaway PostgreSQL server for the tests: Debian's binaries, a temporary cluster on loopback.

`PgServer.start()` finds initdb/pg_ctl (Debian keeps them in /usr/lib/postgresql/<version>/bin),
builds a cluster in a temporary directory with durability switched off (tests need speed, not
crash safety), listens on 127.0.0.1 at a free port and on a socket inside that directory, and
hands out a fresh database per test, copied from a migrated template. PostgreSQL refuses to run
as root, so under root the cluster belongs to the `postgres` user and the server runs as it.
"""

from __future__ import annotations

import glob
import os
import pwd
import shlex
import shutil
import socket
import subprocess
import tempfile
import time
from itertools import count
from pathlib import Path

USER = "workbench"


class PgUnavailable(Exception):
    """No PostgreSQL server could be started here; the message says why, in one line."""


def find_bindir() -> Path | None:
    """The newest Debian PostgreSQL bin directory, or wherever `initdb` is on PATH."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0)
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    return Path(on_path).resolve().parent if on_path else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgServer:
    def __init__(self, bindir: Path, root: Path, run_as: str | None) -> None:
        self.bindir = bindir
        self.root = root
        self.data = root / "data"
        self.log = root / "server.log"
        self.run_as = run_as
        self.port = 0
        self._names = count(1)

    # ---- life cycle ---------------------------------------------------------------------------

    @classmethod
    def start(cls) -> "PgServer":
        bindir = find_bindir()
        if bindir is None:
            raise PgUnavailable("PostgreSQL is not installed (no initdb found; "
                                "`bash tools/system-packages.sh` installs it)")
        run_as = None
        if os.geteuid() == 0:
            try:
                pwd.getpwnam("postgres")
            except KeyError:
                raise PgUnavailable("running as root and there is no `postgres` user to run the server as") from None
            run_as = "postgres"
        root = Path(tempfile.mkdtemp(prefix="workbench-pg-"))
        server = cls(bindir, root, run_as)
        try:
            if run_as:
                shutil.chown(root, user=run_as)
            server._initdb()
            server._launch()
            server._watch(os.getpid())
        except BaseException:
            server.stop()
            raise
        return server

    def _watch(self, owner: int) -> None:
        """A watchdog that stops the server and removes its folder once `owner` is gone, even if
        the test run was killed before it could clean up after itself."""
        stop = shlex.join(self._cmd("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop"))
        script = (f"while kill -0 {owner} 2>/dev/null; do sleep 2; done; "
                  f"[ -f {shlex.quote(str(self.data / 'postmaster.pid'))} ] && {stop}; rm -rf {shlex.quote(str(self.root))}")
        subprocess.Popen(["sh", "-c", script], start_new_session=True, stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def _cmd(self, *args: str) -> list[str]:
        argv = [str(self.bindir / args[0]), *args[1:]]
        if self.run_as:
            runner = shutil.which("runuser")
            argv = [runner, "-u", self.run_as, "--", *argv] if runner else ["su", self.run_as, "-s", "/bin/sh", "-c",
                                                                            shlex.join(argv)]
        return argv

    def _run(self, *args: str, timeout: float = 120) -> None:
        proc = subprocess.run(self._cmd(*args), capture_output=True, text=True, timeout=timeout,
                              env={**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}, cwd=self.root)
        if proc.returncode != 0:
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
            log = self.log.read_text(errors="replace").strip().splitlines()[-5:] if self.log.exists() else []
            raise PgUnavailable(f"{args[0]} failed: {' | '.join(tail + log)}")

    def _initdb(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", USER, "--auth=trust", "-E", "UTF8",
                  "--locale=C.UTF-8", "--no-sync", "--no-instructions")

    def _launch(self) -> None:
        settings = ["-c listen_addresses=127.0.0.1", f"-c unix_socket_directories={self.root}",
                    "-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off",
                    "-c max_connections=200", "-c shared_buffers=32MB",
                    "-c max_locks_per_transaction=256", "-c log_min_messages=warning"]
        for attempt in range(5):
            self.port = _free_port()
            try:
                self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60",
                          "-o", " ".join([f"-p {self.port}", *settings]), "start")
                return
            except PgUnavailable:
                if attempt == 4:
                    raise
                time.sleep(0.2)

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            try:
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop", timeout=60)
            except (PgUnavailable, subprocess.TimeoutExpired):
                pass
        shutil.rmtree(self.root, ignore_errors=True)

    # ---- databases ----------------------------------------------------------------------------

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{USER}@127.0.0.1:{self.port}/{database}"

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.port, user=USER, dbname="postgres",
                             autocommit=True) as conn:
            conn.execute(sql)

    def new_database(self, template: str | None = None, name: str | None = None) -> str:
        """A new, empty database (or a copy of `template`); returns its name."""
        name = name or f"t{os.getpid()}_{next(self._names)}"
        tmpl = f' TEMPLATE "{template}" STRATEGY FILE_COPY' if template else ""
        self._admin(f'CREATE DATABASE "{name}"{tmpl}')
        return name

    def drop_database(self, name: str) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
