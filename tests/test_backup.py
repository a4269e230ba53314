"""Backup while the store is written, restore with its refusals, and an upgrade of the previous
release's store: the data comes through whole and the ledger still balances."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tests.conftest import DEMO_NOW, open_store
from tests.test_cli import assert_clean_failure, run
from workbench.backup import BackupError, backup, inspect, restore
from workbench.store.migrate import head_revision

FIXTURE_0005 = Path(__file__).parent / "fixtures" / "store-0005.sql"
# Journal kinds whose frozen-account effect must match the state of the task or order they name.
OPEN_TASK = ("pending", "in_progress", "disputed")
HELD_ORDER = ("paid", "accepted", "sample_shipped", "scheduled", "confirmed")


# ---- helpers other reliability tests share ------------------------------------------------------

def store_rows(path: Path) -> dict[str, list[tuple]]:
    """Every row of every table, in a stable order (what "the same store" means here)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        return {t: sorted(conn.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in tables}
    finally:
        conn.close()


def store_digest(path: Path) -> str:
    return hashlib.sha256(repr(store_rows(path)).encode()).hexdigest()


def ledger_problems(query) -> list[str]:
    """The ledger invariants, in plain SQL that runs on SQLite and PostgreSQL (`query(sql)` returns
    the rows): each journal sums to zero, balances equal their postings, no owned account is
    negative, and nothing is half-applied: money is frozen for a task or order exactly while its
    state says so, every task has one freeze entry, every confirmed top-up one journal."""
    problems = []
    for jid, total in query("SELECT journal_id, SUM(amount_cents) FROM postings GROUP BY journal_id "
                            "HAVING SUM(amount_cents) != 0"):
        problems.append(f"journal {jid} sums to {total}")
    for aid, kind, bal, posted in query(
            "SELECT a.id, a.kind, a.balance_cents, COALESCE(SUM(p.amount_cents), 0) FROM accounts a "
            "LEFT JOIN postings p ON p.account_id = a.id GROUP BY a.id, a.kind, a.balance_cents"):
        if bal != posted:
            problems.append(f"account {aid} balance {bal} != postings {posted}")
        if kind != "external" and bal < 0:
            problems.append(f"account {aid} is negative ({bal})")
    frozen = ("COALESCE(SUM(CASE WHEN a.kind = 'frozen' THEN p.amount_cents ELSE 0 END), 0)")
    for tid, status, amount, held, freezes in query(
            f"SELECT t.id, t.status, t.amount_cents, {frozen}, "
            "COUNT(DISTINCT CASE WHEN j.kind = 'task_freeze' THEN j.id END) FROM live_tasks t "
            "LEFT JOIN journals j ON j.ref_type = 'task' AND j.ref_id = t.id "
            "LEFT JOIN postings p ON p.journal_id = j.id LEFT JOIN accounts a ON a.id = p.account_id "
            "GROUP BY t.id, t.status, t.amount_cents"):
        if held != (amount if status in OPEN_TASK else 0):
            problems.append(f"task {tid} ({status}) holds {held} of {amount}")
        if freezes != 1:
            problems.append(f"task {tid} has {freezes} freeze entries")
    for oid, status, quote, held in query(
            f"SELECT o.id, o.status, o.quote_cents, {frozen} FROM coop_orders o "
            "LEFT JOIN journals j ON j.ref_type = 'order' AND j.ref_id = o.id "
            "LEFT JOIN postings p ON p.journal_id = j.id LEFT JOIN accounts a ON a.id = p.account_id "
            "GROUP BY o.id, o.status, o.quote_cents"):
        if held != (quote if status in HELD_ORDER else 0):
            problems.append(f"order {oid} ({status}) holds {held} of {quote}")
    for tid, status, journal in query("SELECT id, status, journal_id FROM top_ups"):
        if (status == "confirmed") != (journal is not None):
            problems.append(f"top-up {tid} ({status}) journal {journal}")
    return problems


def assert_store_sound(path: Path) -> None:
    conn = sqlite3.connect(path, timeout=30)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert ledger_problems(lambda sql: conn.execute(sql).fetchall()) == []
    finally:
        conn.close()


def load_fixture_0005(target: Path) -> Path:
    """The previous release's demo store (schema 0005), rebuilt from its SQL dump."""
    conn = sqlite3.connect(target)
    conn.executescript(FIXTURE_0005.read_text(encoding="utf-8"))
    conn.close()
    return target


# ---- backup and restore -----------------------------------------------------------------------------

WRITER = textwrap.dedent("""
    import sys, time
    from workbench.bootstrap import bootstrap
    from workbench.clock import FixedClock, parse_instant
    from workbench.config import Settings
    from workbench.services import funds
    wb = bootstrap(Settings(db_url="sqlite:///" + sys.argv[1], lang="zh"),
                   clock=FixedClock(parse_instant(sys.argv[2])), migrate=False)
    m = wb.sign_in("m.muyi")
    print("ready", flush=True)
    n = 0
    while True:
        n += 1
        wb.run(funds.top_up, m, funds.TopUpCmd.parse(amount=f"{n}.01", reference=f"W-{n}"))
        time.sleep(0.002)  # leave the CPU to the backups on a small machine
""")


def _count(path: Path, sql: str) -> int:
    conn = sqlite3.connect(path, timeout=30)
    try:
        return conn.execute(sql).fetchone()[0]
    finally:
        conn.close()


def test_backup_taken_while_writing_is_consistent_and_restores_identically(demo_path, tmp_path):
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(demo_path), DEMO_NOW],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "ready"
        time.sleep(0.3)
        before = _count(demo_path, "SELECT COUNT(*) FROM top_ups")
        copies = []
        for i in range(3):
            started = time.monotonic()
            if i == 1:
                result = run("backup", str(tmp_path / f"copy{i}.db"), db=demo_path)
                assert result.returncode == 0, result.stderr
                assert "backup written" in result.stdout
            else:
                backup(f"sqlite:///{demo_path}", tmp_path / f"copy{i}.db")
            print(f"backup {i}: {time.monotonic() - started:.2f} s")
            copies.append(tmp_path / f"copy{i}.db")
            time.sleep(0.2)
        after = _count(demo_path, "SELECT COUNT(*) FROM top_ups")
    finally:
        writer.kill()
        writer.wait()
    assert after > before, "the writer was not writing during the backups"
    taken = [_count(c, "SELECT COUNT(*) FROM top_ups") for c in copies]
    assert before <= taken[0] <= taken[1] <= taken[2] <= after
    for copy in copies:
        assert not Path(f"{copy}-wal").exists()  # a backup is one file
        assert_store_sound(copy)
        # every top-up in the copy has its journal and audit row: nothing half-written
        assert _count(copy, "SELECT COUNT(*) FROM top_ups") == _count(
            copy, "SELECT COUNT(*) FROM audit_log WHERE action = 'funds.top_up'")

    restored = tmp_path / "elsewhere" / "restored.db"
    restored.parent.mkdir()
    result = run("restore", str(copies[1]), db=restored)
    assert result.returncode == 0, result.stderr
    assert store_rows(restored) == store_rows(copies[1])
    # the restored store opens and works
    w = open_store(restored)
    try:
        from workbench.services import funds
        view = w.run(funds.fund_account, w.sign_in("m.muyi"))
        assert len(view.top_ups) >= 1
    finally:
        w.close()


