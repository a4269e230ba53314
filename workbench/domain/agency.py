"""Agencies and live bases (达人直播基地): service-fee split, sign-in rules and signed sign-in tokens."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from workbench.domain.errors import DomainError
from workbench.i18n import _


def _round(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True, slots=True)
class FeeSplit:
    """Who gets what of one consumer order's service fee (推广服务费), in fen."""

    fee_cents: int
    platform_cents: int
    creator_cents: int
    agency_cents: int


def service_fee(paid_cents: int, rate: Decimal) -> int:
    """service fee = actual paid price × the merchant's service-fee rate (seed 002)."""
    return _round(Decimal(paid_cents) * rate)


def split_fee(fee_cents: int, *, bound: bool, creator_share: Decimal | None, platform_bound: Decimal,
              platform_individual: Decimal) -> FeeSplit:
    """The platform keeps 30% (bound to an agency when the consumer paid) or 40%; a bound creator's
    70% is split with the agency by their agreed ratio. Rounding leftovers go to the last party,
    so the parts always add up to the fee."""
    platform = _round(Decimal(fee_cents) * (platform_bound if bound else platform_individual))
    rest = fee_cents - platform
    if not bound:
        return FeeSplit(fee_cents, platform, rest, 0)
    creator = _round(Decimal(rest) * (creator_share if creator_share is not None else Decimal(1)))
    return FeeSplit(fee_cents, platform, creator, rest - creator)


def check_split(value: Decimal, field: str = "creator_share") -> Decimal:
    if value < 0 or value > 1:
        raise DomainError(_("分成比例必须在 0% 到 100% 之间"), field=field)
    if value != value.quantize(Decimal("0.0001")):
        raise DomainError(_("分成比例最多精确到 0.01%"), field=field)
    return value


def check_sign_in(*, level_l: int, max_free_level: int, target_base: int, strong_base: int | None,
                  strong_base_name: str, current_base: int | None, current_base_name: str,
                  signed_here_before: bool, first_sign_in: bool) -> None:
    """Sign-in rules of seed 004, each a refusal that says why."""
    if current_base is not None and current_base != target_base:
        raise DomainError(_("您正在与「{base}」合作, 结束当前合作后才能在其他基地签到").format(base=current_base_name),
                          field="token")
    if current_base == target_base:
        raise DomainError(_("您已在这个基地签到"), field="token")
    if strong_base is not None:
        if strong_base != target_base:
            raise DomainError(_("您与头部年框机构「{base}」强绑定, 只能在该基地签到").format(base=strong_base_name),
                              field="token")
        return
    if level_l <= max_free_level or signed_here_before:
        return
    if first_sign_in:
        raise DomainError(_("首次签到只对 L{max} 及以下的主播开放 (您是 L{level})").format(
            max=max_free_level, level=level_l), field="token")
    raise DomainError(_("L{level} 主播只能在合作过的基地签到").format(level=level_l), field="token")


# ---- signed, expiring sign-in tokens ------------------------------------------------------------

def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: bytes, body: str) -> str:
    # 128 bits of HMAC-SHA256 keep the token short enough for a QR code a terminal can show.
    return _b64(hmac.new(secret, body.encode(), hashlib.sha256).digest()[:16])


def make_token(base_id: int, issued_at: datetime, minutes: int, secret: bytes) -> str:
    payload = {"b": base_id, "e": int((issued_at + timedelta(minutes=minutes)).timestamp())}
    body = _b64(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode())
    return f"WB1.{body}.{_mac(secret, body)}"


def read_token(token: str, secret: bytes, now: datetime) -> int:
    """The base id in a valid token; tampered or expired tokens are refused."""
    try:
        version, body, mac = token.strip().split(".")
        if version != "WB1":
            raise ValueError
        if not hmac.compare_digest(_mac(secret, body), mac):
            raise ValueError
        payload = json.loads(_unb64(body))
        base, exp = int(payload["b"]), int(payload["e"])
    except (ValueError, KeyError, TypeError, json.JSONDecodeError):
        raise DomainError(_("签到码无效"), field="token") from None
    if now.timestamp() > exp:
        raise DomainError(_("签到码已过期, 请让基地刷新二维码"), field="token")
    return base
