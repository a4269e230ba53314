"""Flow B from a shell: the journey of the issue, and the CSV import of top-up history."""

from __future__ import annotations

import json

from tests.test_cli import assert_clean_failure, run


def _money(db, who):
    out = json.loads(run("funds", "show", "--as", who, "--json", db=db).stdout)
    return out["available_cents"], out["frozen_cents"]


def test_the_scripted_journey_balances_exactly(tmp_path):
    db = tmp_path / "demo.db"
    assert run("demo", db=db).returncode == 0
    m0, f0 = _money(db, "m.muyi")
    c0, _ = _money(db, "c.tangtang")
    assert run("funds", "top-up", "--as", "m.muyi", "--amount", "10000", db=db).returncode == 0

    def publish(air):
        r = run("tasks", "publish", "--as", "m.muyi", "--creator-id", _creator_id(db, "c.tangtang"),
                "--contact-name", "黄思远", "--contact-phone", "13719452086", "--air-at", air,
                "--hours", "2", "--product-ids", _product_id(db), "--json", db=db)
        assert r.returncode == 0, r.stderr
        return r.stdout.strip()

    first, second = publish("2026-06-03 20:00"), publish("2026-06-01 22:00")
    assert _money(db, "m.muyi") == (m0 + 1_000_000 - 200_000, f0 + 200_000)
    for t in (first, second):
        assert run("tasks", "accept", "--as", "c.tangtang", "--task-id", t, db=db).returncode == 0
    for step in ("go-live", "end-live"):
        assert run("tasks", step, "--as", "c.tangtang", "--task-id", first, db=db).returncode == 0
    assert run("tasks", "check", "--as", "m.muyi", "--task-id", first, db=db).returncode == 0
    preview = json.loads(run("tasks", "cancel-preview", "--as", "m.muyi", "--task-id", second, "--json",
                             db=db).stdout)
    assert preview["outcome"] == "compensate" and preview["to_creator_cents"] == 100_000
    r = run("tasks", "cancel", "--as", "m.muyi", "--task-id", second, "--reason", "临时取消", db=db)
    assert r.returncode == 0, r.stderr
    assert _money(db, "m.muyi") == (m0 + 1_000_000 - 200_000, f0)
    assert _money(db, "c.tangtang") == (c0 + 200_000, 0)
    again = run("tasks", "cancel", "--as", "m.muyi", "--task-id", second, "--reason", "再取消", db=db)
    assert_clean_failure(again, "task", "已取消")


def _creator_id(db, handle):
    users = json.loads(run("users", "--json", db=db).stdout)
    return str(next(u["id"] for u in users if u["handle"] == handle))


def _product_id(db):
    return str(json.loads(run("products", "list", "--as", "m.muyi", "--json", db=db).stdout)[0]["id"])


def test_publish_refuses_bad_input_and_writes_nothing(tmp_path):
    db = tmp_path / "demo.db"
    run("demo", db=db)
    before = _money(db, "m.muyi")
    base = ["tasks", "publish", "--as", "m.muyi", "--creator-id", _creator_id(db, "c.tangtang"),
            "--contact-name", "黄", "--product-ids", _product_id(db)]
    cases = [
        (["--contact-phone", "12", "--air-at", "2026-06-03 20:00", "--hours", "2"], "contact_phone"),
        (["--contact-phone", "13719452086", "--air-at", "2026-05-01 20:00", "--hours", "2"], "air_at"),
        (["--contact-phone", "13719452086", "--air-at", "2026-06-03 20:00", "--hours", "0"], "hours"),
        (["--contact-phone", "13719452086", "--air-at", "2026-06-03 20:00", "--hours", "2",
          "--plan", "targeted", "--commission-rate", "101%"], "commission_rate"),
    ]
    for extra, field in cases:
        assert_clean_failure(run(*base, *extra, db=db), field)
    resting = ["tasks", "publish", "--as", "m.muyi", "--creator-id", _creator_id(db, "c.linmama"),
               "--contact-name", "黄", "--contact-phone", "13719452086", "--air-at", "2026-06-03 20:00",
               "--hours", "1", "--product-ids", _product_id(db)]
    assert_clean_failure(run(*resting, db=db), "creator_id", "休息中")
    assert _money(db, "m.muyi") == before


def test_csv_import_reports_every_refused_row_and_imports_nothing_unless_told(tmp_path):
    db = tmp_path / "demo.db"
    run("demo", db=db)
    csv = tmp_path / "history.csv"
    csv.write_text("日期,金额,方式,凭证号\n"
                   "2026-05-02,5000.00,银行转账,BK-1\n"
                   "2026-05-03,-5,bank,BK-2\n"
                   "2026-05-04,12.345,bank,BK-3\n"
                   "2099-01-01,100,bank,BK-4\n"
                   "2026-05-05,100,carrier pigeon,BK-5\n"
                   "2026-05-06,100,bank,BK-1\n"
                   "2026-05-07,100,bank\n", encoding="utf-8")
    out = json.loads(run("funds", "import", "--as", "m.muyi", "--csv", str(csv), "--json", db=db).stdout)
    assert out["imported"] == 0
    assert [row for row, _ in out["refused"]] == [2, 3, 4, 5, 6, 7]
    reasons = dict((row, why) for row, why in out["refused"])
    assert reasons[2].startswith("amount") and reasons[5].startswith("method") and "重复" in reasons[6]
    before = json.loads(run("funds", "show", "--as", "m.muyi", "--json", db=db).stdout)
    assert len(before["top_ups"]) == 1
    out = json.loads(run("funds", "import", "--as", "m.muyi", "--csv", str(csv), "--skip-errors", "--json",
                         db=db).stdout)
    assert out["imported"] == 1
    after = json.loads(run("funds", "show", "--as", "m.muyi", "--json", db=db).stdout)
    assert after["available_cents"] == before["available_cents"]  # waits for support staff
    imported = [t for t in after["top_ups"] if t["reference"] == "BK-1"]
    assert len(imported) == 1 and imported[0]["status"] == "pending"
    assert_clean_failure(run("funds", "import", "--as", "m.muyi", "--csv", str(tmp_path / "nope.csv"), db=db),
                         "--csv")
