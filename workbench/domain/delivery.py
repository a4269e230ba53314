"""Delivery channels, pure: quiet hours, retry back-off, and the group-bot payloads of
企业微信 (WeCom), 钉钉 (DingTalk) and 飞书 (Feishu/Lark)."""

from __future__ import annotations

import json
import re
import string
from datetime import datetime, time, timedelta
from urllib.parse import quote
from zoneinfo import ZoneInfo

from workbench.domain.errors import DomainError
from workbench.i18n import _

FORMATS = ("wecom", "dingtalk", "feishu")
# Waits before the 2nd, 3rd, … attempt; after the last one the push is given up (the in-app
# notification is there whatever happens to the push).
BACKOFF = (timedelta(seconds=30), timedelta(minutes=2), timedelta(minutes=10), timedelta(minutes=30),
           timedelta(hours=1), timedelta(hours=3))
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def parse_hhmm(text: str, field: str) -> time:
    m = _HHMM.match(text.strip())
    if not m:
        raise DomainError(_("时间应为 HH:MM (00:00–23:59): {value}").format(value=text[:20]), field=field)
    return time(int(m.group(1)), int(m.group(2)))


def quiet_until(now: datetime, zone: str, start: str, end: str) -> datetime | None:
    """If `now` falls in the quiet hours [start, end) of `zone` (wrapping midnight), the UTC instant
    they end; otherwise None. Equal start and end mean no quiet hours."""
    s, e = parse_hhmm(start, "quiet_start"), parse_hhmm(end, "quiet_end")
    if s == e:
        return None
    local = now.astimezone(ZoneInfo(zone))
    t = local.time()
    inside = (s <= t < e) if s < e else (t >= s or t < e)
    if not inside:
        return None
    end_day = local.date() if (s < e or t < e) else local.date() + timedelta(days=1)
    wall = datetime.combine(end_day, e, tzinfo=ZoneInfo(zone))
    return wall.astimezone(now.tzinfo)


def next_attempt(attempts: int, now: datetime) -> datetime | None:
    """After `attempts` failed tries, when to try again; None when it is time to give up."""
    if attempts > len(BACKOFF):
        return None
    return now + BACKOFF[attempts - 1]


def check_url(url: str) -> str:
    url = url.strip()
    if re.match(r"^https?://[^\s/]+(/\S*)?$", url):
        # Chinese pasted into the address (a path, a key in the query) is kept percent-encoded, as
        # a browser sends it: an HTTP request line is ASCII, and the push would fail to encode.
        url = quote(url, safe=string.punctuation)
    if not re.match(r"^https?://[^\s/]+(/\S*)?$", url) or len(url) > 500:
        raise DomainError(_("Webhook 地址应以 http:// 或 https:// 开头, 不超过 500 个字符"), field="webhook_url")
    return url


def payload(fmt: str, title: str, text: str) -> dict:
    """The body each group bot expects (markdown where the bot renders it)."""
    if fmt == "wecom":
        return {"msgtype": "markdown", "markdown": {"content": f"**{title}**\n{text}"}}
    if fmt == "dingtalk":
        return {"msgtype": "markdown", "markdown": {"title": title, "text": f"#### {title}\n{text}"}}
    if fmt == "feishu":
        return {"msg_type": "text", "content": {"text": f"{title}\n{text}"}}
    raise ValueError(fmt)


def accepted(status: int, body: bytes) -> str | None:
    """None if the bot took the message, else why not. The bots answer HTTP 200 with an error code
    in the body ({"errcode": 0} for WeCom and DingTalk, {"code": 0} for Feishu)."""
    if not 200 <= status < 300:
        return f"HTTP {status}"
    try:
        data = json.loads(body.decode("utf-8") or "{}")
    except (UnicodeDecodeError, ValueError):
        return None if not body.strip() else f"HTTP {status}: not JSON"
    if not isinstance(data, dict):
        return None
    for key in ("errcode", "code", "StatusCode"):
        if key in data and data[key] not in (0, "0"):
            return f"{key} {data[key]}: {str(data.get('errmsg') or data.get('msg') or '')[:200]}"
    return None
