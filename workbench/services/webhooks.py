"""Delivery preferences (通知设置) and the webhook outbox for team-chat robots.

A push is a row written in the same transaction as its notification. The scheduler's leader claims
due pushes (a claim expires, so a sender killed mid-send is retried), posts them outside any
transaction, and records the answer: sent, or a retry after back-off, or given up after the last
try. A failing webhook only ever delays its own pushes; the in-app notification never waits on it.
Delivery to a webhook is at least once: a sender killed after the robot answered but before the
answer was recorded posts again, with the same `X-Workbench-Delivery` id for receivers that dedupe.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from workbench.domain import delivery
from workbench.domain.errors import DomainError
from workbench.i18n import N_, _, speaking
from workbench.services.base import Actor, Command, audit, read_only
from workbench.store.models import DeliveryPrefs, Notification, User, WebhookDelivery
from workbench.store.claims import claim
from workbench.store.uow import UnitOfWork, expect_version

CLAIM = timedelta(seconds=60)   # a claimed push is not claimed again for this long
# Where a push says the work is done, in words (the screens' own names).
PLACES = {"order_detail": N_("订单"), "orders": N_("订单"), "task_detail": N_("任务"), "tasks": N_("任务"),
          "stock_reviews": N_("备货审核"), "notifications": N_("通知")}


# ---- preferences ----------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Prefs:
    bell: bool
    quiet_start: str
    quiet_end: str
    webhook_url: str
    webhook_format: str
    version: int = 0


DEFAULT = Prefs(bell=True, quiet_start="23:00", quiet_end="08:00", webhook_url="", webhook_format="")


def _prefs_row(uow: UnitOfWork, user_id: int) -> DeliveryPrefs | None:
    return uow.session.get(DeliveryPrefs, user_id)


@read_only
def get_prefs(uow: UnitOfWork, actor: Actor) -> Prefs:
    row = _prefs_row(uow, actor.id) if actor.id is not None else None
    if row is None:
        return DEFAULT
    return Prefs(row.bell, row.quiet_start, row.quiet_end, row.webhook_url or "", row.webhook_format or "",
                 row.version)


class UpdatePrefs(Command):
    bell: bool | None = None
    quiet_start: str | None = None
    quiet_end: str | None = None
    webhook_url: str | None = None      # "" removes the webhook
    webhook_format: str | None = None
    version: int | None = None          # the version the person saw; a newer one is not overwritten


def update_prefs(uow: UnitOfWork, actor: Actor, cmd: UpdatePrefs) -> Prefs:
    """Change one's own delivery preferences; every change is audited."""
    if actor.id is None:
        raise DomainError(_("系统没有通知设置"))
    row = _prefs_row(uow, actor.id)
    if row is not None:
        expect_version(row, cmd.version)
    if row is None:
        row = DeliveryPrefs(user_id=actor.id, bell=True, quiet_start="23:00", quiet_end="08:00",
                            updated_at=uow.now, version=1)
        uow.session.add(row)
    changes: dict[str, object] = {}
    if cmd.quiet_start is not None:
        changes["quiet_start"] = delivery.parse_hhmm(cmd.quiet_start, "quiet_start").strftime("%H:%M")
    if cmd.quiet_end is not None:
        changes["quiet_end"] = delivery.parse_hhmm(cmd.quiet_end, "quiet_end").strftime("%H:%M")
    if cmd.webhook_format is not None and cmd.webhook_format != "":
        if cmd.webhook_format not in delivery.FORMATS:
            raise DomainError(_("Webhook 格式应为 wecom (企业微信)、dingtalk (钉钉) 或 feishu (飞书)"),
                              field="webhook_format")
        changes["webhook_format"] = cmd.webhook_format
    if cmd.webhook_url is not None:
        changes["webhook_url"] = delivery.check_url(cmd.webhook_url) if cmd.webhook_url.strip() else None
        if changes["webhook_url"] is None:
            changes["webhook_format"] = None
    if cmd.bell is not None:
        changes["bell"] = cmd.bell
    url = changes.get("webhook_url", row.webhook_url)
    fmt = changes.get("webhook_format", row.webhook_format)
    if url and not fmt:
        raise DomainError(_("请选择 Webhook 格式: wecom、dingtalk 或 feishu"), field="webhook_format")
    for name, value in changes.items():
        setattr(row, name, value)
    row.updated_at = uow.now
    row.version = (row.version or 0) + 1
    shown = {k: ("…" + str(v)[-6:] if k == "webhook_url" and v else v) for k, v in changes.items()}
    audit(uow, actor, "prefs.update", "user", actor.id, **shown)
    uow.commit()
    return get_prefs(uow, actor)


# ---- the outbox ---------------------------------------------------------------------------------

def pushed_users(uow: UnitOfWork, user_ids: set[int]) -> set[int]:
    """Which of these users have a team-chat webhook (their notifications go through `enqueue`)."""
    if not user_ids:
        return set()
    return set(uow.session.scalars(select(DeliveryPrefs.user_id).where(
        DeliveryPrefs.user_id.in_(user_ids), DeliveryPrefs.webhook_url.is_not(None),
        DeliveryPrefs.webhook_format.is_not(None))))