def test_restore_replaces_a_store_only_with_force_and_in_one_piece(demo_path, tmp_path, capsys):
    copy = tmp_path / "copy.db"
    backup(f"sqlite:///{demo_path}", copy)
    target = tmp_path / "live.db"
    w = open_store(target)
    from tests import factories
    factories.merchant(w)
    w.close()
    before = store_digest(target)
    assert_clean_failure(cli(capsys, "restore", str(copy), db=target), "--force")
    assert store_digest(target) == before
    result = run("restore", str(copy), "--force", db=target)
    assert result.returncode == 0, result.stderr
    assert store_rows(target) == store_rows(copy)
    assert not list(tmp_path.glob(".*restoring*"))
    assert not Path(f"{target}-wal").exists() or Path(f"{target}-wal").stat().st_size == 0


def cli(capsys, *args: str, db: Path | str) -> subprocess.CompletedProcess:
    """`workbench ARGS --db DB` in this process (the subprocess runs above cover the real entry)."""
    from workbench.cli import main

    capsys.readouterr()
    code = main([*args, "--db", str(db)])
    out, err = capsys.readouterr()
    return subprocess.CompletedProcess(args, code, out, err)


def _refused(capsys, source: Path, target: Path, *words: str) -> None:
    existed = target.exists()
    before = store_digest(target) if existed else None
    result = cli(capsys, "restore", str(source), "--force", db=target)
    assert_clean_failure(result, *words)
    if existed:
        assert store_digest(target) == before
    else:
        assert not target.exists()


