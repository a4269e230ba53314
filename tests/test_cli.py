"""The `workbench` command, run as a real process: services reachable, bad input refused cleanly."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import DEMO_NOW
from workbench.paths import data_dir


def run(*args: str, env: dict | None = None, db: Path | None = None) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "WORKBENCH_NOW": DEMO_NOW, "WORKBENCH_LANG": "zh"}
    if db is not None:
        full_env["WORKBENCH_DB"] = str(db)
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "workbench", *args], capture_output=True, text=True,
                          env=full_env, timeout=60)


def assert_clean_failure(result: subprocess.CompletedProcess, *words: str) -> None:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for w in words:
        assert w in lines[0]


def test_demo_is_idempotent_and_gives_the_same_figures(tmp_path):
    db = tmp_path / "demo.db"
    assert run("demo", db=db).returncode == 0
    first = run("dashboard", "show", "--as", "m.shanwei", "--json", db=db)
    assert run("demo", db=db).returncode == 0
    second = run("dashboard", "show", "--as", "m.shanwei", "--json", db=db)
    assert first.returncode == 0 and first.stdout == second.stdout
    figures = {f["key"]: f["value"] for f in json.loads(first.stdout)["figures"]}
    # ¥90,000 topped up; five tasks froze ¥35,000 (a dispute ruled ¥1,800 to the creator, ¥4,200 back);
    # orders hold ¥300 + ¥300 + ¥5,000 (a fourth, overdue, was refunded).
    assert figures["available"] == "¥53,600.00" and figures["frozen"] == "¥29,600.00"


def test_demo_if_missing_keeps_an_existing_store(tmp_path):
    db = tmp_path / "demo.db"
    run("demo", db=db)
    run("funds", "top-up", "--as", "m.muyi", "--amount", "1", db=db)
    before = json.loads(run("funds", "show", "--as", "m.muyi", "--json", db=db).stdout)
    assert run("demo", "--if-missing", db=db).returncode == 0
    after = json.loads(run("funds", "show", "--as", "m.muyi", "--json", db=db).stdout)
    assert after == before and after["top_ups"][0]["amount_cents"] == 100


def test_demo_refuses_to_overwrite_a_real_store(tmp_path):
    db = tmp_path / "real.db"
    from tests.conftest import open_store
    from tests import factories
    w = open_store(db)
    factories.merchant(w)
    w.close()
    before = db.read_bytes()
    assert_clean_failure(run("demo", db=db), "real data")
    assert db.read_bytes() == before


def test_services_are_reachable_with_json(tmp_path):
    db = tmp_path / "demo.db"
    run("demo", db=db)
    top = run("funds", "top-up", "--as", "m.muyi", "--amount", "250.50", "--method", "bank",
              "--reference", "ICBC-9", "--json", db=db)
    assert top.returncode == 0, top.stderr
    top_id = json.loads(top.stdout)["id"]
    decided = run("funds", "decide", "--as", "s.lin", "--top-up-id", str(top_id), "--approve", db=db)
    assert decided.returncode == 0, decided.stderr
    notes = json.loads(run("notifications", "list", "--as", "m.muyi", "--json", db=db).stdout)
    assert notes[0]["text"] == "充值 ¥250.50 已到账"
    users = run("users", "--role", "support", db=db)
    assert "s.lin" in users.stdout and "m.muyi" not in users.stdout


def test_unknown_user(tmp_path):
    db = tmp_path / "demo.db"
    run("demo", db=db)
    assert_clean_failure(run("funds", "show", "--as", "nobody", db=db), "nobody")


def test_bad_field_is_named_and_nothing_written(tmp_path):
    db = tmp_path / "demo.db"
    run("demo", db=db)
    before = json.loads(run("funds", "show", "--as", "m.muyi", "--json", db=db).stdout)
    assert_clean_failure(run("funds", "top-up", "--as", "m.muyi", "--amount", "1.234", db=db), "amount")
    assert_clean_failure(run("funds", "top-up", "--as", "c.xiaoyu", "--amount", "5", db=db))
    after = json.loads(run("funds", "show", "--as", "m.muyi", "--json", db=db).stdout)
    assert before == after


def test_unwritable_db(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if os.access(locked, os.W_OK):
            pytest.skip("running as a user who can write anywhere")
        assert_clean_failure(run("demo", "--db", str(locked / "x.db")), "--db")
        assert not (locked / "x.db").exists()
    finally:
        locked.chmod(0o700)


def test_unwritable_db_even_for_root(tmp_path):
    # A path below a regular file can never be created, whoever runs the command.
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert_clean_failure(run("demo", "--db", str(blocker / "x.db")), "--db")
    assert_clean_failure(run("users", "--db", str(tmp_path / "missing.db")), "--db")
    assert not (tmp_path / "missing.db").exists()


def test_corrupt_database(tmp_path):
    db = tmp_path / "bad.db"
    db.write_bytes(b"this is not a database" * 100)
    before = db.read_bytes()
    assert_clean_failure(run("users", db=db), "--db")
    assert_clean_failure(run("demo", db=db), "--db")
    assert db.read_bytes() == before


def test_broken_rules_file(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(data_dir(), data)
    rules = data / "rules.toml"
    rules.write_text(rules.read_text(encoding="utf-8").replace("delivery_cap_days = 27", "delivery_cap_days = -1"),
                     encoding="utf-8")
    result = run("demo", db=tmp_path / "d.db", env={"WORKBENCH_DATA": str(data)})
    assert_clean_failure(result, "flow_a.delivery_cap_days")
    assert not (tmp_path / "d.db").exists()


def test_wrong_language(tmp_path):
    assert_clean_failure(run("users", "--lang", "fr", db=tmp_path / "x.db"), "lang")
    assert_clean_failure(run("users", env={"WORKBENCH_LANG": "klingon"}, db=tmp_path / "x.db"), "lang")
    assert not (tmp_path / "x.db").exists()


def test_english_messages(tmp_path):
    db = tmp_path / "demo.db"
    run("demo", db=db)
    result = run("funds", "top-up", "--as", "m.muyi", "--amount", "0", "--lang", "en", db=db)
    assert_clean_failure(result, "amount: The top-up amount must be above 0")