def enqueue(uow: UnitOfWork, note: Notification, urgent: bool = False) -> None:
    """Queue a push of `note` if its user has a webhook; quiet hours hold it unless urgent."""
    prefs = _prefs_row(uow, note.user_id)
    if prefs is None or not prefs.webhook_url or not prefs.webhook_format:
        return
    when = uow.now
    if not urgent:
        zone = uow.session.scalar(select(User.zone).where(User.id == note.user_id)) or "Asia/Shanghai"
        when = delivery.quiet_until(uow.now, zone, prefs.quiet_start, prefs.quiet_end) or uow.now
    uow.session.flush()   # the push names its notification
    uow.session.add(WebhookDelivery(notification_id=note.id, user_id=note.user_id, url=prefs.webhook_url,
                                    fmt=prefs.webhook_format, urgent=urgent, status="pending", attempts=0,
                                    next_attempt_at=when, created_at=uow.now))


@dataclass(frozen=True, slots=True)
class Push:
    id: int
    url: str
    fmt: str
    body: dict
    attempt: int


def _render(uow: UnitOfWork, note: Notification, lang: str | None) -> tuple[str, str]:
    from workbench.services.notifications import render

    with speaking(lang or "zh"):
        title = _("工作台通知")
        text = render(note.kind, note.params)
        place = _(PLACES[note.screen]) if note.screen in PLACES else ""
        where = (_("在工作台打开: {place} #{ref}").format(place=place, ref=note.ref_id) if note.ref_id
                 else _("在工作台打开: {place}").format(place=place)) if place else ""
    return title, text + (f"\n{where}" if where else "")


def claim_due(uow: UnitOfWork, limit: int = 100) -> list[Push]:
    """Claim pushes that are due (oldest first); each claim counts as an attempt."""
    stmt = (select(WebhookDelivery).where(
        WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= uow.now,
        (WebhookDelivery.claimed_until.is_(None)) | (WebhookDelivery.claimed_until <= uow.now))
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id).limit(limit))
    rows = list(uow.session.scalars(claim(stmt, uow)))   # SKIP LOCKED on PostgreSQL
    pushes: list[Push] = []
    for row in rows:
        won = uow.session.execute(
            update(WebhookDelivery).where(WebhookDelivery.id == row.id, WebhookDelivery.attempts == row.attempts)
            .values(attempts=row.attempts + 1, claimed_until=uow.now + CLAIM)
            .execution_options(synchronize_session=False)).rowcount
        if not won:
            continue
        note = uow.session.get(Notification, row.notification_id)
        lang = uow.session.scalar(select(User.lang).where(User.id == row.user_id))
        title, text = _render(uow, note, lang)
        pushes.append(Push(row.id, row.url, row.fmt, delivery.payload(row.fmt, title, text), row.attempts + 1))
    uow.commit()
    return pushes


def record(uow: UnitOfWork, push_id: int, attempt: int, error: str | None) -> str:
    """Record how an attempt went: sent, retry later, or given up. Returns the new status."""
    row = uow.session.get(WebhookDelivery, push_id)
    if row is None or row.status != "pending" or row.attempts != attempt:
        return row.status if row is not None else "gone"   # a later claim owns it now
    row.claimed_until = None
    if error is None:
        row.status, row.sent_at, row.last_error = "sent", uow.now, None
    else:
        row.last_error = error[:500]
        retry = delivery.next_attempt(attempt, uow.now)
        if retry is None:
            row.status = "failed"
        else:
            row.next_attempt_at = retry
    uow.commit()
    return row.status


def next_attempt_at(uow: UnitOfWork) -> datetime | None:
    """The earliest moment a pending push may be tried (a live claim pushes it back)."""
    at = uow.session.scalar(select(func.min(WebhookDelivery.next_attempt_at)).where(
        WebhookDelivery.status == "pending"))
    if at is None:
        return None
    claimed = uow.session.scalar(select(func.min(WebhookDelivery.claimed_until)).where(
        WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at == at))
    return max(at, claimed) if claimed is not None else at


@dataclass(frozen=True, slots=True)
class PushView:
    id: int
    at: datetime
    status: str
    attempts: int
    next_attempt_at: datetime | None
    error: str
    text: str


@read_only
def my_pushes(uow: UnitOfWork, actor: Actor, limit: int = 50) -> list[PushView]:
    """The user's recent pushes with their state, newest first."""
    from workbench.services.notifications import render

    rows = uow.session.execute(
        select(WebhookDelivery, Notification).join(Notification, Notification.id == WebhookDelivery.notification_id)
        .where(WebhookDelivery.user_id == actor.id).order_by(WebhookDelivery.id.desc()).limit(limit))
    return [PushView(w.id, w.created_at, w.status, w.attempts,
                     w.next_attempt_at if w.status == "pending" else None, w.last_error or "",
                     render(n.kind, n.params)) for w, n in rows]


def send_test(uow: UnitOfWork, actor: Actor) -> int:
    """Queue a test message to one's own webhook (it also shows in the inbox)."""
    from workbench.services.base import notify

    prefs = _prefs_row(uow, actor.id) if actor.id is not None else None
    if prefs is None or not prefs.webhook_url:
        raise DomainError(_("还没有设置 Webhook 地址"), field="webhook_url")
    notify(uow, actor.id, "webhook_test", screen="notifications", urgent=True)
    audit(uow, actor, "prefs.webhook_test", "user", actor.id)
    uow.commit()
    return 1


def push_json(push: Push) -> bytes:
    return json.dumps(push.body, ensure_ascii=False).encode("utf-8")