def test_restore_refuses_what_is_not_a_sound_workbench_store_of_a_known_schema(demo_path, tmp_path, capsys):
    target = tmp_path / "target.db"
    shutil.copy(demo_path, target)

    text = tmp_path / "notes.csv"
    text.write_text("amount,method\n100,online\n", encoding="utf-8")
    _refused(capsys, text, target, "not a Workbench store")

    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).execute("CREATE TABLE t (x)").connection.close()
    _refused(capsys, empty, target, "not a Workbench store")

    newer = tmp_path / "newer.db"
    backup(f"sqlite:///{demo_path}", newer)
    with sqlite3.connect(newer) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999_future'")
    conn.close()
    _refused(capsys, newer, target, "newer Workbench", "9999_future")

    corrupt = tmp_path / "corrupt.db"
    backup(f"sqlite:///{demo_path}", corrupt)
    data = bytearray(corrupt.read_bytes())
    page = 4096
    for p in range(2, len(data) // page, 3):  # scribble over every third page past the schema
        data[p * page + 100: p * page + 400] = os.urandom(300)
    corrupt.write_bytes(bytes(data))
    _refused(capsys, corrupt, target, "damaged")

    truncated = tmp_path / "truncated.db"
    truncated.write_bytes(demo_path.read_bytes()[:5000])
    _refused(capsys, truncated, target, str(truncated))

    _refused(capsys, tmp_path / "missing.db", tmp_path / "new.db", "no such file")
    _refused(capsys, text, tmp_path / "new.db", "not a Workbench store")


def test_backup_refuses_to_overwrite_and_postgresql_is_pointed_to_pg_dump(demo_path, tmp_path, capsys):
    existing = tmp_path / "keep.txt"
    existing.write_text("keep me", encoding="utf-8")
    assert_clean_failure(cli(capsys, "backup", str(existing), db=demo_path), "already exists")
    assert existing.read_text(encoding="utf-8") == "keep me"
    assert_clean_failure(cli(capsys, "backup", str(demo_path), "--force", db=demo_path), "the store itself")
    assert_clean_failure(cli(capsys, "backup", str(tmp_path / "nowhere" / "x.db"), db=demo_path), "does not exist")
    assert_clean_failure(cli(capsys, "backup", str(tmp_path / "x.db"), db=tmp_path / "missing.db"), "no database")
    result = run("backup", str(tmp_path / "x.dump"), db="postgresql+psycopg://wb:secret@db.example/wb")
    assert_clean_failure(result, "pg_dump", "postgresql://wb:***@db.example/wb")
    assert "secret" not in result.stderr
    assert_clean_failure(cli(capsys, "restore", str(tmp_path / "x.dump"),
                             db="postgresql+psycopg://wb@db.example/wb"), "pg_restore")


def test_backup_api_refusals_are_store_errors(tmp_path):
    with pytest.raises(BackupError, match="not a SQLite database"):
        inspect(Path(__file__))


# ---- the previous release's store upgrades with its data ------------------------------------

def test_previous_release_store_upgrades_with_its_data(tmp_path):
    old = load_fixture_0005(tmp_path / "store-0005.db")
    assert inspect(old).revision == "0005"
    before = store_rows(old)
    assert_store_sound(old)

    w = open_store(old)   # opening upgrades to the latest migration
    try:
        from workbench.store.migrate import current_revision
        assert current_revision(w.engine) == head_revision()
    finally:
        w.close()
    after = store_rows(old)
    for table, rows in before.items():
        if table == "alembic_version":
            continue
        assert len(after[table]) == len(rows), table
    assert_store_sound(old)
    conn = sqlite3.connect(old)
    try:
        assert conn.execute("SELECT COUNT(*) FROM users").fetchone()[0] == 21
        assert conn.execute("SELECT name FROM users WHERE handle = 'm.shanwei'").fetchone()[0] == "山味集运营·陈晓"
        assert conn.execute("SELECT COUNT(*) FROM products").fetchone()[0] == 40
        assert conn.execute("SELECT SUM(balance_cents) FROM accounts").fetchone()[0] == 0
    finally:
        conn.close()

    # the use cases of this release work on it: read, and write money
    w = open_store(old)
    try:
        from workbench.services import dashboard, funds, orders
        from workbench.services.task_views import TaskQuery, list_tasks
        m = w.sign_in("m.shanwei")
        figures = {f.key: f.value for f in w.run(dashboard.load_dashboard, m).figures}
        assert figures["available"] == "¥53,600.00" and figures["frozen"] == "¥29,600.00"
        assert len(w.run(list_tasks, m, TaskQuery())) > 0
        assert len(w.run(orders.list_orders, m, orders.OrderQuery())) > 0
        w.run(funds.top_up, m, funds.TopUpCmd.parse(amount="12.34"))
        assert w.run(funds.fund_account, m).available_cents == 5_360_000 + 1234
    finally:
        w.close()
    assert_store_sound(old)


def test_previous_release_backup_restores_and_upgrades(tmp_path):
    old = load_fixture_0005(tmp_path / "store-0005.db")
    target = tmp_path / "restored.db"
    result = run("restore", str(old), db=target)
    assert result.returncode == 0, result.stderr
    assert "0005" in result.stdout and "upgraded when next opened" in result.stdout
    users = run("users", "--json", db=target)
    assert users.returncode == 0, users.stderr
    restore(old, f"sqlite:///{tmp_path / 'api.db'}")
    assert inspect(tmp_path / "api.db").revision == "0005"
