"""Delivery channels and the scheduler's guarantees: webhooks to a real local HTTP server that
fails, hangs and recovers; quiet hours; exactly-once across a crash mid-batch, a SIGKILL while
sending, clock jumps; deadlines set inside a lead window; the deadline calendar."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.conftest import DEMO_NOW, open_store
from tests.test_scheduler import reminder_texts, shipped_order
from workbench.clock import FastClock, parse_instant
from workbench.domain import delivery
from workbench.domain.errors import DomainError
from workbench.scheduler import Firing
from workbench.services import calendar, reminders, tasks, webhooks
from workbench.services.base import SYSTEM
from workbench.store.models import AuditEntry, Notification, Reminder, WebhookDelivery


# ---- a real webhook receiver -----------------------------------------------------------------------

class Receiver:
    """A local HTTP server playing a group bot: each request takes the next scripted behaviour
    ("ok", "error" = HTTP 500, "refuse" = errcode 93000 with HTTP 200, "hang" = answer after 30 s)."""

    def __init__(self, script: list[str] | None = None, default: str = "ok") -> None:
        self.script, self.default = list(script or []), default
        self.requests: list[tuple[dict, dict]] = []
        self.release = threading.Event()
        self.got = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((json.loads(body), dict(self.headers)))
                receiver.got.set()
                what = receiver.script.pop(0) if receiver.script else receiver.default
                if what == "hang":
                    receiver.release.wait(30)
                    return
                code, answer = {"ok": (200, {"errcode": 0, "errmsg": "ok"}),
                                "error": (500, {"errcode": -1}),
                                "refuse": (200, {"errcode": 93000, "errmsg": "invalid webhook url"})}[what]
                data = json.dumps(answer).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *_a):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/cgi-bin/webhook/send?key=test"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def texts(self) -> list[str]:
        return [json.dumps(body, ensure_ascii=False) for body, _h in self.requests]

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def hook(wb, who, url, fmt="wecom", **extra):
    return wb.run(webhooks.update_prefs, who, webhooks.UpdatePrefs.parse(webhook_url=url, webhook_format=fmt, **extra))


def count(wb, model, *where) -> int:
    with wb.uow(read_only=True) as uow:
        return uow.session.scalar(select(func.count()).select_from(model).where(*where))


# ---- the pure parts --------------------------------------------------------------------------------

def test_quiet_hours_wrap_midnight_and_end_in_the_users_zone():
    zone = "Asia/Shanghai"
    at = lambda text: parse_instant(text)  # noqa: E731
    assert delivery.quiet_until(at("2026-06-01T23:30:00+08:00"), zone, "23:00", "08:00") == at("2026-06-02T08:00:00+08:00")
    assert delivery.quiet_until(at("2026-06-02T07:59:00+08:00"), zone, "23:00", "08:00") == at("2026-06-02T08:00:00+08:00")
    assert delivery.quiet_until(at("2026-06-02T08:00:00+08:00"), zone, "23:00", "08:00") is None
    assert delivery.quiet_until(at("2026-06-02T13:00:00+08:00"), zone, "12:00", "14:00") == at("2026-06-02T14:00:00+08:00")
    assert delivery.quiet_until(at("2026-06-02T13:00:00+08:00"), zone, "09:00", "09:00") is None
    with pytest.raises(DomainError) as err:
        delivery.quiet_until(at("2026-06-02T13:00:00+08:00"), zone, "25:00", "08:00")
    assert err.value.field == "quiet_start"


def test_each_robot_gets_its_own_payload_and_error_codes_are_read():
    assert delivery.payload("wecom", "T", "x")["markdown"]["content"] == "**T**\nx"
    assert delivery.payload("dingtalk", "T", "x")["markdown"]["title"] == "T"
    assert delivery.payload("feishu", "T", "x") == {"msg_type": "text", "content": {"text": "T\nx"}}
    assert delivery.accepted(200, b'{"errcode":0,"errmsg":"ok"}') is None
    assert delivery.accepted(200, b'{"code":0}') is None
    assert "19024" in delivery.accepted(200, b'{"code":19024,"msg":"Key Words Not Found"}')
    assert delivery.accepted(502, b"") == "HTTP 502"
    assert delivery.next_attempt(1, datetime(2026, 1, 1, tzinfo=UTC)) == datetime(2026, 1, 1, 0, 0, 30, tzinfo=UTC)
    assert delivery.next_attempt(len(delivery.BACKOFF) + 1, datetime(2026, 1, 1, tzinfo=UTC)) is None


def test_a_sped_up_clock_runs_n_times_faster():
    start = parse_instant(DEMO_NOW)
    clock = FastClock(start, 3600)
    time.sleep(0.2)
    elapsed = (clock.now() - start).total_seconds()
    assert 600 <= elapsed <= 3600    # 0.2 s of wall time is about 12 minutes of store time


# ---- preferences -----------------------------------------------------------------------------------

def test_bad_preferences_name_the_field_and_write_nothing(wb):
    c = factories.creator(wb, "c.prefs")
    before = count(wb, AuditEntry)
    for values, field in [({"webhook_url": "ftp://x"}, "webhook_url"),
                          ({"webhook_url": "https://x.example/hook"}, "webhook_format"),
                          ({"webhook_url": "https://x.example/hook", "webhook_format": "slack"}, "webhook_format"),
                          ({"quiet_start": "7pm"}, "quiet_start"),
                          ({"quiet_end": "24:00"}, "quiet_end")]:
        with pytest.raises(DomainError) as err:
            wb.run(webhooks.update_prefs, c, webhooks.UpdatePrefs.parse(**values))
        assert err.value.field == field
    assert count(wb, AuditEntry) == before
    assert wb.run(webhooks.get_prefs, c) == webhooks.DEFAULT
    prefs = hook(wb, c, "https://oapi.dingtalk.com/robot/send?access_token=abc", "dingtalk", bell=False)
    assert prefs.webhook_format == "dingtalk" and prefs.bell is False
    with wb.uow(read_only=True) as uow:
        [detail] = uow.session.scalars(select(AuditEntry.detail).where(AuditEntry.action == "prefs.update"))
    assert "access_token" not in detail       # the secret part of the URL is not written to the audit log


# ---- webhooks --------------------------------------------------------------------------------------

def test_a_failing_webhook_retries_with_back_off_and_never_holds_up_the_others(wb, receiver):
    _m, c, oid = shipped_order(wb)
    healthy = Receiver()
    try:
        hook(wb, c, receiver.url)
        m2, c2, _oid2 = shipped_order_for(wb, "2")
        hook(wb, c2, healthy.url, "feishu")
        receiver.script = ["error", "hang", "refuse"]      # then ok
        firing = Firing(wb, holder="t")
        wb.clock.advance(days=4)                           # the 24-hour reminders come due
        t0 = time.monotonic()
        counts = firing.run_once()
        assert counts["reminders"] == 2 and counts["pushed"] == 1 and counts["push_retry"] == 1
        assert len(healthy.requests) == 1 and "content" in healthy.requests[0][0]     # feishu body
        assert len(reminder_texts(wb, c)) == 1             # the inbox does not wait for the robot
        assert time.monotonic() - t0 < 4
        # 2nd attempt after 30 s: the robot hangs past the timeout; 3rd after 2 min: errcode; 4th: ok.
        for wait, expect in ((31, "push_retry"), (121, "push_retry"), (601, "pushed")):
            wb.clock.advance(seconds=wait)
            assert firing.run_once()[expect] == 1
        assert len(receiver.requests) == 4
        body, headers = receiver.requests[-1]
        assert f"#{oid}" in body["markdown"]["content"] and headers["X-Workbench-Delivery"]
        with wb.uow(read_only=True) as uow:
            row = uow.session.scalar(select(WebhookDelivery).where(WebhookDelivery.user_id == c.id))
            assert (row.status, row.attempts) == ("sent", 4)
        assert firing.run_once()["pushed"] == 0            # nothing twice
    finally:
        healthy.close()


def shipped_order_for(wb, suffix: str):
    m = factories.merchant(wb, f"m.s{suffix}", balance="5000")
    c = factories.creator(wb, f"c.s{suffix}")
    return m, c, factories.shipped_order(wb, m, c, tracking="SF9")


def test_a_webhook_that_never_recovers_is_given_up_but_the_inbox_has_the_reminder(wb, receiver):
    _m, c, _oid = shipped_order(wb)
    hook(wb, c, receiver.url)
    receiver.default = "error"
    firing = Firing(wb, holder="t")
    wb.clock.advance(days=4)
    firing.run_once()
    for wait in delivery.BACKOFF:
        wb.clock.advance(seconds=wait.total_seconds() + 1)
        firing.run_once()
    with wb.uow(read_only=True) as uow:
        row = uow.session.scalar(select(WebhookDelivery))
        assert row.status == "failed" and row.attempts == len(delivery.BACKOFF) + 1 and "500" in row.last_error
    assert len(receiver.requests) == len(delivery.BACKOFF) + 1
    assert len(reminder_texts(wb, c)) == 1
    [view] = wb.run(webhooks.my_pushes, c)
    assert view.status == "failed" and "HTTP 500" in view.error


def test_quiet_hours_hold_pushes_except_the_last_reminder_before_a_deadline(wb, receiver):
    _m, c, oid = shipped_order(wb)          # the window closes at 10:00 local, five days on
    hook(wb, c, receiver.url, quiet_start="09:00", quiet_end="12:00")
    firing = Firing(wb, holder="t")
    wb.clock.advance(days=4)                # 10:00 local: the 24-hour reminder, inside quiet hours
    counts = firing.run_once()
    assert counts["reminders"] == 1 and counts["pushed"] == 0 and receiver.requests == []
    assert wb.run(reminders.next_due_at) == parse_instant("2026-06-05T12:00:00+08:00")
    wb.clock.advance(hours=2)               # 12:00: quiet hours over, the held push goes
    assert firing.run_once()["pushed"] == 1
    # The 2-hour reminder falls at 08:00 the next day... move quiet hours over it: it still goes.
    hook(wb, c, receiver.url, quiet_start="06:00", quiet_end="11:00")
    wb.clock.advance(hours=20)              # 08:00 local, the last reminder before the deadline
    counts = firing.run_once()
    assert counts["reminders"] == 1 and counts["pushed"] == 1
    assert "2 小时" in receiver.texts()[-1] and f"#{oid}" in receiver.texts()[-1]


def test_a_push_is_written_in_the_readers_language(wb, receiver):
    from workbench.store.models import User

    _m, c, oid = shipped_order(wb)
    with wb.uow() as uow:          # the creator reads English
        uow.session.get(User, c.id).lang = "en"
        uow.commit()
    hook(wb, c, receiver.url, "dingtalk")
    wb.clock.advance(days=4)
    Firing(wb, holder="t").run_once()
    [(body, _h)] = receiver.requests
    assert body["markdown"]["title"] == "Workbench notification"
    assert f"#{oid}" in body["markdown"]["text"] and "提醒" not in body["markdown"]["text"]


def test_the_sender_killed_while_posting_is_retried_after_its_claim_expires(tmp_path, receiver):
    """SIGKILL while a push is on the wire: the reminder and its notification stay exactly once;
    the push is posted again (same delivery id) by the next run once the claim has expired."""
    db = tmp_path / "k.db"
    wb = open_store(db)
    _m, c, _oid = shipped_order(wb)
    hook(wb, c, receiver.url)
    wb.close()
    receiver.script = ["hang"]
    due = "2026-06-05T10:00:30+08:00"
    env = {**os.environ, "WORKBENCH_DB": str(db), "WORKBENCH_NOW": due}
    proc = subprocess.Popen([sys.executable, "-m", "workbench", "scheduler", "--once"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert receiver.got.wait(30), "the push never reached the receiver"
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    wb = open_store(db, at=due)
    try:
        assert count(wb, Reminder) == 1 and count(wb, Notification, Notification.kind.like("reminder_%")) == 1
        assert Firing(wb, holder="again").run_once() == {"leader": 0}   # the dead process's lease holds
        wb.clock.advance(seconds=31)
        assert Firing(wb, holder="again").run_once()["pushed"] == 0     # its claim on the push too
        wb.clock.advance(seconds=30)
        counts = Firing(wb, holder="again").run_once()
        assert counts["pushed"] == 1 and counts["reminders"] == 0
        assert count(wb, Notification, Notification.kind.like("reminder_%")) == 1
        ids = {h["X-Workbench-Delivery"] for _b, h in receiver.requests}
        assert len(receiver.requests) == 2 and len(ids) == 1
    finally:
        wb.close()


# ---- exactly once ------------------------------------------------------------------------------------

def many_orders(wb, n: int, spread_hours: int = 1):
    """n shipped orders whose schedule windows close `spread_hours` apart."""
    m = factories.merchant(wb, "m.many", balance="100000")
    out = []
    for i in range(n):
        c = factories.creator(wb, f"c.many{i}")
        out.append(factories.shipped_order(wb, m, c, tracking=f"SF{i}", product_name=f"商品{i}"))
        wb.clock.advance(hours=spread_hours)
    return m, out


def test_a_crash_in_the_middle_of_a_batch_leaves_nothing_half_sent(wb, monkeypatch):
    many_orders(wb, 6, spread_hours=0)
    wb.clock.advance(days=4)
    real = reminders.notify
    calls = {"n": 0}

    def crash_on_fourth(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 4:
            raise RuntimeError("power cut")
        return real(*args, **kwargs)

    monkeypatch.setattr(reminders, "notify", crash_on_fourth)
    with pytest.raises(RuntimeError):
        Firing(wb, holder="t").run_once()
    assert count(wb, Reminder) == 0 and count(wb, Notification, Notification.kind.like("reminder_%")) == 0
    monkeypatch.setattr(reminders, "notify", real)
    assert Firing(wb, holder="t").run_once()["reminders"] == 6      # the restart sends all six, once
    assert count(wb, Notification, Notification.kind.like("reminder_%")) == 6


def test_a_clock_jump_across_many_deadlines_applies_each_transition_once(wb):
    _m, oids = many_orders(wb, 8, spread_hours=6)
    firing = Firing(wb, holder="t")
    firing.run_once()
    wb.clock.advance(days=45)              # past every window, every latest delivery
    counts = firing.run_once()
    assert counts["auto_confirmed"] == 8 and counts["overdue"] == 8 and counts["reminders"] == 0
    again = firing.run_once()
    assert again["auto_confirmed"] == again["overdue"] == again["reminders"] == 0
    for oid in oids:
        assert count(wb, AuditEntry, AuditEntry.entity_id == oid, AuditEntry.action == "order.overdue") == 1


def test_after_downtime_reminders_go_oldest_first_each_marked_late(wb):
    _m, oids = many_orders(wb, 4, spread_hours=3)
    Firing(wb, holder="t").run_once()
    wb.clock.advance(days=4, hours=-2)     # down through all four 24-hour lead moments
    counts = Firing(wb, holder="t").run_once()
    assert counts["reminders"] == 4 and counts["late_reminders"] == 4
    with wb.uow(read_only=True) as uow:
        sent = list(uow.session.execute(select(Reminder.ref_id, Reminder.late_seconds).order_by(Reminder.id)))
    assert [r for r, _l in sent] == oids                   # oldest due first
    assert [late for _r, late in sent] == sorted((late for _r, late in sent), reverse=True)


def test_a_deadline_set_inside_its_lead_window_is_reminded_at_once(wb):
    from tests.test_tasks import publish

    m = factories.merchant(wb, balance="10000")
    c = factories.creator(wb, "c.soon")
    p = factories.product(wb, m)
    Firing(wb, holder="t").run_once()                      # the sweep's mark is now
    tid = publish(wb, m, c, p, air_in=timedelta(minutes=90))
    wb.clock.advance(minutes=5)
    Firing(wb, holder="t").run_once()
    assert reminder_texts(wb, c) == []                     # pending: the air-time reminder waits for acceptance
    wb.run(tasks.accept_task, c, tasks.TaskRef(task_id=tid))
    texts = reminder_texts(wb, c)
    assert len(texts) == 1 and f"#{tid}" in texts[0]
    assert Firing(wb, holder="t").run_once()["reminders"] == 0


def test_the_sweep_reads_by_index_ranges():
    """What a sweep asks of the store is answered by an index, not by scanning a table."""
    from sqlalchemy import text

    from workbench.bootstrap import bootstrap
    from workbench.clock import FixedClock
    from workbench.config import Settings

    wb = bootstrap(Settings(db_url="sqlite://", lang="zh"), clock=FixedClock(parse_instant(DEMO_NOW)))
    try:
        with wb.uow() as uow:
            plans = []
            for kind in reminders.KINDS:
                shift = kind.shift(uow.rules)
                stmt = select(kind.model.id, kind.column).where(
                    *kind.waiting(), kind.column > uow.now - shift, kind.column <= uow.now + timedelta(hours=2) - shift)
                sql = str(stmt.compile(uow.session.bind, compile_kwargs={"literal_binds": True}))
                plans += [row[-1] for row in uow.session.execute(text("EXPLAIN QUERY PLAN " + sql))]
        assert plans and all("USING INDEX" in p or "USING COVERING INDEX" in p for p in plans), plans
    finally:
        wb.close()


# ---- the deadline calendar ---------------------------------------------------------------------------

def test_the_calendar_shows_my_deadlines_by_risk_and_nobody_elses(wb):
    m, oids = many_orders(wb, 3, spread_hours=24)
    other = factories.merchant(wb, "m.other")
    wb.clock.advance(days=1, hours=12)     # the first window closes in 12 h, the others later
    entries = wb.run(calendar.my_deadlines, m)
    assert [e.ref_id for e in entries] == oids
    assert [e.risk for e in entries] == ["soon", "later", "later"]
    assert entries[0].screen == "order_detail" and entries[0].counterpart.startswith("主播")
    assert wb.run(calendar.my_deadlines, other) == []
    c0 = wb.sign_in("c.many0")
    [mine] = wb.run(calendar.my_deadlines, c0)
    assert mine.ref_id == oids[0] and "m.many" in mine.counterpart
    wb.clock.advance(days=1)               # the first window passed with no scheduler running
    assert wb.run(calendar.my_deadlines, m)[0].risk == "overdue"


# ---- the demo, end to end -----------------------------------------------------------------------------

def test_the_scheduler_on_the_demo_with_the_clock_moved_sends_everything_once(demo_path, receiver):
    """`workbench scheduler --once` on the demo, clock moved forward two days: every expected
    reminder once (in the inbox and at the webhook), every due transition once."""
    from workbench.services.transitions import apply_due

    wb = open_store(demo_path)
    creators = [wb.sign_in(h) for h in ("c.xiaoyu", "c.dingdang", "c.tangtang")]
    for who in creators:
        hook(wb, who, receiver.url, quiet_start="00:00", quiet_end="00:00")
    start = wb.clock.now()
    wb.close()
    later = (start + timedelta(days=2)).isoformat()
    env = {**os.environ, "WORKBENCH_DB": str(demo_path), "WORKBENCH_NOW": later}
    runs = [json.loads(subprocess.run([sys.executable, "-m", "workbench", "scheduler", "--once", "--json"],
                                      env=env, capture_output=True, text=True, check=True).stdout) for _ in range(2)]
    assert runs[0]["reminders"] > 0 and runs[1]["reminders"] == 0
    assert runs[1]["auto_confirmed"] == runs[1]["overdue"] == runs[1]["timed_out"] == 0
    wb = open_store(demo_path, at=later)
    try:
        with wb.uow(read_only=True) as uow:
            keys = list(uow.session.scalars(select(Reminder.key)))
            hooked = list(uow.session.scalars(select(WebhookDelivery.status).where(
                WebhookDelivery.user_id.in_([c.id for c in creators]))))
        assert len(keys) == len(set(keys)) == runs[0]["reminders"]
        assert hooked and set(hooked) == {"sent"} and len(receiver.requests) == len(hooked)
        assert wb.run(apply_due, SYSTEM) == {"timed_out": 0, "auto_confirmed": 0, "overdue": 0}
    finally:
        wb.close()


def test_a_sped_up_demo_daemon_fires_on_time_in_store_time(demo_path):
    """`workbench scheduler --clock-speed 3600`: an hour passes every second, and the reminder due
    two store-hours after start goes out at its moment, not at the next minute's sweep."""
    env = {**os.environ, "WORKBENCH_DB": str(demo_path), "WORKBENCH_NOW": "2026-06-03T08:00:00+08:00"}
    proc = subprocess.Popen([sys.executable, "-m", "workbench", "scheduler", "--clock-speed", "3600"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert "scheduler started" in proc.stdout.readline()
        wb = open_store(demo_path)
        deadline = time.monotonic() + 20
        rows = []
        while time.monotonic() < deadline and not rows:
            time.sleep(0.2)
            with wb.uow(read_only=True) as uow:
                rows = list(uow.session.execute(select(Reminder.fire_at, Reminder.late_seconds).where(
                    Reminder.kind == "schedule_window", Reminder.ref_id == 4)))
        wb.close()
        [(fire_at, late)] = rows
        assert fire_at == parse_instant("2026-06-03T10:00:00+08:00")
        assert late < 60 * 60            # within a second of wall time at 3600x (the sweep would be 60 h late)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(20)


def test_settings_saved_from_a_stale_screen_do_not_overwrite_a_newer_change(wb):
    c = factories.creator(wb, "c.stale")
    seen = wb.run(webhooks.update_prefs, c, webhooks.UpdatePrefs(bell=False))
    wb.run(webhooks.update_prefs, c, webhooks.UpdatePrefs(quiet_start="22:00", version=seen.version))   # another session
    with pytest.raises(DomainError) as err:
        wb.run(webhooks.update_prefs, c, webhooks.UpdatePrefs(bell=True, version=seen.version))
    assert "刷新" in err.value.message
    assert wb.run(webhooks.get_prefs, c).bell is False
